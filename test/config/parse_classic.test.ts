import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText } from "../../src/config/load_config.js";
import { errors, memFiles, messages, parse } from "./parse_text.js";

const FIX = "test/fixtures/config";

describe("real FreeBSD configurations", () => {
  it("the 2.2 LINT parses with no diagnostics and the counts of its lines", () => {
    const r = loadConfig(`${FIX}/freebsd-2.2-LINT`);
    expect(messages(r)).toEqual([]);
    const c = r.config;
    const count = (k: string) => c.devices.filter((d) => d.kind === k).length;
    expect([count("device"), count("controller"), count("disk"), count("tape")]).toEqual([68, 28, 6, 1]);
    expect(c.pseudoDevices).toHaveLength(18);
    expect(c.options).toHaveLength(151);
    expect(c.cpus).toEqual(["I386_CPU", "I486_CPU", "I586_CPU", "I686_CPU"]);
    expect(c.machine).toBe("i386");
    expect(c.ident).toBe("LINT");
    expect(c.maxusers).toBe(10);
    expect(c.kernels).toMatchObject([{ name: "kernel", root: "wd0", dumps: "wd0", swap: [] }]);
    const sio0 = c.devices.find((d) => d.name === "sio" && d.unit === 0);
    expect(sio0).toMatchObject({ kind: "device", at: { bus: "isa", unit: "?" }, port: { kind: "symbol", name: "IO_COM1", value: 0x3f8 }, intrClass: "tty", irq: 4, vectors: ["siointr"] });
    expect(c.devices.find((d) => d.name === "psm")).toMatchObject({ conflicts: true, port: { name: "IO_KBD", value: 0x60 } });
    expect(c.devices.find((d) => d.name === "lpt" && d.unit === 0)?.port).toEqual({ kind: "wildcard" });
    expect(c.devices.find((d) => d.name === "pca")?.port).toEqual({ kind: "symbol", name: "IO_TIMER1", value: 0x40 });
    expect(c.devices.find((d) => d.name === "ft")).toMatchObject({ kind: "tape", at: { bus: "fdc", unit: 0 }, drive: 2 });
    expect(c.devices.find((d) => d.name === "uart")?.vectors).toEqual(["m6850intr"]);
    expect(c.options.find((o) => o.name === "MAXDSIZ")?.value).toBe("(256*1024*1024)");
    expect(c.options.find((o) => o.name === "COMPAT_43")?.value).toBeUndefined();
    expect(c.pseudoDevices.find((p) => p.name === "pty")?.count).toBe(16);
  });

  it("the modern GENERIC parses; its absent include is the only error and names std.debug", () => {
    const r = loadConfig(`${FIX}/freebsd-modern-GENERIC`);
    expect(errors(r)).toEqual([
      `kconfig: ${FIX}/freebsd-modern-GENERIC:100: cannot open include file "std.debug" (${FIX}/std.debug): No such file or directory`,
    ]);
    const uart = r.config.devices.find((d) => d.name === "uart");
    expect([uart?.kind, uart?.unit, uart?.at]).toEqual(["device", undefined, undefined]);
    expect(r.config.options.find((o) => o.name === "SCSI_DELAY")?.value).toBe("5000");
    expect(r.config.makeoptions).toMatchObject([{ name: "DEBUG", value: "-g" }, { name: "WITH_CTF", value: "1" }]);
  });

  it("the modern GENERIC parses cleanly once std.debug exists", () => {
    const r = parse("include \"std.debug\"\noptions INVARIANTS\n", { "std.debug": "options WITNESS\n" });
    expect(messages(r)).toEqual([]);
    expect(r.config.options.map((o) => o.name)).toEqual(["WITNESS", "INVARIANTS"]);
  });

  it("hints FILE reads the modern GENERIC.hints", () => {
    const r = loadConfig(`${FIX}/freebsd-modern-GENERIC`);
    const h = parse('hints "GENERIC.hints"\n', { "GENERIC.hints": require_hints() });
    expect(messages(h)).toEqual([]);
    expect(h.config.hints).toHaveLength(19);
    expect(h.config.hints[7]).toMatchObject({ driver: "uart", unit: 0, key: "port", value: "0x3F8" });
    expect(r.config.hints).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
function require_hints(): string {
  return readFileSync(`${FIX}/freebsd-modern-GENERIC.hints`, "utf8");
}

describe("the classic grammar", () => {
  it("reads every keyword", () => {
    const r = parse([
      'machine "i386"',
      "cpu I586_CPU ; cpu \"I686_CPU\"",
      "ident KLDSIM",
      "maxusers 0x10",
      'options INET, "COMPAT_43", HZ=100, "MAXDSIZ=(256*1024*1024)", NAME="quoted value"',
      "makeoptions DEBUG=-g, COPTFLAGS=-O2",
      "makeoptions COPTFLAGS+=-pipe",
      "config kernel root on wd0 swap on wd0 and sd0 dumps on wd0",
      "config gkernel swap generic",
      "controller isa0",
      "controller fdc0 at isa? port \"IO_FD1\" bio irq 6 drq 2 vector fdintr",
      "disk fd0 at fdc0 drive 0",
      "tape ft0 at fdc0 drive 2",
      "device sio0 at isa? port IO_COM1 tty irq 4 flags 010 vector siointr other_intr",
      "device ed0 at isa0 port 0x280 net irq 10 iomem 0xd8000 iosiz 0x2000",
      "device lpt0 at isa? port? tty irq ?",
      "controller scbus0 at isa? bus 0",
      "disk sd0 at scbus0 target 3 unit 1",
      "device sio2 at isa? disable port IO_COM3 irq 5 conflicts",
      "device npx0 at nexus? port IO_NPX iosiz ? irq 13 priority 3",
      "master vme0 slave 2",
      "pseudo-device loop",
      "pseudo-device pty 16",
      "module hello, world",
      "device uart, ppc",
    ].join("\n"));
    expect(messages(r)).toEqual([]);
    const c = r.config;
    expect(c.cpus).toEqual(["I586_CPU", "I686_CPU"]);
    expect(c.maxusers).toBe(16);
    expect(c.options).toMatchObject([
      { name: "INET" }, { name: "COMPAT_43" }, { name: "HZ", value: "100" },
      { name: "MAXDSIZ", value: "(256*1024*1024)" }, { name: "NAME", value: "quoted value" },
    ]);
    expect(c.makeoptions).toMatchObject([{ name: "DEBUG", value: "-g" }, { name: "COPTFLAGS", value: "-O2 -pipe" }]);
    expect(c.kernels[0]).toMatchObject({ name: "kernel", root: "wd0", swap: ["wd0", "sd0"], dumps: "wd0" });
    expect(c.kernels[1]).toMatchObject({ name: "gkernel", swap: ["generic"] });
    const dev = (n: string, u: number | undefined) => c.devices.find((d) => d.name === n && d.unit === u);
    expect(dev("sio", 0)).toMatchObject({ flags: 8, vectors: ["siointr", "other_intr"], port: { kind: "symbol", value: 0x3f8 } });
    expect(dev("ed", 0)).toMatchObject({ at: { bus: "isa", unit: 0 }, port: { kind: "number", value: 0x280 }, iomem: 0xd8000, iosiz: 0x2000, intrClass: "net" });
    expect(dev("lpt", 0)).toMatchObject({ port: { kind: "wildcard" }, irq: "?" });
    expect(dev("sd", 0)).toMatchObject({ kind: "disk", target: 3, lun: 1 });
    expect(dev("sio", 2)).toMatchObject({ disabled: true, conflicts: true });
    expect(dev("npx", 0)).toMatchObject({ at: { bus: "nexus", unit: "?" }, iosiz: "?", priority: 3 });
    expect(dev("vme", 0)).toMatchObject({ kind: "master", slave: 2 });
    expect(dev("scbus", 0)?.bus).toBe(0);
    expect(c.pseudoDevices).toMatchObject([{ name: "loop" }, { name: "pty", count: 16 }]);
    expect(c.modules.map((m) => m.name)).toEqual(["hello", "world"]);
    expect(dev("uart", undefined)).toBeDefined();
    expect(dev("ppc", undefined)).toBeDefined();
  });

  it("remaps irq 2 to irq 9 with FreeBSD's warning", () => {
    const r = parse("device sio0 at isa? port IO_COM1 irq 2\n");
    expect(r.config.devices[0]?.irq).toBe(9);
    expect(messages(r)).toEqual(["kconfig: GENERIC:1: WARNING: remapped irq 2 to irq 9, please update your config file"]);
  });

  it("nodevice and nooptions remove what came before", () => {
    const r = parse("options A\noptions B\nnooptions A\ndevice sio0 at isa?\ndevice sio1 at isa?\nnodevice sio1\npseudo-device loop\nnodevice loop\nnocpu X\n");
    expect(r.config.options.map((o) => o.name)).toEqual(["B"]);
    expect(r.config.devices.map((d) => `${d.name}${d.unit}`)).toEqual(["sio0"]);
    expect(r.config.pseudoDevices).toEqual([]);
  });

  it("warns about duplicate options, keeping the later value", () => {
    const r = parse("options HZ=100\noptions HZ=1000\n");
    expect(r.config.options).toMatchObject([{ name: "HZ", value: "1000" }]);
    expect(messages(r)).toEqual(["kconfig: GENERIC:2: WARNING: duplicate option 'HZ' encountered."]);
  });

  it("accepts C numbers in hex, octal and decimal", () => {
    const r = parse("device x0 at isa? port 0X2f8 irq 011 iomem 0 flags 0xFFFFFFFF\n");
    expect(r.config.devices[0]).toMatchObject({ port: { value: 0x2f8 }, irq: 9, iomem: 0, flags: 0xffffffff });
  });
});

describe("bad input: every keyword with a missing or malformed argument", () => {
  const cases: [string, string][] = [
    ["machine", "syntax error near end of line: machine type expected"],
    ['machine "i386"\nmachine pc98', "only one machine directive is allowed"],
    ["cpu", "syntax error near end of line: cpu type expected"],
    ["cpu A B", "syntax error near 'B': unexpected extra words"],
    ["ident", "syntax error near end of line: kernel identification expected"],
    ["ident 9-bad", "ident '9-bad' is not a valid name (letters, digits and _)"],
    ["maxusers", "syntax error near end of line: maxusers wants a number"],
    ["maxusers ten", "syntax error near 'ten': maxusers wants a number"],
    ["maxusers 08", "syntax error near '08': maxusers wants a number"],
    ["maxusers 99999", "maxusers 99999 is out of range (0-2048)"],
    ["options", "syntax error near end of line: options name expected"],
    ["options FOO=", "syntax error near end of line: options FOO= wants a value"],
    ["options FOO,", "syntax error near end of line: options name expected"],
    ["options 9FOO", "syntax error near '9FOO': '9FOO' is not a valid option name"],
    ["makeoptions DEBUG", "syntax error near end of line: makeoptions DEBUG wants =VALUE"],
    ["config", "syntax error near end of line: kernel name expected"],
    ["config kernel root", "syntax error near end of line: root device expected"],
    ["config kernel root on wd0 dumps", "syntax error near end of line: dump device expected"],
    ["config kernel sideways", "syntax error near 'sideways': root, swap, dumps or args expected"],
    ["config kernel", "config kernel: no root device specified"],
    ["config kernel swap on wd0 dumps on wd0", "config kernel: no root device specified"],
    ["device", "syntax error near end of line: device name expected"],
    ["controller =", "syntax error near '=': controller name expected"],
    ["tape machine, 0x3f8", "syntax error near '0x3f8': '0x3f8' is not a valid tape name"],
    ["devices uart, 9x", "syntax error near '9x': '9x' is not a valid device name"],
    ["device sio0 at", "syntax error near end of line: at wants a bus or controller (isa?, fdc0)"],
    ["device sio0 at isa", "syntax error near 'isa': at wants a bus with a unit number or '?' (isa?, isa0)"],
    ["device sio0 at isa? port", "syntax error near end of line: port wants a number, an IO_* name or '?'"],
    ["device sio0 at isa? port irq 4", "syntax error near 'irq': port wants a number, an IO_* name or '?'"],
    ["device sio0 at isa? port IO_NOPE", "unknown port name 'IO_NOPE' (not in <i386/isa/isa.h>)"],
    ["device sio0 at isa? port 0x10000", "port 0x10000 is beyond the 64K I/O space"],
    ["device sio0 at isa? irq", "syntax error near end of line: irq wants a number or '?'"],
    ["device sio0 at isa? irq four", "syntax error near 'four': irq wants a number or '?'"],
    ["device sio0 at isa? irq 16", "sio0: irq 16 out of range (0-15)"],
    ["device sio0 at isa? drq", "syntax error near end of line: drq wants a number or '?'"],
    ["device sio0 at isa? drq 8", "sio0: drq 8 out of range (0-7)"],
    ["device ed0 at isa? iomem", "syntax error near end of line: iomem wants a number"],
    ["device ed0 at isa? iomem 0xzz", "syntax error near '0xzz': iomem wants a number"],
    ["device ed0 at isa? iosiz x", "syntax error near 'x': iosiz wants a number or '?'"],
    ["device ed0 at isa? flags", "syntax error near end of line: flags wants a number"],
    ["device ed0 at isa? vector", "syntax error near end of line: vector wants a handler name"],
    ["device ed0 at isa? irq 3 irq 4", "ed0: 'irq' given twice"],
    ["device ed0 at isa? tty net", "ed0: both 'tty' and 'net' given"],
    ["disk fd0 at fdc0 drive", "syntax error near end of line: drive wants a number"],
    ["master vme0 slave x", "syntax error near 'x': slave wants a number"],
    ["disk sd0 at isa? target", "syntax error near end of line: target wants a number"],
    ["disk sd0 at isa? unit ?", "syntax error near '?': unit wants a number"],
    ["controller scbus0 at isa? bus", "syntax error near end of line: bus wants a number"],
    ["device x0 at isa? priority", "syntax error near end of line: priority wants a number"],
    ["device sio0 port 1 at isa?", "syntax error near 'at': 'at' must follow the device name"],
    ["device sio0 at isa? wibble", "syntax error near 'wibble': unknown device attribute"],
    ["pseudo-device", "syntax error near end of line: pseudo-device name expected"],
    ["pseudo-device pty lots", "syntax error near 'lots': pseudo-device count wants a number"],
    ["module", "syntax error near end of line: module name expected"],
    ["module a b", "syntax error near 'b': unexpected extra words"],
    ["nodevice", "syntax error near end of line: device name expected"],
    ["nooptions", "syntax error near end of line: option name expected"],
    ["include", "syntax error near end of line: include file name expected"],
    ["hints", "syntax error near end of line: hints file name expected"],
    ["frobnicate 3", "syntax error near 'frobnicate': unknown keyword"],
    ["= 3", "syntax error near '=': a keyword expected"],
  ];
  it.each(cases)("%j", (text, msg) => {
    const r = parse(text + "\n");
    expect(errors(r)).toContain(`kconfig: GENERIC:${text.split("\n").length}: ${msg}`);
  });

  it("reports an unterminated quote and goes on", () => {
    const r = parse('ident X\noptions "FOO\nmaxusers 10\n');
    expect(errors(r)).toEqual(["kconfig: GENERIC:2: unterminated quoted string '\"FOO'"]);
    expect(r.config.maxusers).toBe(10);
  });

  it("reports all errors of a file in one run, in order", () => {
    const r = parse('ident A\nmaxusers x\nfoo\ndevice sio0 at isa? irq\nmodule ok\noptions "BAR\ndevice ed0 at isa? port\n');
    expect(errors(r).map((m) => m.split(":")[2])).toEqual(["2", "3", "4", "6", "7"]);
    expect(r.config.modules).toHaveLength(1);
  });
});

describe("bad input: buses, units, includes", () => {
  it("rejects a device at a bus that is not configured", () => {
    expect(errors(parse("device sio0 at eisa?\n"))).toEqual([
      "kconfig: GENERIC:1: sio0: no eisa's to wildcard (no bus or controller eisa is configured)",
    ]);
    expect(errors(parse("controller fdc0 at isa?\ndisk fd0 at fdc1 drive 0\n"))).toEqual([
      "kconfig: GENERIC:2: fd0: fdc 1 not defined (no bus or controller fdc1 is configured)",
    ]);
    expect(errors(parse("device sio0 at isa?\ndisk wd0 at sio0 drive 0\n"))).toEqual([
      "kconfig: GENERIC:2: wd0 connected to non-controller sio0 (this file declares controllers, so it is read as 2.x, whose config(8) wanted 'controller sio0'; 4.x and later accept a device)",
    ]);
    expect(errors(parse("device sio0 at isa0\ndevice npx0 at nexus?\n"))).toEqual([]);
  });

  it("rejects duplicate units, naming the first", () => {
    expect(errors(parse("device sio0 at isa?\ndevice sio1 at isa?\ndevice sio0 at isa? port 0x2e8\n"))).toEqual([
      "kconfig: GENERIC:3: duplicate unit: sio0 is already configured at GENERIC:1",
    ]);
  });

  it("reads includes relative to the including file", () => {
    const r = parse('include "sub/A"\n', { "sub/A": "include B\noptions FROM_A\n", "sub/B": "options FROM_B\n" });
    expect(messages(r)).toEqual([]);
    expect(r.config.options.map((o) => o.name)).toEqual(["FROM_B", "FROM_A"]);
    expect(r.config.options[0]?.loc).toEqual({ file: "sub/B", line: 1 });
  });

  it("names the chain of an include cycle", () => {
    const r = parse("include A\n", { A: "include B\n", B: "include GENERIC\n" });
    expect(errors(r)).toEqual(["kconfig: B:1: include cycle: GENERIC -> A -> B -> GENERIC"]);
    const self = parse("include GENERIC\n");
    expect(errors(self)).toEqual(["kconfig: GENERIC:1: include cycle: GENERIC -> GENERIC"]);
  });

  it("names a missing include file and a missing hints file", () => {
    expect(errors(parse("include nothere\n"))).toEqual([
      'kconfig: GENERIC:1: cannot open include file "nothere" (nothere): No such file or directory',
    ]);
    expect(errors(parse('hints "x.hints"\n'))).toEqual([
      'kconfig: GENERIC:1: cannot open hints file "x.hints" (x.hints): No such file or directory',
    ]);
  });

  it("searches -I directories after the including file's own", () => {
    const text = 'include "std.debug"\nhints "x.hints"\n';
    const files = memFiles({ GENERIC: text, "inc/std.debug": "options WITNESS\n", "inc/x.hints": 'hint.sio.0.at="isa"\n' });
    const r = parseConfigText(text, "/cfg/GENERIC", { files, includeDirs: ["/cfg/inc"] });
    expect(messages(r)).toEqual([]);
    expect(r.config.options.map((o) => o.name)).toEqual(["WITNESS"]);
    expect(r.config.hints).toHaveLength(1);
  });

  it("refuses includes nested more than 32 deep, in either syntax, and says why a file cannot be read in FreeBSD's words", () => {
    const chain: Record<string, string> = {};
    for (let i = 0; i < 40; i++) chain[`a${i}`] = `include a${i + 1}\n`;
    chain["a40"] = "options DEEP\n";
    expect(errors(parse("include a0\n", chain))).toEqual(['kconfig: a31:1: includes nested too deeply (more than 32) at "a32"']);
    const ychain: Record<string, string> = {};
    for (let i = 0; i < 40; i++) ychain[`y${i}.yaml`] = `include: y${i + 1}.yaml\n`;
    expect(errors(parse("include y0.yaml\n", ychain))).toEqual(['kconfig: y31.yaml:1: includes nested too deeply (more than 32) at "y32.yaml"']);
    const files = memFiles({ GENERIC: "include locked\ninclude odd\n" });
    const failing: typeof files = {
      ...files,
      read: (abs) => {
        if (abs.endsWith("locked")) throw Object.assign(new Error("EACCES: permission denied, open"), { code: "EACCES" });
        if (abs.endsWith("odd")) throw Object.assign(new Error("ESOMETHING: node words"), { code: "ESOMETHING" });
        return files.read(abs);
      },
    };
    expect(errors(parseConfigText("include locked\ninclude odd\n", "/cfg/GENERIC", { files: failing }))).toEqual([
      'kconfig: GENERIC:1: cannot open include file "locked" (locked): Permission denied',
      'kconfig: GENERIC:2: cannot open include file "odd" (odd): Input/output error',
    ]);
  });

  it("reports errors inside an included file with that file's name", () => {
    expect(errors(parse("include A\n", { A: "\n\nirq 4\n" }))).toEqual(["kconfig: A:3: syntax error near 'irq': unknown keyword"]);
  });
});
