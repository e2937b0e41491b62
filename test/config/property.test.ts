// Property: random token streams never crash the parsers; they only produce diagnostics.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/config/diagnostics.js";
import { parseHints } from "../../src/config/hints.js";
import { parseConfigText } from "../../src/config/load_config.js";
import { configToYaml } from "../../src/config/to_yaml.js";
import { memFiles } from "./helpers.js";

const WORDS = [
  "machine", "cpu", "ident", "maxusers", "options", "makeoptions", "config", "controller", "device",
  "disk", "tape", "master", "pseudo-device", "module", "nodevice", "nooptions", "include", "hints",
  "at", "isa", "isa0", "nexus", "fdc0", "port", "irq", "drq", "iomem", "iosiz", "flags", "vector",
  "tty", "bio", "net", "cam", "conflicts", "disable", "drive", "slave", "target", "unit", "bus",
  "root", "swap", "dumps", "on", "and", "sio0", "ed0", "IO_COM1", "IO_BOGUS", "0x3f8", "0", "2",
  "99999999999", "08", "-g", "A", "GENERIC", "\"", "\"IO_COM1\"", "\"X=1\"", "=", ",", "?", ";",
  "\n", "\n", "\n", "#", "\t", "\u00e9", "\r",
];

describe("the parsers never crash", () => {
  it("random token streams give diagnostics, not exceptions (classic)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 60 }), (toks) => {
        const text = toks.join(" ");
        const files = memFiles({ GENERIC: text, A: "include GENERIC\n" });
        const r = parseConfigText(text, "/cfg/GENERIC", { files });
        for (const d of r.diagnostics.all) {
          expect(typeof d.message).toBe("string");
          expect(d.line).toBeGreaterThanOrEqual(0);
        }
        // whatever parsed must render as YAML that parses back without errors
        const yaml = configToYaml(r.config);
        const back = parseConfigText(yaml, "/cfg/b.yaml", { files: memFiles({ "b.yaml": yaml }) });
        expect(back.diagnostics.errors.filter((d) => !/duplicate unit|wildcard|not defined|non-controller/.test(d.message))).toEqual([]);
      }),
      { numRuns: Number(process.env.KCONFIG_RUNS ?? 400) },
    );
  });

  it("random text never crashes the classic or YAML parser", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        parseConfigText(text, "/cfg/GENERIC", { files: memFiles({ GENERIC: text }) });
        parseConfigText(text, "/cfg/G.yaml", { files: memFiles({ "G.yaml": text }) });
      }),
      { numRuns: Number(process.env.KCONFIG_RUNS ?? 400) },
    );
  });

  it("random hints text never crashes the hints parser", () => {
    const piece = fc.constantFrom("hint.", "sio", ".", "0", "at", "=", '"', "isa", "0x3f8", "#", "\n", " ", "irq", "x", "\u0000");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const d = new Diagnostics();
        const hints = parseHints(parts.join(""), "h", d);
        for (const h of hints) expect(h.key.length).toBeGreaterThan(0);
      }),
      { numRuns: Number(process.env.KCONFIG_RUNS ?? 400) },
    );
  });

  it("random YAML structures give diagnostics, not exceptions", () => {
    const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom("?", "isa?", "IO_COM1", "0x10"));
    const keys = fc.constantFrom("machine", "cpu", "ident", "maxusers", "options", "devices", "device", "at", "irq", "port", "hints", "modules", "pseudo-devices", "config", "kernel", "include", "hint.a.0.irq", "x");
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("tree"), { maxLength: 4 }), fc.dictionary(keys, tie("tree"), { maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(fc.dictionary(keys, tree, { maxKeys: 6 }), (obj) => {
        const text = JSON.stringify(obj);
        parseConfigText(text, "/cfg/G.yaml", { files: memFiles({ "G.yaml": text }) });
      }),
      { numRuns: Number(process.env.KCONFIG_RUNS ?? 400) },
    );
  });
});
