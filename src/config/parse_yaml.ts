/**
 * Parser of the YAML form of a kernel configuration (kconfig(5), "YAML
 * SYNTAX"): the same configuration as the classic syntax, as a mapping with
 * typed values.
 *
 * Called by load_config.ts for files named *.yaml or *.yml.  There is no
 * FreeBSD counterpart; the schema mirrors the classic keywords one to one so
 * that to_yaml.ts and this file round-trip (parse(classic) -> YAML -> parse
 * gives the same KernelConfig).  Every wrong type or unknown key is reported
 * with file:line and the key, and parsing continues with the next key.
 */
import { DEVICE_KINDS, type DeviceKind } from "../image/image.js";
import { parseCNumber } from "../image/c_number.js";
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YNode, type Pair, type YAMLMap } from "yaml";
import {
  INTR_CLASSES, WILDCARD, splitNameUnit,
  type Attachment, type ConfigDevice, type IntrClass, type PortSpec, type SourceLoc,
} from "./ast.js";
import { quoteForMessage } from "../errno/host_file.js";
import type { Diagnostics } from "./diagnostics.js";
import { checkHintValue, parseHints } from "./hints.js";
import { ioPort } from "./io_ports.js";
import { IDENT_RE, NAME_RE, addModule, kernelSpecProblem, removeDevice, removeOption, setOption, setPseudoDevice } from "./config_edit.js";
import { readIncluded, type ParseContext } from "./config_files.js";

/** A piece of the user's file in a message: short, escaped (defect 8 of issue 13). */
const q = (s: string): string => quoteForMessage(s);

class YamlWalker {
  constructor(
    private readonly lc: LineCounter,
    readonly file: string,
    readonly diags: Diagnostics,
  ) {}

  lineOf(node: unknown): number {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    return r ? this.lc.linePos(r[0]).line : 0;
  }
  loc(node: unknown): SourceLoc {
    return { file: this.file, line: this.lineOf(node) };
  }
  err(node: unknown, msg: string): void {
    this.diags.error(this.file, this.lineOf(node), msg);
  }
  /** A warning from config_edit.ts, if it gave one. */
  warn(node: unknown, msg: string | undefined): void {
    if (msg !== undefined) this.diags.warning(this.file, this.lineOf(node), msg);
  }
  describe(node: unknown): string {
    if (node === null || node === undefined) return "nothing";
    if (isMap(node)) return "a mapping";
    if (isSeq(node)) return "a list";
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return "null";
      if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
      return `the ${typeof v} ${String(v)}`;
    }
    return "an unsupported node";
  }
  /** A scalar string (numbers are not accepted where names are wanted). */
  str(node: unknown, what: string): string | undefined {
    if (isScalar(node) && typeof node.value === "string" && node.value !== "") return node.value;
    this.err(node, `${what}: expected a string, got ${this.describe(node)}`);
    return undefined;
  }
  /** A non-negative integer: a YAML number, or a string holding a C number (`"0x3f8"`). */
  num(node: unknown, what: string, max = 0xffffffff): number | undefined {
    let v: number | undefined;
    if (isScalar(node) && typeof node.value === "number" && Number.isInteger(node.value) && node.value >= 0) v = node.value;
    else if (isScalar(node) && typeof node.value === "string") v = parseCNumber(node.value);
    if (v === undefined) {
      this.err(node, `${what}: expected a number, got ${this.describe(node)}`);
      return undefined;
    }
    if (v > max) {
      this.err(node, `${what}: ${v} is out of range (0-${max})`);
      return undefined;
    }
    return v;
  }
  numOrWild(node: unknown, what: string, max?: number): number | "?" | undefined {
    if (isScalar(node) && node.value === "?") return WILDCARD;
    if (isScalar(node) && (typeof node.value === "number" || typeof node.value === "string")) return this.num(node, what, max);
    this.err(node, `${what}: expected a number or "?", got ${this.describe(node)}`);
    return undefined;
  }
  bool(node: unknown, what: string): boolean | undefined {
    if (isScalar(node) && typeof node.value === "boolean") return node.value;
    this.err(node, `${what}: expected true or false, got ${this.describe(node)}`);
    return undefined;
  }
  /** A list of names; a single string is accepted as a one-element list. */
  strList(node: unknown, what: string): string[] {
    if (isScalar(node) && typeof node.value === "string") return [node.value];
    if (!isSeq(node)) {
      this.err(node, `${what}: expected a list of strings, got ${this.describe(node)}`);
      return [];
    }
    const out: string[] = [];
    for (const item of node.items) {
      const s = this.str(item, what);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  pairs(node: unknown, what: string): Pair<unknown, unknown>[] {
    if (!isMap(node)) {
      this.err(node, `${what}: expected a mapping, got ${this.describe(node)}`);
      return [];
    }
    return (node as YAMLMap<unknown, unknown>).items;
  }
  keyOf(p: Pair<unknown, unknown>): string {
    return isScalar(p.key) ? String(p.key.value) : "?";
  }
}

/** Parse YAML text into ctx.cfg (includes and hints files are read through ctx.files). */
export function parseYaml(text: string, absFile: string, ctx: ParseContext): void {
  const file = ctx.files.display(absFile);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const w = new YamlWalker(lc, file, ctx.diags);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
      ctx.diags.error(file, line, `YAML syntax error: ${e.message.split("\n")[0]}`);
    }
    return;
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return; // empty file: empty configuration
  ctx.stack.push(absFile);
  try {
    topLevel(root, w, absFile, ctx);
  } finally {
    ctx.stack.pop();
  }
}

function topLevel(root: YNode | unknown, w: YamlWalker, absFile: string, ctx: ParseContext): void {
  const cfg = ctx.cfg;
  for (const p of w.pairs(root, "configuration")) {
    const key = w.keyOf(p);
    const v = p.value;
    const at = p.key;
    switch (key) {
      case "include":
        for (const name of w.strList(v, "include")) includeFile(name, w, absFile, ctx, at);
        break;
      case "machine": {
        if (isSeq(v) && v.items.length === 2) {
          const m = w.str(v.items[0], "machine");
          const sub = w.str(v.items[1], "machine subtype");
          if (m !== undefined) cfg.machine = m;
          if (sub !== undefined) cfg.machineSub = sub;
        } else {
          const m = w.str(v, "machine");
          if (m !== undefined) cfg.machine = m;
        }
        break;
      }
      case "cpu":
        for (const c of w.strList(v, "cpu")) if (!cfg.cpus.includes(c)) cfg.cpus.push(c);
        break;
      case "ident": {
        const s = w.str(v, "ident");
        if (s !== undefined && !IDENT_RE.test(s)) w.err(v, `ident: '${q(s)}' is not a valid name (letters, digits and _)`);
        else if (s !== undefined) cfg.ident = s;
        break;
      }
      case "maxusers": {
        const n = w.num(v, "maxusers", 2048);
        if (n !== undefined) cfg.maxusers = n;
        break;
      }
      case "timezone": {
        // 1.x, recorded only: "8 dst", "-5.5", "0 dst 2" (old_statements.ts)
        const s = isScalar(v) && typeof v.value === "number" ? String(v.value) : w.str(v, "timezone");
        if (s !== undefined && !/^-?[0-9]+(\.[0-9]+)?( dst( [0-9]+)?)?$/.test(s)) w.err(v, `timezone: '${q(s)}' is not N, N dst or N dst M`);
        else if (s !== undefined) cfg.timezone = s;
        break;
      }
      case "maxfdescs": {
        const n = w.num(v, "maxfdescs");
        if (n !== undefined) cfg.maxfdescs = n;
        break;
      }
      case "options":
      case "makeoptions":
        for (const op of w.pairs(v, key)) {
          const name = w.keyOf(op);
          const loc = w.loc(op.key);
          if (!IDENT_RE.test(name)) {
            w.err(op.key, `${key}: '${q(name)}' is not a valid option name`);
            continue;
          }
          const val = op.value;
          let value: string | undefined;
          if (isScalar(val) && val.value === true && key === "options") value = undefined;
          else if (isScalar(val) && (typeof val.value === "string" || typeof val.value === "number")) value = String(val.value);
          else {
            w.err(val ?? op.key, `${key}: ${name}: expected ${key === "options" ? "true, " : ""}a string or a number, got ${w.describe(val)}`);
            continue;
          }
          const o = { name, ...(value !== undefined ? { value } : {}), loc };
          w.warn(op.key, key === "options" ? setOption(cfg.options, o, "option") : setOption(cfg.makeoptions, o, "makeoption"));
        }
        break;
      case "nooptions":
        for (const n of w.strList(v, "nooptions")) w.warn(v, removeOption(cfg, n));
        break;
      case "nodevice":
        for (const n of w.strList(v, "nodevice")) w.warn(v, removeDevice(cfg, n));
        break;
      case "config":
        if (!isSeq(v)) {
          w.err(v, `config: expected a list of kernels, got ${w.describe(v)}`);
          break;
        }
        for (const item of v.items) kernelSpec(item, w, cfg);
        break;
      case "devices":
        if (!isSeq(v)) {
          w.err(v, `devices: expected a list, got ${w.describe(v)}`);
          break;
        }
        for (const item of v.items) {
          const d = device(item, w);
          if (d) cfg.devices.push(d);
        }
        break;
      case "pseudo-devices":
        for (const pd of w.pairs(v, "pseudo-devices")) {
          const name = w.keyOf(pd);
          if (!NAME_RE.test(name)) {
            w.err(pd.key, `pseudo-devices: '${q(name)}' is not a valid pseudo-device name`);
            continue;
          }
          const val = pd.value;
          let count: number | undefined;
          if (isScalar(val) && val.value === true) count = undefined;
          else {
            count = w.num(val, `pseudo-devices: ${name}`);
            if (count === undefined) continue;
          }
          w.warn(pd.key, setPseudoDevice(cfg, { name, ...(count !== undefined ? { count } : {}), loc: w.loc(pd.key) }));
        }
        break;
      case "modules":
        if (!isSeq(v)) {
          w.err(v, `modules: expected a list of module names, got ${w.describe(v)}`);
          break;
        }
        for (const item of v.items) {
          const n = w.str(item, "modules");
          if (n === undefined) continue;
          if (!NAME_RE.test(n)) w.err(item, `modules: '${q(n)}' is not a valid module name`);
          else w.warn(item, addModule(cfg, { name: n, loc: w.loc(item) }));
        }
        break;
      case "hints":
        hints(v, w, absFile, ctx);
        break;
      default:
        w.err(p.key, `unknown key '${q(key)}'`);
    }
  }
}

function includeFile(name: string, w: YamlWalker, absFile: string, ctx: ParseContext, at: unknown): void {
  const r = readIncluded("include", name, absFile, ctx);
  if ("error" in r) w.err(at, r.error);
  else ctx.parseFile(r.text, r.abs);
}

function kernelSpec(node: unknown, w: YamlWalker, cfg: ParseContext["cfg"]): void {
  let name: string | undefined;
  let root: string | undefined;
  let dumps: string | undefined;
  let swap: string[] = [];
  for (const p of w.pairs(node, "config")) {
    const k = w.keyOf(p);
    switch (k) {
      case "kernel": name = w.str(p.value, "config: kernel"); break;
      case "root": root = w.str(p.value, "config: root"); break;
      case "dumps": dumps = w.str(p.value, "config: dumps"); break;
      case "swap": swap = w.strList(p.value, "config: swap"); break;
      default: w.err(p.key, `config: unknown key '${q(k)}'`);
    }
  }
  if (name === undefined) {
    if (isMap(node)) w.err(node, "config: a kernel entry needs 'kernel: NAME'");
    return;
  }
  const problem = kernelSpecProblem({ name, root, swap });
  if (problem !== undefined) {
    w.err(node, problem);
    return;
  }
  cfg.kernels.push({ name, ...(root !== undefined ? { root } : {}), swap, ...(dumps !== undefined ? { dumps } : {}), loc: w.loc(node) });
}

type MutableDevice = { -readonly [K in keyof ConfigDevice]: ConfigDevice[K] };

function device(node: unknown, w: YamlWalker): ConfigDevice | undefined {
  const pairs = w.pairs(node, "devices entry");
  if (pairs.length === 0) return undefined;
  const first = pairs[0]!;
  const kind = w.keyOf(first);
  if (!(DEVICE_KINDS as readonly string[]).includes(kind)) {
    w.err(first.key, `devices: an entry starts with device, controller, disk, tape or master, not '${q(kind)}'`);
    return undefined;
  }
  const nameText = w.str(first.value, kind);
  if (nameText === undefined) return undefined;
  const wild = nameText.endsWith("?");
  const whole = pairs.some((p) => w.keyOf(p) === "whole-name" && isScalar(p.value) && p.value.value === true);
  const { name, unit } = whole ? { name: nameText, unit: undefined } : splitNameUnit(wild ? nameText.slice(0, -1) : nameText);
  if (!IDENT_RE.test(name)) {
    w.err(first.value, `${kind}: '${q(nameText)}' is not a valid ${kind} name`);
    return undefined;
  }
  const d: MutableDevice = {
    kind: kind as DeviceKind, name, unit: wild ? WILDCARD : unit,
    vectors: [], conflicts: false, disabled: false, loc: w.loc(node),
  };
  const who = `${kind} ${nameText}`;
  let ok = true;
  const set = <K extends keyof MutableDevice>(k: K, v: MutableDevice[K] | undefined): void => {
    if (v === undefined) ok = false;
    else d[k] = v;
  };
  for (const p of pairs.slice(1)) {
    const k = w.keyOf(p);
    const v = p.value;
    const what = `${who}: ${k}`;
    switch (k) {
      case "at": set("at", attachment(v, w, what)); break;
      case "port": set("port", port(v, w, what)); break;
      case "irq": {
        const n = w.numOrWild(v, what, 15);
        if (n === 2) w.diags.warning(w.file, w.lineOf(v), "remapped irq 2 to irq 9, please update your config file");
        set("irq", n === 2 ? 9 : n);
        break;
      }
      case "drq": set("drq", w.numOrWild(v, what, 7)); break;
      case "iomem": set("iomem", w.num(v, what)); break;
      case "iosiz": set("iosiz", w.numOrWild(v, what)); break;
      case "flags": set("flags", w.num(v, what)); break;
      case "vector": {
        const names = w.strList(v, what);
        const bad = names.find((x) => !IDENT_RE.test(x));
        if (bad !== undefined) { w.err(v, `${what}: '${q(bad)}' is not a valid interrupt handler name`); ok = false; }
        else d.vectors = names;
        break;
      }
      case "class": {
        const c = w.str(v, what);
        if (c !== undefined && !(INTR_CLASSES as readonly string[]).includes(c)) { w.err(v, `${what}: expected tty, bio, net or cam, got ${JSON.stringify(c)}`); ok = false; }
        else if (c !== undefined) d.intrClass = c as IntrClass;
        else ok = false;
        break;
      }
      case "conflicts": set("conflicts", w.bool(v, what)); break;
      case "disable": set("disabled", w.bool(v, what)); break;
      case "drive": set("drive", w.num(v, what)); break;
      case "slave": set("slave", w.num(v, what)); break;
      case "target": set("target", w.num(v, what)); break;
      case "unit": set("lun", w.num(v, what)); break;
      case "bus": set("bus", w.num(v, what)); break;
      case "priority": set("priority", w.num(v, what)); break;
      case "whole-name": if (w.bool(v, what) === undefined) ok = false; break;
      default:
        if ((DEVICE_KINDS as readonly string[]).includes(k)) w.err(p.key, `${who}: '${q(k)}' starts a new entry; begin it with '- ${k}:'`);
        else w.err(p.key, `${who}: unknown key '${q(k)}'`);
        ok = false;
    }
  }
  return ok ? d : undefined;
}

function attachment(v: unknown, w: YamlWalker, what: string): Attachment | undefined {
  const s = w.str(v, what);
  if (s === undefined) return undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*?)\s*(\?|[0-9]+)$/.exec(s);
  if (!m) {
    w.err(v, `${what}: expected a bus with a unit or '?' (isa?, fdc0), got ${JSON.stringify(s)}`);
    return undefined;
  }
  return { bus: m[1]!, unit: m[2] === "?" ? WILDCARD : Number.parseInt(m[2]!, 10) };
}

function port(v: unknown, w: YamlWalker, what: string): PortSpec | undefined {
  if (isScalar(v) && v.value === "?") return { kind: "wildcard" };
  if (isScalar(v) && typeof v.value === "string") {
    const n = parseCNumber(v.value);
    if (n !== undefined) return n <= 0xffff ? { kind: "number", value: n } : (w.err(v, `${what}: ${v.value} is beyond the 64K I/O space`), undefined);
    const sym = ioPort(v.value);
    if (sym !== undefined) return { kind: "symbol", name: v.value, value: sym };
    w.err(v, `${what}: unknown port name '${q(v.value)}' (not in <i386/isa/isa.h>)`);
    return undefined;
  }
  const n = w.num(v, what, 0xffff);
  return n === undefined ? undefined : { kind: "number", value: n };
}

function hints(v: unknown, w: YamlWalker, absFile: string, ctx: ParseContext): void {
  if (isScalar(v) && typeof v.value === "string") {
    const r = readIncluded("hints", v.value, absFile, ctx);
    if ("error" in r) w.err(v, r.error);
    else ctx.cfg.hints.push(...parseHints(r.text, ctx.files.display(r.abs), ctx.diags));
    return;
  }
  for (const p of w.pairs(v, "hints")) {
    const k = w.keyOf(p);
    const m = /^hint\.([A-Za-z_][A-Za-z0-9_]*)\.([0-9]+)\.([A-Za-z_][A-Za-z0-9_.]*)$/.exec(k);
    if (!m) {
      w.err(p.key, `hints: '${q(k)}' is not hint.DRIVER.UNIT.KEY`);
      continue;
    }
    const val = p.value;
    if (!isScalar(val) || (typeof val.value !== "string" && typeof val.value !== "number")) {
      w.err(val ?? p.key, `hints: ${k}: expected a string or a number, got ${w.describe(val)}`);
      continue;
    }
    const value = String(val.value);
    const bad = checkHintValue(m[3]!, value);
    if (bad) {
      w.err(val, `${k}: ${bad}`);
      continue;
    }
    ctx.cfg.hints.push({ driver: m[1]!, unit: Number.parseInt(m[2]!, 10), key: m[3]!, value, loc: w.loc(p.key) });
  }
}
