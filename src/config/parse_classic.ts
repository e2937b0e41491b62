/**
 * Parser of the classic configuration syntax: config files of every FreeBSD
 * era as they were written (machine, cpu, ident, maxusers, options,
 * makeoptions, config, controller, device, disk, tape, master,
 * pseudo-device with the `at`/`port`/`irq`/... info words), 1.x's
 * timezone, maxfdescs, hz and trace (old_statements.ts), the later forms
 * `include`, `nodevice`, `nooptions`, `nomakeoptions`, `nocpu`, `hints`,
 * `files`, `env`, `envvar`, and kldsim's own `module NAME`.  Each file is
 * read by the rules of its era (era.ts): whether `device mlx5` names mlx
 * unit 5 or the driver mlx5.
 *
 * Called by load_config.ts.  Follows FreeBSD usr.sbin/config/config.y of the
 * 2.x era for the device grammar and the modern config.y for include, hints
 * and the no* forms.  Unlike yacc it recovers at the end of each statement,
 * so every error of a file is reported in one run.  Semantic checks that need
 * the whole configuration (buses, duplicate units) live in check_config.ts.
 */
import { DEVICE_KINDS, type DeviceKind } from "../image/image.js";
import { parseCNumber } from "../image/c_number.js";
import {
  INTR_CLASSES, WILDCARD, deviceNameUnit, splitNameUnit,
  type Attachment, type ConfigDevice, type ConfigOption, type IntrClass,
  type KernelSpec, type PortSpec, type SourceLoc,
} from "./ast.js";
import { parseHints } from "./hints.js";
import { ioPort } from "./io_ports.js";
import { lexConfig } from "./lexer.js";
import { fileEra, splitsUnitWithoutAt, type Era } from "./era.js";
import { oldOrUnsimulated } from "./old_statements.js";
import { quoteForMessage } from "../errno/host_file.js";
import { IDENT_RE, NAME_RE, addModule, kernelSpecProblem, removeDevice, removeOption, setOption, setPseudoDevice } from "./config_edit.js";
import { readIncluded, type ParseContext } from "./config_files.js";
import { Cursor, StatementError } from "./cursor.js";

/** A piece of the user's file in a message: short, escaped (defect 8 of issue 13). */
const q = (s: string): string => quoteForMessage(s);

/**
 * After this many errors in one file kconfig stops reading it: it is most
 * likely not a configuration file at all (an include of the wrong file),
 * and every further error would quote more of it.
 */
export const MAX_ERRORS_PER_FILE = 20;

/** Parse one file's text into `ctx.cfg`, following include and hints. */
export function parseClassic(text: string, absFile: string, ctx: ParseContext): void {
  const file = ctx.files.display(absFile);
  ctx.stack.push(absFile);
  const before = ctx.diags.errorCount;
  const statements = lexConfig(text);
  const era = fileEra(statements);
  try {
    for (const st of statements) {
      if (ctx.diags.errorCount - before >= MAX_ERRORS_PER_FILE) {
        ctx.diags.error(file, st.line, `too many errors (${MAX_ERRORS_PER_FILE}); the rest of ${q(file)} is not read: is it a kernel configuration file?`);
        break;
      }
      if (st.lexError !== undefined) ctx.diags.error(file, st.line, st.lexError);
      const cur = new Cursor(st, file, ctx.diags);
      try {
        statement(cur, file, absFile, ctx, era);
      } catch (e) {
        if (!(e instanceof StatementError)) throw e;
      }
    }
  } finally {
    ctx.stack.pop();
  }
}

function statement(cur: Cursor, file: string, absFile: string, ctx: ParseContext, era: Era): void {
  const kw = cur.next()!;
  const loc: SourceLoc = { file, line: cur.line };
  const cfg = ctx.cfg;
  const warn = (w: string | undefined): void => {
    if (w !== undefined) ctx.diags.warning(file, cur.line, w);
  };
  if (kw.kind !== "word") cur.fail("a keyword expected", kw);
  switch (kw.text) {
    case "machine": {
      const m = cur.name("machine type").text;
      const sub = cur.atEnd() ? undefined : cur.name("machine subtype").text;
      cur.end();
      if (cfg.machine !== undefined) cur.error("only one machine directive is allowed");
      cfg.machine = m;
      if (sub !== undefined) cfg.machineSub = sub;
      return;
    }
    case "cpu": {
      const c = cur.name("cpu type").text;
      cur.end();
      if (!cfg.cpus.includes(c)) cfg.cpus.push(c);
      return;
    }
    case "nocpu": {
      const c = cur.name("cpu type").text;
      cur.end();
      cfg.cpus = cfg.cpus.filter((x) => x !== c);
      return;
    }
    case "ident": {
      const t = cur.name("kernel identification");
      cur.end();
      if (!IDENT_RE.test(t.text)) cur.error(`ident '${q(t.text)}' is not a valid name (letters, digits and _)`);
      if (cfg.ident !== undefined && cfg.ident !== t.text) {
        ctx.diags.warning(file, cur.line, `ident ${t.text} replaces ident ${cfg.ident}`);
      }
      cfg.ident = t.text;
      return;
    }
    case "maxusers": {
      const v = cur.number("maxusers");
      cur.end();
      if (v > 2048) cur.error(`maxusers ${v} is out of range (0-2048)`);
      cfg.maxusers = v;
      return;
    }
    case "timezone":
    case "maxfdescs":
    case "hz":
    case "trace":
    case "files":
    case "env":
    case "envvar":
    case "profile":
      return oldOrUnsimulated(kw.text, cur, ctx, warn);
    case "options":
    case "option":
      for (const o of optionList(cur, "options", loc, false)) warn(setOption(cfg.options, o, "option"));
      return;
    case "makeoptions":
    case "makeoption":
      for (const o of optionList(cur, "makeoptions", loc, true)) {
        if (o.name.endsWith("+")) {
          const name = o.name.slice(0, -1);
          const prev = cfg.makeoptions.find((x) => x.name === name);
          const joined = prev?.value ? `${prev.value} ${o.value ?? ""}` : o.value;
          cfg.makeoptions = cfg.makeoptions.filter((x) => x.name !== name);
          cfg.makeoptions.push({ name, ...(joined !== undefined ? { value: joined } : {}), loc });
        } else {
          warn(setOption(cfg.makeoptions, o, "makeoption"));
        }
      }
      return;
    case "nooptions":
    case "nooption":
      for (const n of nameList(cur, "option name")) warn(removeOption(cfg, n));
      return;
    case "nomakeoptions":
    case "nomakeoption":
      for (const n of nameList(cur, "makeoption name")) {
        cfg.makeoptions = cfg.makeoptions.filter((o) => o.name !== n);
      }
      return;
    case "config":
      cfg.kernels.push(kernelSpec(cur, loc, warn));
      return;
    case "pseudo-device": {
      const n = cur.name("pseudo-device name").text;
      if (!NAME_RE.test(n)) cur.fail(`'${q(n)}' is not a valid pseudo-device name`, undefined);
      const count = cur.atEnd() ? undefined : cur.number("pseudo-device count");
      cur.end();
      warn(setPseudoDevice(cfg, { name: n, ...(count !== undefined ? { count } : {}), loc }));
      return;
    }
    case "module":
    case "modules":
      for (const n of nameList(cur, "module name")) {
        if (!NAME_RE.test(n)) cur.error(`'${q(n)}' is not a valid module name`);
        warn(addModule(cfg, { name: n, loc }));
      }
      return;
    case "nodevice":
    case "nodevices":
      for (const n of nameList(cur, "device name")) warn(removeDevice(cfg, n));
      return;
    case "include":
      includeFile(cur, absFile, ctx);
      return;
    case "hints":
      hintsFile(cur, absFile, ctx);
      return;
    case "devices":
      // modern `devices a, b`: unit-less device list, names read whole
      cfg.devices.push(...deviceNameList(cur, deviceName(cur, "device", loc, false), loc, false));
      return;
    default:
      if ((DEVICE_KINDS as readonly string[]).includes(kw.text)) {
        deviceLine(cur, kw.text as DeviceKind, loc, ctx, era);
        return;
      }
      cur.fail("unknown keyword", kw);
  }
}

type MutableDevice = { -readonly [K in keyof ConfigDevice]: ConfigDevice[K] };

/**
 * One device name of a line (`sio0`, `uart`), checked alike wherever it
 * stands; `split` says whether the era reads a trailing number as the unit.
 */
function deviceName(cur: Cursor, kind: DeviceKind, loc: SourceLoc, split: boolean): MutableDevice {
  const nt = cur.name(`${kind} name`);
  const { name, unit } = split ? splitNameUnit(nt.text) : { name: nt.text, unit: undefined };
  if (!IDENT_RE.test(name)) cur.fail(`'${q(nt.text)}' is not a valid ${kind} name`, nt);
  return { kind, name, unit, vectors: [], conflicts: false, disabled: false, loc };
}

/** `first, b, c` to the end of the line: all of them, or (on a bad name) none. */
function deviceNameList(cur: Cursor, first: MutableDevice, loc: SourceLoc, split: boolean): ConfigDevice[] {
  const out: ConfigDevice[] = [first];
  while (cur.accept(",")) out.push(deviceName(cur, first.kind, loc, split));
  cur.end();
  return out;
}

/** `a, b, c` (at least one). */
function nameList(cur: Cursor, what: string): string[] {
  const out = [cur.name(what).text];
  while (cur.accept(",")) out.push(cur.name(what).text);
  cur.end();
  return out;
}

/** `NAME[=VALUE][, NAME[=VALUE]]...` with config(8)'s quoted forms (`"NAME=VALUE"`). */
function optionList(cur: Cursor, kw: string, loc: SourceLoc, needValue: boolean): ConfigOption[] {
  const out: ConfigOption[] = [];
  for (;;) {
    const t = cur.name(`${kw} name`);
    let name = t.text;
    let value: string | undefined;
    if (t.kind === "string" && name.includes("=")) {
      // options "MAXDSIZ=(256*1024*1024)": the whole assignment quoted (2.x style)
      const eq = name.indexOf("=");
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else if (cur.accept("=")) {
      const v = cur.peek();
      if (v === undefined || (v.kind !== "word" && v.kind !== "string")) cur.fail(`${kw} ${name}= wants a value`, v);
      cur.next();
      value = v.text;
    }
    const bare = name.endsWith("+") ? name.slice(0, -1) : name;
    if (!IDENT_RE.test(bare)) cur.fail(`'${q(name)}' is not a valid ${kw.replace(/s$/, "")} name`, t);
    if (needValue && value === undefined) cur.fail(`${kw} ${name} wants =VALUE`, cur.peek());
    out.push({ name, ...(value !== undefined ? { value } : {}), loc });
    if (!cur.accept(",")) break;
  }
  cur.end();
  return out;
}

/**
 * `config KERNEL root on DEV [swap on DEV [size N] [sequential] [and DEV]...|swap generic]
 * [dumps on DEV] [args on DEV]`; a DEV may be `major N minor M` (1.x).
 */
function kernelSpec(cur: Cursor, loc: SourceLoc, warn: (w: string) => void): KernelSpec {
  const name = cur.name("kernel name").text;
  let root: string | undefined;
  let dumps: string | undefined;
  const swap: string[] = [];
  while (!cur.atEnd()) {
    const w = cur.next()!;
    if (w.kind !== "word") cur.fail("root, swap or dumps expected", w);
    switch (w.text) {
      case "root":
        cur.accept("word", "on");
        root = specDevice(cur, "root device");
        break;
      case "dumps":
        cur.accept("word", "on");
        dumps = specDevice(cur, "dump device");
        break;
      case "args":
        // obsolete already in 1.x config(8), which said so and went on
        cur.accept("word", "on");
        warn(`config ${name}: args on ${specDevice(cur, "args device")}: obsolete, ignored`);
        break;
      case "swap":
        if (cur.accept("word", "generic")) {
          swap.push("generic");
          break;
        }
        cur.accept("word", "on");
        do {
          swap.push(specDevice(cur, "swap device"));
          // 1.x: a partition size and a sequential flag, recorded by nothing here
          if (cur.accept("word", "size")) cur.number("swap size");
          cur.accept("word", "sequential");
        } while (cur.accept("word", "and"));
        break;
      default:
        cur.fail("root, swap, dumps or args expected", w);
    }
  }
  const problem = kernelSpecProblem({ name, root, swap });
  if (problem !== undefined) cur.error(problem);
  return { name, ...(root !== undefined ? { root } : {}), swap, ...(dumps !== undefined ? { dumps } : {}), loc };
}

/** A device of a `config` line: a name (`wd0`, `sd0a`), or 1.x's `major N minor M`. */
function specDevice(cur: Cursor, what: string): string {
  if (!cur.accept("word", "major")) return cur.name(what).text;
  const major = cur.number("major");
  if (!cur.accept("word", "minor")) cur.fail("major N wants minor M");
  return `major ${major} minor ${cur.number("minor")}`;
}

/** `device NAME UNIT [at BUS ?|N] {info}` and its siblings. */
function deviceLine(cur: Cursor, kind: DeviceKind, loc: SourceLoc, ctx: ParseContext, era: Era): void {
  // 1.x/2.x read `device sd0` as sd unit 0; later eras read a name without
  // `at` whole (`device mlx5`), and every era splits a line with `at`.
  const split = kind !== "device" || splitsUnitWithoutAt(era) || cur.hasWord("at");
  const d = deviceName(cur, kind, loc, split);
  if (cur.accept("?")) d.unit = WILDCARD;
  // modern comma list: `device uart, ppc`
  if (cur.peek()?.kind === ",") {
    ctx.cfg.devices.push(...deviceNameList(cur, d, loc, split));
    return;
  }
  if (cur.accept("word", "at")) d.at = attachment(cur);
  const seen = new Set<string>();
  while (!cur.atEnd()) {
    const w = cur.next()!;
    if (w.kind !== "word") cur.fail(`a ${kind} attribute expected`, w);
    const kwd = w.text;
    if (seen.has(kwd) && kwd !== "vector") cur.error(`${deviceNameUnit(d)}: '${q(kwd)}' given twice`, w.line);
    seen.add(kwd);
    switch (kwd) {
      case "port":
        d.port = portSpec(cur);
        break;
      case "irq": {
        const v = cur.numberOrWild("irq");
        if (v !== WILDCARD && v > 15) cur.error(`${deviceNameUnit(d)}: irq ${v} out of range (0-15)`, w.line);
        if (v === 2) {
          ctx.diags.warning(loc.file, w.line, "remapped irq 2 to irq 9, please update your config file");
          d.irq = 9;
        } else {
          d.irq = v;
        }
        break;
      }
      case "drq": {
        const v = cur.numberOrWild("drq");
        if (v !== WILDCARD && v > 7) cur.error(`${deviceNameUnit(d)}: drq ${v} out of range (0-7)`, w.line);
        d.drq = v;
        break;
      }
      case "iomem":
        d.iomem = cur.number("iomem");
        break;
      case "iosiz":
        d.iosiz = cur.numberOrWild("iosiz");
        break;
      case "flags":
        d.flags = cur.number("flags");
        break;
      case "vector": {
        const names: string[] = [];
        while (!cur.atEnd() && (cur.peek()!.kind === "string" || (cur.peek()!.kind === "word" && !INFO_WORDS.has(cur.peek()!.text)))) {
          const v = cur.next()!.text;
          if (!IDENT_RE.test(v)) cur.fail(`'${q(v)}' is not a valid interrupt handler name`);
          names.push(v);
        }
        if (names.length === 0) cur.fail("vector wants a handler name");
        d.vectors = [...d.vectors, ...names];
        break;
      }
      case "tty":
      case "bio":
      case "net":
      case "cam":
        if (d.intrClass !== undefined && d.intrClass !== kwd) cur.error(`${deviceNameUnit(d)}: both '${d.intrClass}' and '${q(kwd)}' given`, w.line);
        d.intrClass = kwd as IntrClass;
        break;
      case "conflicts":
        d.conflicts = true;
        break;
      case "disable":
        d.disabled = true;
        break;
      case "drive":
        d.drive = cur.number("drive");
        break;
      case "slave":
        d.slave = cur.number("slave");
        break;
      case "target":
        d.target = cur.number("target");
        break;
      case "unit":
        d.lun = cur.number("unit");
        break;
      case "bus":
        d.bus = cur.number("bus");
        break;
      case "priority":
        d.priority = cur.number("priority");
        break;
      case "csr":
        // 1.x (4.3BSD): a UNIBUS register address; nothing on ISA
        cur.number("csr");
        ctx.diags.warning(loc.file, w.line, `${deviceNameUnit(d)}: 'csr' (a 1.x bus register address) has no meaning on ISA; ignored`);
        break;
      case "at":
        return cur.fail(`'at' must follow the ${kind} name`, w);
      default:
        cur.fail(`unknown ${kind} attribute`, w);
    }
  }
  ctx.cfg.devices.push(d);
}

const INFO_WORDS: ReadonlySet<string> = new Set([
  "port", "irq", "drq", "iomem", "iosiz", "flags", "vector", ...INTR_CLASSES, "conflicts",
  "disable", "drive", "slave", "target", "unit", "bus", "priority", "at", "csr",
]);

/** `isa?`, `isa ?`, `isa0`, `nexus?`, `fdc0`. */
function attachment(cur: Cursor): Attachment {
  const t = cur.peek();
  if (t === undefined || t.kind !== "word" || INFO_WORDS.has(t.text)) cur.fail("at wants a bus or controller (isa?, fdc0)", t);
  cur.next();
  if (cur.accept("?")) return { bus: t.text, unit: WILDCARD };
  const { name, unit } = splitNameUnit(t.text);
  if (unit === undefined || !IDENT_RE.test(name)) cur.fail("at wants a bus with a unit number or '?' (isa?, isa0)", t);
  return { bus: name, unit };
}

/** `port 0x3f8`, `port "IO_COM1"`, `port IO_COM1`, `port?`. */
function portSpec(cur: Cursor): PortSpec {
  if (cur.accept("?")) return { kind: "wildcard" };
  const t = cur.peek();
  if (t === undefined || (t.kind !== "word" && t.kind !== "string") || INFO_WORDS.has(t.text)) {
    cur.fail("port wants a number, an IO_* name or '?'", t);
  }
  cur.next();
  const n = parseCNumber(t.text);
  if (n !== undefined) {
    if (n > 0xffff) cur.error(`port ${t.text} is beyond the 64K I/O space`, t.line);
    return { kind: "number", value: n };
  }
  const sym = ioPort(t.text);
  if (sym === undefined) {
    if (/^IO_/.test(t.text)) cur.error(`unknown port name '${q(t.text)}' (not in <i386/isa/isa.h>)`, t.line);
    cur.fail("port wants a number, an IO_* name or '?'", t);
  }
  return { kind: "symbol", name: t.text, value: sym };
}

/** Resolve FILE of `include FILE` / `hints FILE`: the including file's directory, then -I dirs. */
function includeFile(cur: Cursor, absFile: string, ctx: ParseContext): void {
  const name = cur.name("include file name").text;
  cur.end();
  const r = readIncluded("include", name, absFile, ctx);
  if ("error" in r) cur.error(r.error);
  ctx.parseFile(r.text, r.abs);
}

function hintsFile(cur: Cursor, absFile: string, ctx: ParseContext): void {
  const name = cur.name("hints file name").text;
  cur.end();
  const r = readIncluded("hints", name, absFile, ctx);
  if ("error" in r) cur.error(r.error);
  ctx.cfg.hints.push(...parseHints(r.text, ctx.files.display(r.abs), ctx.diags));
}
