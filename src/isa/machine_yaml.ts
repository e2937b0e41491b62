/**
 * The machine description loader: configs/machines/*.yaml to a Machine.
 *
 * Parses with the `yaml` package keeping node positions (a LineCounter), then
 * checks the document by hand so that every problem names the file, the line
 * and the key: YAML syntax and duplicate keys, unknown keys, wrong types,
 * negative or oversized numbers, duplicate card names, unknown card types,
 * and each card's options through its own registered spec
 * (src/isa/devices/registry.ts).  Overlapping cards are not an error (it is
 * real ISA contention); the machine reports them and conflictWarnings()
 * words them.  The format is documented in man/man5/machine.5.
 *
 * Callers: `kld machine` (src/cli/kld/machine.ts), the kernel daemon when it
 * boots a machine, and tests (machineFromYaml).  This plays the part of
 * QEMU's -device command line or Bochs' bochsrc for our emulated PC.
 */
import { basename } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from "yaml";
import { quoteForMessage, readHostText } from "../errno/host_file.js";
import { KernelError } from "../errno/kernel_error.js";
import "./devices/index.js";
import { cardType, cardTypes, quote, validateCardOptions, type CardOptions } from "./devices/registry.js";
import { Machine, type CardDescription, type MachineDescription } from "./machine.js";

/** One thing wrong with a machine file. */
export interface MachineFileProblem {
  readonly file: string;
  readonly line: number;
  /** Dotted path of the offending key ("cards[2].irq"), or "" for the document. */
  readonly key: string;
  readonly message: string;
}

/** Formats as `file:line: key: message`; a key (text of the user's file) is quoted short and escaped. */
export function formatProblem(p: MachineFileProblem): string {
  return `${p.file}:${p.line}: ${keyPrefix(p)}${p.message}`;
}

function keyPrefix(p: MachineFileProblem): string {
  return p.key ? quoteForMessage(p.key) + ": " : "";
}

/**
 * A machine file that does not validate.  The message and subject name the
 * first problem; `problems` holds all of them in file order.
 */
export class MachineFileError extends KernelError {
  constructor(
    errnoName: string,
    readonly problems: readonly MachineFileProblem[],
  ) {
    const first = problems[0]!;
    super(errnoName, `${first.file}:${first.line}`, `${keyPrefix(first)}${first.message}`);
    this.name = "MachineFileError";
  }

  /** Every problem, one `file:line: key: message` line each. */
  lines(): readonly string[] {
    return this.problems.map(formatProblem);
  }
}

const TOP_KEYS = ["name", "description", "memory", "platform", "cards"] as const;
const NAME_RE = /^[a-z][a-z0-9_]{0,30}$/;
const DEFAULT_MEMORY_KIB = 1024;
const MAX_MEMORY_KIB = 65536;
const MIN_MEMORY_KIB = 640;

/**
 * Parse and validate a machine description.
 * @param file name used in messages (a path or "<string>").
 * @throws MachineFileError EFTYPE for YAML syntax errors or a document that is
 *   not a mapping, EINVAL for anything invalid inside it.
 */
export function parseMachineYaml(text: string, file = "<string>"): MachineDescription {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const problems: MachineFileProblem[] = [];
  const lineOf = (node: unknown): number => {
    const r = (node as Node | null | undefined)?.range;
    return r ? lc.linePos(r[0]).line : 1;
  };
  const add = (node: unknown, key: string, message: string): void => {
    problems.push({ file, line: lineOf(node), key, message });
  };

  if (doc.errors.length > 0) {
    const syntax = doc.errors.map((e) => ({
      file,
      line: e.linePos?.[0].line ?? 1,
      key: "",
      message: firstLine(e.message),
    }));
    throw new MachineFileError("EFTYPE", syntax);
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw new MachineFileError("EFTYPE", [
      { file, line: lineOf(root), key: "", message: "a machine file must be a mapping with name, memory, platform and cards" },
    ]);
  }

  let name = basename(file).replace(/\.ya?ml$/, "") || "machine";
  let description: string | undefined;
  let memoryKiB = DEFAULT_MEMORY_KIB;
  const platform: Record<string, CardOptions> = {};
  const cards: CardDescription[] = [];

  const seenTop = new Set<string>();
  for (const pair of root.items) {
    const key = scalarKey(pair.key);
    const val = pair.value;
    if (key === undefined) {
      add(pair.key, "", "keys must be plain words");
      continue;
    }
    if (seenTop.has(key)) {
      add(pair.key, key, "duplicate key");
      continue;
    }
    seenTop.add(key);
    switch (key) {
      case "name":
        if (isScalar(val) && typeof val.value === "string" && NAME_RE.test(val.value)) name = val.value;
        else add(val ?? pair.key, "name", `expected a lower-case word like pc97, got ${show(val)}`);
        break;
      case "description":
        if (isScalar(val) && typeof val.value === "string") description = val.value;
        else add(val ?? pair.key, "description", `expected a string, got ${show(val)}`);
        break;
      case "memory": {
        const v = isScalar(val) ? val.value : undefined;
        if (typeof v !== "number" || !Number.isInteger(v)) add(val ?? pair.key, "memory", `expected a whole number of KiB, got ${show(val)}`);
        else if (v < MIN_MEMORY_KIB || v > MAX_MEMORY_KIB) add(val, "memory", `${v} KiB is out of range ${MIN_MEMORY_KIB}-${MAX_MEMORY_KIB}`);
        else memoryKiB = v;
        break;
      }
      case "platform":
        readPlatform(val, pair.key, platform, add);
        break;
      case "cards":
        readCards(val, pair.key, cards, add, (n) => `${file}:${lineOf(n)}`);
        break;
      default:
        add(pair.key, key, `unknown key (valid: ${TOP_KEYS.join(", ")})`);
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    throw new MachineFileError("EINVAL", problems);
  }
  return { name, ...(description !== undefined ? { description } : {}), memoryKiB, platform, cards, file };
}

type AddProblem = (node: unknown, key: string, message: string) => void;

function readPlatform(val: unknown, keyNode: unknown, out: Record<string, CardOptions>, add: AddProblem): void {
  if (val === null || (isScalar(val) && val.value === null)) return;
  if (!isMap(val)) {
    add(val ?? keyNode, "platform", `expected a mapping of platform device types to options, got ${show(val)}`);
    return;
  }
  for (const pair of val.items) {
    const type = scalarKey(pair.key);
    if (type !== undefined && Object.hasOwn(out, type)) {
      add(pair.key, `platform.${type}`, "duplicate key");
      continue;
    }
    const spec = type === undefined ? undefined : cardType(type);
    if (type === undefined || !spec || !spec.platform) {
      const known = cardTypes().filter((t) => cardType(t)?.platform);
      add(pair.key, `platform.${type ?? "?"}`, `not a platform device (valid: ${known.join(", ")})`);
      continue;
    }
    const raw = readOptionMap(pair.value, pair.key, `platform.${type}`, add);
    if (!raw) continue;
    const { options, problems } = validateCardOptions(spec, raw.values, spec.instanceName ?? type);
    for (const p of problems) add(raw.nodes.get(p.key) ?? pair.key, `platform.${type}${p.key ? "." + p.key : ""}`, p.message);
    out[type] = options;
  }
}

function readCards(
  val: unknown,
  keyNode: unknown,
  out: CardDescription[],
  add: AddProblem,
  where: (n: unknown) => string,
): void {
  if (val === null || (isScalar(val) && val.value === null)) return;
  if (!isSeq(val)) {
    add(val ?? keyNode, "cards", `expected a list of cards, got ${show(val)}`);
    return;
  }
  const seen = new Map<string, number>();
  val.items.forEach((item, i) => {
    const path = `cards[${i}]`;
    if (!isMap(item)) {
      add(item, path, `expected a mapping with name, type and options, got ${show(item)}`);
      return;
    }
    const raw = readOptionMap(item, item, path, add);
    if (!raw) return;
    const { name: nameV, type: typeV, ...rest } = raw.values;
    let ok = true;
    if (nameV === undefined) {
      add(item, path, 'missing required key "name"');
      ok = false;
    } else if (typeof nameV !== "string" || !NAME_RE.test(nameV)) {
      add(raw.nodes.get("name"), `${path}.name`, `expected a lower-case name like com1, got ${showValue(nameV)}`);
      ok = false;
    } else if (nameV === "pic" || nameV === "dma" || platformInstanceNames().includes(nameV)) {
      add(raw.nodes.get("name"), `${path}.name`, `"${nameV}" is the name of a platform device`);
      ok = false;
    } else if (seen.has(nameV)) {
      add(raw.nodes.get("name"), `${path}.name`, `duplicate card name "${nameV}" (first used by cards[${seen.get(nameV)!}])`);
      ok = false;
    } else {
      seen.set(nameV, i);
    }
    const label = typeof nameV === "string" ? `${path}` : path;
    if (typeV === undefined) {
      add(item, label, 'missing required key "type"');
      return;
    }
    const spec = typeof typeV === "string" ? cardType(typeV) : undefined;
    if (!spec) {
      const known = cardTypes().filter((t) => !cardType(t)?.platform);
      add(raw.nodes.get("type"), `${label}.type`, `unknown card type ${showValue(typeV)} (known: ${known.join(", ")})`);
      return;
    }
    if (spec.platform) {
      add(raw.nodes.get("type"), `${label}.type`, `"${String(typeV)}" is a platform device, always present; set its options under platform:`);
      return;
    }
    const { options, problems } = validateCardOptions(spec, rest, typeof nameV === "string" ? nameV : "");
    for (const p of problems) add(raw.nodes.get(p.key) ?? item, p.key ? `${label}.${p.key}` : label, p.message);
    if (ok && problems.length === 0) {
      out.push({ name: nameV as string, type: typeV as string, options, where: where(item) });
    }
  });
}

/** A YAML mapping to plain values (scalars as is, collections as markers), keeping each key's node. */
function readOptionMap(
  val: unknown,
  keyNode: unknown,
  path: string,
  add: AddProblem,
): { readonly values: Record<string, unknown>; readonly nodes: Map<string, unknown> } | undefined {
  if (val === null || (isScalar(val) && val.value === null)) return { values: {}, nodes: new Map() };
  if (!isMap(val)) {
    add(val ?? keyNode, path, `expected a mapping, got ${show(val)}`);
    return undefined;
  }
  // No prototype: a key such as __proto__ or constructor is just an unknown option.
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const nodes = new Map<string, unknown>();
  for (const pair of (val as YAMLMap).items) {
    const k = scalarKey(pair.key);
    if (k === undefined) {
      add(pair.key, path, "keys must be plain words");
      continue;
    }
    if (nodes.has(k)) {
      add(pair.key, `${path}.${k}`, "duplicate key");
      continue;
    }
    nodes.set(k, pair.value ?? pair.key);
    const v = pair.value;
    values[k] = isScalar(v) ? v.value : isSeq(v) ? [] : isMap(v) ? {} : null;
  }
  return { values, nodes };
}

function platformInstanceNames(): string[] {
  return cardTypes().flatMap((t) => cardType(t)?.instanceName ?? []);
}

function scalarKey(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === "string" || typeof node.value === "number")) return String(node.value);
  return undefined;
}

function show(node: unknown): string {
  if (node === null || node === undefined) return "nothing";
  if (isScalar(node)) return showValue(node.value);
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a mapping";
  return "something else";
}

function showValue(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (typeof v === "string") return quote(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  return "a mapping";
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Build a machine from YAML text (tests use this with inline YAML).
 * @throws MachineFileError as parseMachineYaml; KernelError from a card factory
 *   (its subject is the card's file:line).
 */
export function machineFromYaml(text: string, file = "<string>"): Machine {
  const description = parseMachineYaml(text, file);
  try {
    return new Machine(description);
  } catch (e) {
    // A card that refused its options (e.g. an SB16 on IRQ 4): report it like a file problem.
    const m = e instanceof KernelError ? /^(.*):(\d+)$/.exec(e.subject ?? "") : null;
    if (e instanceof KernelError && m && m[1] === file) {
      const index = description.cards.findIndex((c) => c.where === e.subject);
      throw new MachineFileError(e.info.name, [
        { file, line: Number(m[2]), key: index >= 0 ? `cards[${index}]` : "", message: e.detail ?? e.info.text },
      ]);
    }
    throw e;
  }
}

/**
 * Read and build a machine file.
 * @throws KernelError ENOENT / EACCES if the file cannot be read, EFTYPE
 *   for a device or a binary file, EFBIG over 1 MiB; else as machineFromYaml.
 */
export function loadMachineFile(path: string): Machine {
  return machineFromYaml(readHostText(path, "machine"), path);
}

/** One warning line per shared resource, e.g. "ports 0x3f8-0x3ff decoded by com1 and com3 (ISA contention)". */
export function conflictWarnings(machine: Machine): readonly string[] {
  return machine.conflicts().map((c) => {
    const range =
      c.kind === "port" || c.kind === "iomem"
        ? c.start === c.end
          ? `0x${c.start.toString(16)}`
          : `0x${c.start.toString(16)}-0x${c.end.toString(16)}`
        : String(c.start);
    const what = { port: c.start === c.end ? "port" : "ports", irq: "irq", drq: "drq", iomem: "iomem" }[c.kind];
    return `${what} ${range} shared by ${c.owners.join(" and ")} (ISA contention)`;
  });
}
