// Property: random token streams never crash the parsers; they only produce diagnostics.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/config/diagnostics.js";
import { parseHints } from "../../src/config/hints.js";
import { parseConfigText } from "../../src/config/load_config.js";
import { configToYaml } from "../../src/config/to_yaml.js";
import { stripLocations } from "../../src/config/ast.js";
import { memFiles } from "./parse_text.js";

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

// Issue 14: whatever kconfig accepts, of any era, means the same once
// written as YAML and read back.
const ERA_LINES = [
  'machine "i386"', "machine amd64 x86_64", 'cpu "I386_CPU"', "cpu HAMMER", "nocpu HAMMER", "ident LINT", "maxusers 10",
  "timezone 8 dst", "timezone -5.5", "timezone 0 dst 2", "maxfdescs 2048", "hz 100", "trace",
  'options "COMPAT_43"', 'options "MAXDSIZ=(256*1024*1024)"', "options INET, FFS", "options HZ=1000", "nooptions INET",
  "makeoptions DEBUG=-g", "makeoptions CONF_CFLAGS+=-O", "nomakeoptions DEBUG",
  "config kernel root on wd0 swap on wd0 size 100 and sd0 args on wd0", "config kernel root on major 0 minor 0", "config kernel swap generic",
  "controller isa0", "controller wdc0 at isa? port \"IO_WD1\" bio irq 14 vector wdintr", "disk wd0 at wdc0 drive 0",
  "controller fdc0 at isa? port IO_FD1 irq 6 drq 2", "tape ft0 at fdc0 drive 2", "master mt0 at isa?", "tape mu0 at mt0 slave 0",
  "device sio0 at isa? port \"IO_COM1\" tty irq 4 vector siointr", "device sio1 at isa? disable port IO_COM2 conflicts irq 3",
  "device ed0 at isa? port 0x280 net irq 5 iomem 0xd8000 iosiz 0x2000 flags 0x1", "device lpa0 at isa? csr 0x378",
  "device sd0", "device mlx5", "device snd_via8233", "device uart, ppc", "devices mlx4, mlx5", "device isa", "nodevice ppc",
  "device fd0 at fdc0 drive 1", "device atkbd0 at atkbdc? irq 1", "device atkbdc0 at isa? port IO_KBD",
  "disk sd1 at scbus0 target 1 unit 0", "controller scbus0", "controller scbus1 at ahc0 bus 1", "controller ahc0 at isa? cam irq ?",
  "pseudo-device pty 16", "pseudo-device loop", "module hello", 'files "f"', 'env "e"', 'envvar hint.a.0.b="1"', "profile 2",
];

describe("every era's accepted files round-trip through YAML", () => {
  it("a file of any era's statements that parses without errors means the same as its YAML", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ERA_LINES), { maxLength: 25 }), (lines) => {
        const text = lines.join("\n") + "\n";
        const r = parseConfigText(text, "/cfg/GENERIC", { files: memFiles({ GENERIC: text }) });
        fc.pre(!r.diagnostics.hasErrors());
        const yaml = configToYaml(r.config);
        const back = parseConfigText(yaml, "/cfg/b.yaml", { files: memFiles({ "b.yaml": yaml }) });
        expect(back.diagnostics.errors).toEqual([]);
        expect(stripLocations(back.config)).toEqual(stripLocations(r.config));
      }),
      { numRuns: Number(process.env.KCONFIG_RUNS ?? 300) },
    );
  });
});
