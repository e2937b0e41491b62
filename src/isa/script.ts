/**
 * The `kld machine` command language: port-level experiments on a machine.
 *
 * runScript() executes commands (one per line or `;`-separated, `#` starts a
 * comment) against a Machine and returns the lines they print; it never
 * touches the terminal or the process, so tests call it directly and the CLI
 * (src/cli/kld/machine.ts) only prints its result.  Commands:
 *
 *   inb|inw|inl PORT          print the value read, in hex padded to the width
 *   outb|outw|outl PORT VALUE
 *   delay MICROSECONDS        DELAY(): advance virtual time exactly
 *   peek ADDR [COUNT]         hex dump of physical memory, 16 bytes a line
 *   poke ADDR VALUE           write one byte of physical memory
 *   irq                       PIC IMR/IRR/ISR, line levels and INTR
 *   inta                      run an interrupt acknowledge cycle, print the vector
 *   time                      virtual time
 *   cards                     every device with its type
 *   show CARD                 a device's registers
 *   card CARD OP [ARGS...]    a run-time operation of the card (its control())
 *   type|transmitted|modem|break|move|press|release|inject|sent|printed|online|offline|played CARD ARGS...
 *                             short for `card CARD OP ARGS...`
 *
 * Numbers are decimal or 0x-prefixed hex.  The first failing command stops the
 * script; its error names the source, line and command.
 */
import { KernelError } from "../errno/kernel_error.js";
import type { Machine } from "./machine.js";

export interface ScriptResult {
  /** What the commands printed, in order. */
  readonly output: readonly string[];
  /** Set when a command failed: `SOURCE:LINE: COMMAND: what is wrong`. */
  readonly error?: string;
}

const RUNTIME_OPS = new Set([
  "type", "transmitted", "modem", "break",
  "move", "press", "release",
  "inject", "sent",
  "printed", "online", "offline",
  "played",
]);

class ScriptError extends Error {}

function parseNumber(text: string | undefined, what: string, max: number): number {
  if (text === undefined) throw new ScriptError(`missing ${what}`);
  const t = text.toLowerCase();
  const ok = /^0x[0-9a-f]+$/.test(t) || /^[0-9]+$/.test(t);
  const v = ok ? Number(t) : NaN;
  if (!Number.isSafeInteger(v)) throw new ScriptError(`${what} "${text}" is not a number`);
  if (v > max) throw new ScriptError(`${what} ${text} is out of range (at most 0x${max.toString(16)})`);
  return v;
}

function hex(v: number, digits: number): string {
  return "0x" + (v >>> 0).toString(16).padStart(digits, "0");
}

function noMoreArgs(args: readonly string[], n: number): void {
  if (args.length > n) throw new ScriptError(`unexpected argument "${args[n]!}"`);
}

function formatValue(v: number | string | boolean | readonly number[]): string {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? `${hex(v, 2)} (${v})` : String(v);
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "1" : "0";
  return v.map((x) => hex(x, 2)).join(" ");
}

/** Execute one command; returns its output lines. */
function execute(m: Machine, words: readonly string[]): readonly string[] {
  const [cmd, ...args] = words as [string, ...string[]];
  switch (cmd) {
    case "inb":
    case "inw":
    case "inl": {
      const port = parseNumber(args[0], "PORT", 0xffff);
      noMoreArgs(args, 1);
      if (cmd === "inb") return [hex(m.inb(port), 2)];
      if (cmd === "inw") return [hex(m.inw(port), 4)];
      return [hex(m.inl(port), 8)];
    }
    case "outb":
    case "outw":
    case "outl": {
      const port = parseNumber(args[0], "PORT", 0xffff);
      const max = cmd === "outb" ? 0xff : cmd === "outw" ? 0xffff : 0xffffffff;
      const value = parseNumber(args[1], "VALUE", max);
      noMoreArgs(args, 2);
      if (cmd === "outb") m.outb(port, value);
      else if (cmd === "outw") m.outw(port, value);
      else m.outl(port, value);
      return [];
    }
    case "delay": {
      const us = parseNumber(args[0], "MICROSECONDS", 3_600_000_000);
      noMoreArgs(args, 1);
      m.delay(us);
      return [];
    }
    case "peek": {
      const addr = parseNumber(args[0], "ADDR", 0xffffffff);
      const count = args[1] === undefined ? 1 : parseNumber(args[1], "COUNT", 0x10000);
      noMoreArgs(args, 2);
      const out: string[] = [];
      for (let off = 0; off < count; off += 16) {
        const bytes: string[] = [];
        for (let i = off; i < Math.min(count, off + 16); i++) bytes.push(hex(m.memRead8(addr + i), 2).slice(2));
        out.push(`${hex(addr + off, 5)}: ${bytes.join(" ")}`);
      }
      return out;
    }
    case "poke": {
      const addr = parseNumber(args[0], "ADDR", 0xffffffff);
      const value = parseNumber(args[1], "VALUE", 0xff);
      noMoreArgs(args, 2);
      m.memWrite8(addr, value);
      return [];
    }
    case "irq": {
      noMoreArgs(args, 0);
      const s = m.irqState();
      const high: number[] = [];
      for (let i = 0; i < 16; i++) if (i !== 2 && (s.lines & (1 << i)) !== 0) high.push(i);
      return [
        `master: imr ${hex(s.imr & 0xff, 2)} irr ${hex(s.irr & 0xff, 2)} isr ${hex(s.isr & 0xff, 2)}`,
        `slave:  imr ${hex(s.imr >> 8, 2)} irr ${hex(s.irr >> 8, 2)} isr ${hex(s.isr >> 8, 2)}`,
        `lines high: ${high.length ? high.join(" ") : "none"}`,
        `intr: ${s.intr ? 1 : 0}`,
      ];
    }
    case "inta": {
      noMoreArgs(args, 0);
      return [hex(m.acknowledge(), 2)];
    }
    case "time": {
      noMoreArgs(args, 0);
      const ns = m.clock.now();
      return [`${ns} ns (${(ns / 1000).toFixed(3)} us)`];
    }
    case "cards": {
      noMoreArgs(args, 0);
      return m.cards().map((c) => `${c.name}\t${c.type}`);
    }
    case "show": {
      if (args[0] === undefined) throw new ScriptError("missing CARD");
      noMoreArgs(args, 1);
      const snap = m.snapshot(args[0]);
      return Object.entries(snap).map(([k, v]) => `${k} = ${formatValue(v)}`);
    }
    case "card": {
      if (args[0] === undefined) throw new ScriptError("missing CARD");
      if (args[1] === undefined) throw new ScriptError("missing OP");
      return m.control(args[0], args[1], args.slice(2));
    }
    default:
      if (RUNTIME_OPS.has(cmd)) {
        if (args[0] === undefined) throw new ScriptError("missing CARD");
        return m.control(args[0], cmd, args.slice(1));
      }
      throw new ScriptError("unknown command");
  }
}

/** Split a line into words; double quotes group words ("hello world"), \n \r \t \\ \" escapes inside them. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let mm = re.exec(text); mm; mm = re.exec(text)) {
    if (mm[1] !== undefined) {
      out.push(mm[1].replace(/\\(.)/g, (_s, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c));
    } else out.push(mm[2]!);
  }
  return out;
}

/** Split on `;` outside double quotes, dropping a `#` comment outside quotes. */
function commands(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && quoted) {
      cur += c + (line[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && c === "#") break;
    if (!quoted && c === ";") {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Run `source` on `machine`.  Stops at the first failing command.
 * @param name how errors name the source ("-e", a script path).
 */
export function runScript(machine: Machine, source: string, name = "-e"): ScriptResult {
  const output: string[] = [];
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    for (const cmd of commands(lines[i]!)) {
      try {
        output.push(...execute(machine, words(cmd)));
      } catch (e) {
        let why: string;
        if (e instanceof ScriptError) why = e.message;
        else if (e instanceof KernelError) why = e.message;
        else throw e;
        return { output, error: `${name}:${i + 1}: ${cmd}: ${why}` };
      }
    }
  }
  return { output };
}
