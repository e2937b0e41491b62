/**
 * loader.conf(5) parsing for `kld boot -l`: what is preloaded, in which
 * order, with which file; malformed lines refused with FILE:LINE; random
 * text never crashes the parser.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLoaderConf } from "../../src/image/loader_conf.js";
import { refusal } from "../support/kernel_error.js";

function confRefusal(text: string): string {
  return refusal(() => parseLoaderConf(text, "loader.conf"));
}

describe("loader.conf", () => {
  it("preloads _load=YES and kld_list modules in file order, NAME_name choosing the file", () => {
    const conf = parseLoaderConf(
      [
        "# comment",
        "",
        'hello_load="YES"   # trailing comment',
        "kld_list=\"kdep_user evdemo.ko\"",
        "evdemo_name=\"/tmp/x/evdemo.ko\"",
        'sysinit_demo_load="NO"',
        'hw.ata.wc="0"',
        "bare_load=YES",
      ].join("\n"),
      "loader.conf",
    );
    expect(conf.preload.map((p) => [p.name, p.spec, p.where])).toEqual([
      ["hello", "hello", "loader.conf:3"],
      ["kdep_user", "kdep_user", "loader.conf:4"],
      ["evdemo", "/tmp/x/evdemo.ko", "loader.conf:4"],
      ["bare", "bare", "loader.conf:8"],
    ]);
    expect(conf.variables.get("hw.ata.wc")).toBe("0");
  });

  it("loads a module named twice once, and not at all when a later line says NO", () => {
    const conf = parseLoaderConf('kld_list="a b a"\nb_load="NO"\n', "f");
    expect(conf.preload.map((p) => p.name)).toEqual(["a"]);
  });

  it("refuses malformed lines with file and line, all of them", () => {
    expect(confRefusal('hello_load="YES\n')).toBe("EINVAL: loader.conf:1: unterminated quoted value for hello_load");
    expect(confRefusal("just words\n")).toBe("EINVAL: loader.conf:1: expected NAME=\"value\", found 'just words'");
    expect(confRefusal('="x"\n')).toBe("EINVAL: loader.conf:1: bad variable name ''");
    expect(confRefusal('a_load="YES" junk\n')).toBe("EINVAL: loader.conf:1: unexpected 'junk' after the value of a_load");
    expect(confRefusal('a_load=YE"S\n')).toBe("EINVAL: loader.conf:1: stray quote in the value of a_load");
    expect(confRefusal('a_load="maybe"\n')).toBe('EINVAL: loader.conf:1: a_load must be "YES" or "NO", not "maybe"');
    expect(confRefusal('ok_load="YES"\nbad\nworse="\n')).toBe(
      "EINVAL: loader.conf:2: expected NAME=\"value\", found 'bad'\nloader.conf:3: unterminated quoted value for worse",
    );
  });

  it("never throws anything but KernelError on random text", () => {
    const alphabet = fc.constantFrom("a", "_", "=", '"', "#", " ", "\n", "\t", "YES", "load", "kld_list", "\0", "é");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const r = confRefusal(parts.join(""));
        expect(r === "accepted" || r.startsWith("EINVAL: ")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
