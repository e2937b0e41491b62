/**
 * device.hints(5): `hint.DRIVER.UNIT.KEY="VALUE"` lines, as the `hints FILE`
 * statement of a config file names them (modern FreeBSD's way of wiring ISA
 * devices) and as loader(8)/kenv(1) hold them.
 *
 * Called by parse_classic.ts (for `hints FILE`) and parse_yaml.ts (inline
 * hints).  The syntax follows FreeBSD sys/amd64/conf/GENERIC.hints and
 * sys/kern/subr_hints.c: `#` comments, one hint per line, the value quoted
 * (an unquoted value without blanks is tolerated, as the loader does).  The
 * resource keywords that the ISA bus reads (sys/isa/isahint.c: at, port,
 * portsize, irq, drq, maddr, msize, flags, disabled) must be numbers, except
 * `at`; other keywords are free-form, as in FreeBSD.
 */
import type { ConfigHint } from "./ast.js";
import type { Diagnostics } from "./diagnostics.js";
import { parseCNumber } from "../image/c_number.js";
import { quoteForMessage } from "../errno/host_file.js";

/** Hint keywords whose value must be a C number. */
export const NUMERIC_HINT_KEYS: ReadonlySet<string> = new Set([
  "port", "portsize", "irq", "drq", "maddr", "msize", "flags", "disabled",
]);

const HINT_RE = /^hint\.([A-Za-z_][A-Za-z0-9_]*)\.([0-9]+)\.([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/;

/** Check one hint's value; returns an error message or undefined. */
export function checkHintValue(key: string, value: string): string | undefined {
  if (NUMERIC_HINT_KEYS.has(key) && parseCNumber(value) === undefined) {
    return `hint ${key} wants a number, not "${quoteForMessage(value)}"`;
  }
  if (key === "at" && !/^[A-Za-z_][A-Za-z0-9_]*[0-9]*$/.test(value)) {
    return `hint at wants a bus name, not "${quoteForMessage(value)}"`;
  }
  return undefined;
}

/** Parse a hints file's text; bad lines are reported and skipped. */
export function parseHints(text: string, file: string, diags: Diagnostics): ConfigHint[] {
  const out: ConfigHint[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const s = raw.replace(/\r$/, "").trim();
    if (s === "" || s.startsWith("#")) return;
    const m = HINT_RE.exec(s);
    if (!m) {
      diags.error(file, line, `malformed hint '${quoteForMessage(s)}': expected hint.DRIVER.UNIT.KEY="VALUE"`);
      return;
    }
    const [, driver, unitText, key, rest] = m as unknown as [string, string, string, string, string];
    let value: string;
    let tail: string;
    if (rest.startsWith('"')) {
      const close = rest.indexOf('"', 1);
      if (close < 0) {
        diags.error(file, line, `unterminated quoted string in hint.${driver}.${unitText}.${key}`);
        return;
      }
      value = rest.slice(1, close);
      tail = rest.slice(close + 1).trim();
    } else {
      const sp = rest.search(/\s/);
      value = sp < 0 ? rest : rest.slice(0, sp);
      tail = sp < 0 ? "" : rest.slice(sp).trim();
    }
    if (tail !== "" && !tail.startsWith("#")) {
      diags.error(file, line, `syntax error near '${quoteForMessage(tail.split(/\s+/)[0]!)}' after hint.${driver}.${unitText}.${key}`);
      return;
    }
    const unit = Number.parseInt(unitText, 10);
    const bad = checkHintValue(key, value);
    if (bad) {
      diags.error(file, line, `hint.${driver}.${unit}.${key}: ${bad}`);
      return;
    }
    out.push({ driver, unit, key, value, loc: { file, line } });
  });
  return out;
}

/** Render hints back to device.hints(5) text. */
export function formatHints(hints: readonly ConfigHint[]): string {
  return hints.map((h) => `hint.${h.driver}.${h.unit}.${h.key}="${h.value}"\n`).join("");
}
