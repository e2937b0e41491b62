import { describe, expect, it } from "vitest";
import { Diagnostics, formatDiagnostic } from "../../src/config/diagnostics.js";
import { formatHints, parseHints } from "../../src/config/hints.js";

function ph(text: string) {
  const d = new Diagnostics();
  const h = parseHints(text, "device.hints", d);
  return { hints: h, msgs: d.all.map((x) => formatDiagnostic(x)) };
}

describe("device.hints", () => {
  it("reads hints, comments and unquoted values", () => {
    const r = ph('# comment\n\nhint.sio.0.at="isa"\nhint.sio.0.port=0x3F8  # trailing\nhint.sio.0.irq="4"\n');
    expect(r.msgs).toEqual([]);
    expect(r.hints.map((h) => [h.driver, h.unit, h.key, h.value, h.loc?.line])).toEqual([
      ["sio", 0, "at", "isa", 3], ["sio", 0, "port", "0x3F8", 4], ["sio", 0, "irq", "4", 5],
    ]);
    expect(formatHints(r.hints)).toBe('hint.sio.0.at="isa"\nhint.sio.0.port="0x3F8"\nhint.sio.0.irq="4"\n');
  });

  it.each([
    ["sio.0.at=\"isa\"", 'malformed hint \'sio.0.at="isa"\': expected hint.DRIVER.UNIT.KEY="VALUE"'],
    ["hint.sio.x.at=\"isa\"", 'malformed hint \'hint.sio.x.at="isa"\': expected hint.DRIVER.UNIT.KEY="VALUE"'],
    ["hint.sio.0.at", "malformed hint 'hint.sio.0.at': expected hint.DRIVER.UNIT.KEY=\"VALUE\""],
    ["hint.sio.0.at=\"isa", "unterminated quoted string in hint.sio.0.at"],
    ["hint.sio.0.at=\"isa\" junk", "syntax error near 'junk' after hint.sio.0.at"],
    ["hint.sio.0.irq=\"four\"", 'hint.sio.0.irq: hint irq wants a number, not "four"'],
    ["hint.sio.0.port=\"\"", 'hint.sio.0.port: hint port wants a number, not ""'],
    ["hint.sio.0.at=\"is a\"", 'hint.sio.0.at: hint at wants a bus name, not "is a"'],
  ])("rejects %j", (text, msg) => {
    const r = ph(`hint.ok.0.at="isa"\n${text}\n`);
    expect(r.msgs).toEqual([`kconfig: device.hints:2: ${msg}`]);
    expect(r.hints).toHaveLength(1);
  });
});
