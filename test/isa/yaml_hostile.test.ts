/**
 * Machine YAML with hostile card options: every option of every registered
 * card type given a value of the wrong type (lists, mappings, null, NaN,
 * infinities, strings for numbers, numbers for strings, prototype keys,
 * aliases, long strings, control characters).  Each is refused with EINVAL and a line that names
 * the file, the line, the card and option (`cards[0].irq`) and the type
 * expected — never a crash, never a card built from a bad value.  A
 * description built in code, which skips the YAML loader, is checked the
 * same way before any card's factory sees it.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { kernelErrorOf } from "../support/kernel_error.js";
import "../../src/isa/devices/index.js";
import { cardType, cardTypes, type OptionSpec } from "../../src/isa/devices/registry.js";
import { Machine } from "../../src/isa/machine.js";
import { MachineFileError, machineFromYaml } from "../../src/isa/machine_yaml.js";

/** YAML scalars and collections that are not a value of `kind`, and the words the error must use. */
function wrongValues(spec: OptionSpec): { yaml: string[]; expected: RegExp } {
  const collections = ["[1, 2]", "{a: 1}", "~", "[]", "{}", "&x [1]"];
  switch (spec.kind) {
    case "port": case "irq": case "drq": case "iomem": case "integer":
      return {
        yaml: [...collections, "four", '"5"', "true", ".nan", ".inf", "-.inf", "0x", "x".repeat(5000), '"\\0\\e\\x07"'],
        expected: /^expected (an I\/O port number|an IRQ number|a DMA channel number|an ISA memory address|an integer), got /,
      };
    case "boolean":
      return { yaml: [...collections, "yes", "1", '"true"', ".nan"], expected: /^expected true or false, got / };
    case "string": case "path":
      return { yaml: [...collections, "42", "true", ".inf"], expected: /^expected a string, got / };
    case "enum":
      return { yaml: [...collections, "42", "true", "nope", '"__proto__"'], expected: /^expected one of .*, got / };
    case "mac":
      return { yaml: [...collections, "42", "true", "01:02", "52:54:00:12:34:5g"], expected: /^expected an Ethernet address like 52:54:00:12:34:56, got / };
  }
}

/** Every option of every card type (not platform devices, which have their own section below). */
const cases: { type: string; option: string; spec: OptionSpec; required: string[] }[] = [];
for (const type of cardTypes()) {
  const c = cardType(type)!;
  if (c.platform) continue;
  const required = Object.entries(c.options).filter(([, s]) => s.required).map(([k]) => k);
  for (const [option, spec] of Object.entries(c.options)) cases.push({ type, option, spec, required });
}

function refusal(text: string): MachineFileError {
  try {
    machineFromYaml(text, "hostile.yaml");
  } catch (e) {
    if (e instanceof MachineFileError) return e;
    throw e;
  }
  throw new Error(`accepted:\n${text}`);
}

describe("machine YAML: wrong option types are refused clearly", () => {
  test("the cases cover every card type the registry knows", () => {
    expect(new Set(cases.map((c) => c.type))).toEqual(new Set(["gameport", "lpt", "ne2000", "ns16550", "sb16"]));
  });

  for (const { type, option, spec, required } of cases) {
    test(`${type}.${option} (${spec.kind})`, () => {
      const { yaml, expected } = wrongValues(spec);
      const others = required.filter((k) => k !== option).map((k) => `    ${k}: 0x300\n`).join("");
      const line = 4 + required.filter((k) => k !== option).length;
      for (const v of yaml) {
        const e = refusal(`cards:\n  - name: c0\n    type: ${type}\n${others}    ${option}: ${v}\n`);
        expect(e.info.name).toBe("EINVAL");
        expect(e.problems).toHaveLength(1);
        const p = e.problems[0]!;
        expect(`${p.file}:${p.line}: ${p.key}`).toBe(`hostile.yaml:${line}: cards[0].${option}`);
        expect(p.message).toMatch(expected);
        // A long or binary value is quoted short and escaped.
        expect(p.message.length).toBeLessThan(120);
      }
    });
  }

  test("prototype names are unknown options, not inherited ones", () => {
    for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const e = refusal(`cards:\n  - name: c0\n    type: gameport\n    ${key}: {a: 1}\n`);
      expect(e.lines()).toEqual([`hostile.yaml:4: cards[0].${key}: unknown option (valid: port, joysticks)`]);
    }
    expect(refusal("platform:\n  toString: {}\n").lines()[0]).toMatch(/^hostile\.yaml:2: platform\.toString: not a platform device/);
  });

  test("a value is quoted escaped and cut short", () => {
    const e = refusal('cards:\n  - name: c0\n    type: gameport\n    port: "\\0\\e\\x07"\n');
    expect(e.lines()).toEqual(['hostile.yaml:4: cards[0].port: expected an I/O port number, got "\\u0000\\u001b\\u0007"']);
    const long = refusal(`cards:\n  - name: c0\n    type: sb16\n    version: ${"9".repeat(1000)}.0\n`);
    expect(long.lines()).toEqual([`hostile.yaml:4: cards[0].version: expected a string, got Infinity`]);
    const longString = refusal(`cards:\n  - name: c0\n    type: sb16\n    version: "${"x".repeat(1000)}"\n`);
    expect(longString.lines()).toEqual([`hostile.yaml:4: cards[0].version: "${"x".repeat(40)}..." does not match ^4\\.\\d{2}$`]);
  });

  test("platform options of the wrong type are refused at their line", () => {
    for (const v of ["[1]", "{a: 1}", "42", "~", "true"]) {
      const e = refusal(`platform:\n  mc146818:\n    time: ${v}\n`);
      expect(e.lines()[0]).toMatch(/^hostile\.yaml:3: platform\.mc146818\.time: expected a string, got /);
    }
  });

  test("any value under any option: a card, or a refusal naming that option", () => {
    const value = fc.oneof(
      fc.integer({ min: -0x20000, max: 0x200000 }).map(String),
      fc.constantFrom("true", "false", "~", ".nan", "[1]", "{}", "a", "16550a", "52:54:00:00:00:01", "4.05", "hub1"),
    );
    fc.assert(
      // (path options are left out: a valid path would create a file here.)
      fc.property(fc.constantFrom(...cases.filter((c) => c.spec.kind !== "path")), value, ({ type, option, required }, v) => {
        const others = required.filter((k) => k !== option).map((k) => `    ${k}: 0x300\n`).join("");
        const text = `cards:\n  - name: c0\n    type: ${type}\n${others}    ${option}: ${v}\n`;
        let m: Machine | undefined;
        const refused = kernelErrorOf(() => (m = machineFromYaml(text, "hostile.yaml")));
        if (refused) expect(refused.message).toMatch(/^hostile\.yaml:\d+: /);
        else void m?.close();
      }),
      { numRuns: 400 },
    );
  });
});

describe("descriptions built in code are checked before a card's factory sees them", () => {
  test("a wrong type or a missing required option is EINVAL naming the card and option", () => {
    const build = (type: string, options: Record<string, unknown>) => () =>
      new Machine({ name: "x", memoryKiB: 640, cards: [{ name: "c0", type, options: options as never, where: "code:1" }] });
    expect(build("lpt", {})).toThrow(/^code:1: Invalid argument \(c0: missing required option "port"\)$/);
    expect(build("ns16550", { port: "0x3f8" })).toThrow(/c0: port: expected an I\/O port number, got "0x3f8"/);
    expect(build("gameport", { joysticks: [2] })).toThrow(/c0: joysticks: expected an integer, got a list/);
    expect(build("sb16", { version: 4.05 })).toThrow(/c0: version: expected a string, got 4\.05/);
    expect(build("ne2000", { port: 0x300, mac: "zz" })).toThrow(/c0: mac: expected an Ethernet address/);
  });

  test("the table's defaults are what a card gets when an option is absent", () => {
    const m = new Machine({ name: "x", memoryKiB: 640, cards: [{ name: "joy0", type: "gameport", options: {} }, { name: "ne0", type: "ne2000", options: { port: 0x300 } }] });
    expect(m.inb(0x201)).not.toBe(0xff); // the gameport answers at its default port
    void m.close();
  });
});
