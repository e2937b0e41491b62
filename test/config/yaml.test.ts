import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stripLocations } from "../../src/config/ast.js";
import { loadConfig, parseConfigText } from "../../src/config/load_config.js";
import { configToYaml } from "../../src/config/to_yaml.js";
import { errors, memFiles, messages, parse } from "./parse_text.js";

function roundTrip(file: string): void {
  const a = loadConfig(file);
  const yaml = configToYaml(a.config);
  const b = parseConfigText(yaml, "/cfg/round.yaml", { files: memFiles({ "round.yaml": yaml }) });
  expect(errors(b)).toEqual([]);
  expect(stripLocations(b.config)).toEqual(stripLocations(a.config));
}

describe("classic -> YAML -> parse gives the same configuration", () => {
  it.each([
    "test/fixtures/config/freebsd-2.2-LINT",
    "test/fixtures/config/freebsd-modern-GENERIC",
    "configs/GENERIC",
    "configs/GENERIC.yaml",
    "configs/MINIMAL",
    "configs/LINT",
  ])("%s", (file) => roundTrip(file));

  it("with hints, symbols, wildcards and every attribute", () => {
    const text = [
      "machine amd64 x86", "cpu HAMMER", "ident X", "maxusers 0",
      'options A, B=0x10, "C=(1+2)", D="two words"', "makeoptions DEBUG=-g",
      "config kernel root on wd0 swap on wd0 and wd1 dumps on wd0",
      "controller isa0", "controller fdc0 at isa? port IO_FD1 bio irq 6 drq 2 vector fdintr",
      "disk fd0 at fdc0 drive 0", "device lpt0 at isa? port? tty irq ? iosiz ?",
      "device ed0 at isa0 port 0x280 net irq 10 iomem 0xd8000 iosiz 0x2000 flags 0x1 conflicts disable",
      "controller scbus0 at isa? bus 1", "disk sd0 at scbus0 target 2 unit 3", "master m0 slave 1 priority 4",
      "device sio? at isa?", "device uart", "pseudo-device pty 16", "pseudo-device loop", "module hello",
      'hints "h"',
    ].join("\n");
    const a = parse(text, { h: 'hint.sio.0.at="isa"\nhint.sio.0.port="0x3F8"\nhint.sio.0.irq="4"\nhint.x.1.name="free form"\n' });
    expect(messages(a)).toEqual([]);
    const yaml = configToYaml(a.config);
    const b = parseConfigText(yaml, "/cfg/r.yaml", { files: memFiles({ "r.yaml": yaml }) });
    expect(messages(b)).toEqual([]);
    expect(stripLocations(b.config)).toEqual(stripLocations(a.config));
    expect(yaml).toContain("port: 0x280");
    expect(yaml).toContain("port: IO_FD1");
    expect(yaml).toContain('hint.sio.0.port: "0x3F8"');
  });
});

describe("configs/GENERIC.yaml is configs/GENERIC", () => {
  it("gives the same configuration", () => {
    const a = loadConfig("configs/GENERIC");
    const b = loadConfig("configs/GENERIC.yaml");
    expect(messages(a)).toEqual([]);
    expect(messages(b)).toEqual([]);
    expect(stripLocations(b.config)).toEqual(stripLocations(a.config));
  });
});

function y(text: string, extra: Record<string, string> = {}) {
  return parseConfigText(text, "/cfg/K.yaml", { files: memFiles({ "K.yaml": text, ...extra }) });
}

describe("bad input: YAML with wrong types", () => {
  const cases: [string, string][] = [
    ["ident: [a]", "kconfig: K.yaml:1: ident: expected a string, got a list"],
    ["ident: 3", "kconfig: K.yaml:1: ident: expected a string, got the number 3"],
    ["maxusers: ten", 'kconfig: K.yaml:1: maxusers: expected a number, got the string "ten"'],
    ["maxusers: -1", "kconfig: K.yaml:1: maxusers: expected a number, got the number -1"],
    ["maxusers: 5000", "kconfig: K.yaml:1: maxusers: 5000 is out of range (0-2048)"],
    ["cpu: {a: 1}", "kconfig: K.yaml:1: cpu: expected a list of strings, got a mapping"],
    ["options: [INET]", "kconfig: K.yaml:1: options: expected a mapping, got a list"],
    ["options:\n  INET: [1]", "kconfig: K.yaml:2: options: INET: expected true, a string or a number, got a list"],
    ["options:\n  9X: true", "kconfig: K.yaml:2: options: '9X' is not a valid option name"],
    ["makeoptions:\n  DEBUG: true", "kconfig: K.yaml:2: makeoptions: DEBUG: expected a string or a number, got the boolean true"],
    ["devices: {sio0: 1}", "kconfig: K.yaml:1: devices: expected a list, got a mapping"],
    ["devices:\n  - sio0", 'kconfig: K.yaml:2: devices entry: expected a mapping, got the string "sio0"'],
    ["devices:\n  - gadget: sio0", "kconfig: K.yaml:2: devices: an entry starts with device, controller, disk, tape or master, not 'gadget'"],
    ["devices:\n  - device: sio0\n    irq: four", 'kconfig: K.yaml:3: device sio0: irq: expected a number, got the string "four"'],
    ["devices:\n  - device: sio0\n    irq: 16", "kconfig: K.yaml:3: device sio0: irq: 16 is out of range (0-15)"],
    ["devices:\n  - device: sio0\n    irq: [4]", 'kconfig: K.yaml:3: device sio0: irq: expected a number or "?", got a list'],
    ["devices:\n  - device: sio0\n    port: IO_NOPE", "kconfig: K.yaml:3: device sio0: port: unknown port name 'IO_NOPE' (not in <i386/isa/isa.h>)"],
    ["devices:\n  - device: sio0\n    port: true", "kconfig: K.yaml:3: device sio0: port: expected a number, got the boolean true"],
    ["devices:\n  - device: sio0\n    at: isa", 'kconfig: K.yaml:3: device sio0: at: expected a bus with a unit or \'?\' (isa?, fdc0), got "isa"'],
    ["devices:\n  - device: sio0\n    conflicts: yes please", 'kconfig: K.yaml:3: device sio0: conflicts: expected true or false, got the string "yes please"'],
    ["devices:\n  - device: sio0\n    class: fast", 'kconfig: K.yaml:3: device sio0: class: expected tty, bio, net or cam, got "fast"'],
    ["devices:\n  - device: sio0\n    colour: red", "kconfig: K.yaml:3: device sio0: unknown key 'colour'"],
    ["devices:\n  - device: sio0\n    controller: sio1", "kconfig: K.yaml:3: device sio0: 'controller' starts a new entry; begin it with '- controller:'"],
    ["pseudo-devices:\n  pty: many", 'kconfig: K.yaml:2: pseudo-devices: pty: expected a number, got the string "many"'],
    ["modules: hello", 'kconfig: K.yaml:1: modules: expected a list of module names, got the string "hello"'],
    ["modules: [3]", "kconfig: K.yaml:1: modules: expected a string, got the number 3"],
    ["hints:\n  hint.sio.x.at: isa", "kconfig: K.yaml:2: hints: 'hint.sio.x.at' is not hint.DRIVER.UNIT.KEY"],
    ["hints:\n  hint.sio.0.irq: four", 'kconfig: K.yaml:2: hint.sio.0.irq: hint irq wants a number, not "four"'],
    ["config: kernel", 'kconfig: K.yaml:1: config: expected a list of kernels, got the string "kernel"'],
    ["config:\n  - root: wd0", "kconfig: K.yaml:2: config: a kernel entry needs 'kernel: NAME'"],
    ["config:\n  - kernel: kernel\n    swap: [wd0]", "kconfig: K.yaml:2: config kernel: no root device specified"],
    ["colour: red", "kconfig: K.yaml:1: unknown key 'colour'"],
    ["- a\n- b", "kconfig: K.yaml:1: configuration: expected a mapping, got a list"],
    ["ident: [unclosed", "kconfig: K.yaml:2: YAML syntax error"],
    ["ident: A\nident: B", "kconfig: K.yaml:2: YAML syntax error"],
    ["include: nothere.yaml", 'kconfig: K.yaml:1: cannot open include file "nothere.yaml" (nothere.yaml): No such file or directory'],
  ];
  it.each(cases)("%j", (text, msg) => {
    const r = y(text + "\n");
    expect(errors(r).some((m) => m.startsWith(msg)), `${errors(r).join("\n")}`).toBe(true);
  });

  it("reports all wrong types of a file in one run", () => {
    const r = y("ident: [a]\nmaxusers: x\ndevices:\n  - device: sio0\n    irq: x\n    drq: y\n");
    expect(errors(r)).toHaveLength(4);
  });

  it("an empty YAML file is an empty configuration", () => {
    expect(messages(y(""))).toEqual([]);
  });

  it("YAML includes YAML and classic files, and detects cycles", () => {
    const r = y("include: [a.yaml, b]\n", { "a.yaml": "options:\n  A: true\n", b: "options B\n" });
    expect(messages(r)).toEqual([]);
    expect(r.config.options.map((o) => o.name)).toEqual(["A", "B"]);
    expect(errors(y("include: K.yaml\n"))).toEqual(["kconfig: K.yaml:1: include cycle: K.yaml -> K.yaml"]);
  });

  it("a classic file includes a YAML one in YAML; YAML searches -I directories too", () => {
    const r = parse("include a.yaml\noptions B\n", { "a.yaml": "options:\n  A: true\n" });
    expect(messages(r)).toEqual([]);
    expect(r.config.options.map((o) => o.name)).toEqual(["A", "B"]);
    const text = "include: std.yaml\nhints: x.hints\n";
    const files = memFiles({ "K.yaml": text, "inc/std.yaml": "options:\n  WITNESS: true\n", "inc/x.hints": 'hint.sio.0.at="isa"\n' });
    const i = parseConfigText(text, "/cfg/K.yaml", { files, includeDirs: ["/cfg/inc"] });
    expect(messages(i)).toEqual([]);
    expect(i.config.options.map((o) => o.name)).toEqual(["WITNESS"]);
    expect(i.config.hints).toHaveLength(1);
  });

  it("YAML warns as the classic syntax does: replaced options, removing what is not there", () => {
    const r = y("include: a.yaml\noptions:\n  A: \"2\"\nnodevice: [sio0]\nnooptions: [B]\n", { "a.yaml": "options:\n  A: \"1\"\n" });
    expect(errors(r)).toEqual([]);
    expect(messages(r)).toEqual([
      "kconfig: K.yaml:3: WARNING: duplicate option 'A' encountered.",
      "kconfig: K.yaml:4: WARNING: nodevice sio0: device sio0 is not configured",
      "kconfig: K.yaml:5: WARNING: nooptions B: option B is not configured",
    ]);
    expect(r.config.options).toMatchObject([{ name: "A", value: "2" }]);
  });

  it("YAML hints may name a hints file", () => {
    const hints = readFileSync("test/fixtures/config/freebsd-modern-GENERIC.hints", "utf8");
    const r = y("hints: G.hints\n", { "G.hints": hints });
    expect(messages(r)).toEqual([]);
    expect(r.config.hints).toHaveLength(19);
  });
});
