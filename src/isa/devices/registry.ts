/**
 * The card-type registry: how the machine finds a device model by its type.
 *
 * Every chip or card file under src/isa/devices/ calls registerCardType() at
 * module load with a CardSpec: a description, a declarative table of its
 * jumper and model options (types, ranges, defaults) and a factory.  The
 * machine YAML loader (src/isa/machine_yaml.ts) validates a card's options
 * through that table, and the machine (src/isa/machine.ts) creates instances
 * through the factory; neither ever switches on a card type.  This plays the
 * part of FreeBSD's driver registration (DRIVER_MODULE into a devclass) on
 * the hardware side: a card type is to the machine what a driver is to isa0.
 *
 * src/isa/devices/index.ts imports every device file so that all types are
 * registered before a machine is built.
 */
import { KernelError } from "../../errno/kernel_error.js";
import type { DeviceContext, IsaDevice } from "../device.js";

/** A validated option value. */
export type OptionValue = number | string | boolean;

/** Options of one card after validation: every declared option with a default is present. */
export type CardOptions = Readonly<Record<string, OptionValue>>;

/**
 * One option of a card type.  Kinds:
 * - "port": I/O port 0–0xFFFF; "irq": ISA IRQ 0–15 (2 is delivered as 9);
 * - "drq": DMA channel 0–7; "iomem": ISA memory address 0xA0000–0xFFFFF;
 * - "integer": whole number within [min, max]; "boolean";
 * - "string" (optionally matching `pattern`); "enum": one of `values`;
 * - "mac": Ethernet address "52:54:00:12:34:56"; "path": a host file or socket path.
 */
export interface OptionSpec {
  readonly kind: "port" | "irq" | "drq" | "iomem" | "integer" | "boolean" | "string" | "enum" | "mac" | "path";
  /** One line for machine.5. */
  readonly description: string;
  /** Used when the option is absent; an option without a default is optional and absent stays absent. */
  readonly default?: OptionValue;
  /** Absent is an error. */
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly pattern?: RegExp;
}

export interface CardSpec {
  /** One line for machine.5 and `kld machine` listings. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /**
   * Platform devices are always present, created before the cards, and may
   * not be listed under `cards:`; their options are set under `platform:`.
   */
  readonly platform?: boolean;
  /** Instance name of a platform device ("pit", "rtc"). */
  readonly instanceName?: string;
  /** The BIOS lists this card's `port` in the BIOS data area (COM at 0x400, LPT at 0x408). */
  readonly bios?: "com" | "lpt";
  create(name: string, options: CardOptions, ctx: DeviceContext): IsaDevice;
}

const registry = new Map<string, CardSpec>();

/**
 * Register a card type.  Called once per type at module load.
 * @throws KernelError EEXIST if the type is already registered.
 */
export function registerCardType(type: string, spec: CardSpec): void {
  if (registry.has(type)) {
    throw new KernelError("EEXIST", type, "card type already registered");
  }
  registry.set(type, spec);
}

export function cardType(type: string): CardSpec | undefined {
  return registry.get(type);
}

/** Registered types, sorted. */
export function cardTypes(): readonly string[] {
  return [...registry.keys()].sort();
}

const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  port: [0, 0xffff],
  irq: [0, 15],
  drq: [0, 7],
  iomem: [0xa0000, 0xfffff],
};

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function hex(n: number): string {
  return "0x" + n.toString(16);
}

/**
 * Check one option value against its spec.  Returns the value, or a string
 * saying what is wrong (the loader adds file, line and key).
 */
export function checkOption(spec: OptionSpec, value: unknown): OptionValue | { readonly error: string } {
  switch (spec.kind) {
    case "port":
    case "irq":
    case "drq":
    case "iomem":
    case "integer": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { error: `expected ${spec.kind === "integer" ? "an integer" : `a ${spec.kind} number`}, got ${describe(value)}` };
      }
      if (!Number.isInteger(value)) return { error: `${value} is not a whole number` };
      const [min, max] = RANGES[spec.kind] ?? [spec.min ?? Number.MIN_SAFE_INTEGER, spec.max ?? Number.MAX_SAFE_INTEGER];
      const lo = spec.min ?? min;
      const hi = spec.max ?? max;
      if (value < lo || value > hi) {
        const show = spec.kind === "port" || spec.kind === "iomem" ? hex : String;
        return { error: `${show(value)} is out of range ${show(lo)}-${show(hi)}` };
      }
      return value;
    }
    case "boolean":
      if (typeof value !== "boolean") return { error: `expected true or false, got ${describe(value)}` };
      return value;
    case "string":
    case "path":
      if (typeof value !== "string") return { error: `expected a string, got ${describe(value)}` };
      if (value.length === 0) return { error: "empty string" };
      if (spec.pattern && !spec.pattern.test(value)) return { error: `"${value}" does not match ${spec.pattern.source}` };
      return value;
    case "enum":
      if (typeof value !== "string" || !(spec.values ?? []).includes(value)) {
        return { error: `expected one of ${(spec.values ?? []).join(", ")}, got ${describe(value)}` };
      }
      return value;
    case "mac":
      if (typeof value !== "string" || !MAC_RE.test(value)) {
        return { error: `expected an Ethernet address like 52:54:00:12:34:56, got ${describe(value)}` };
      }
      return value.toLowerCase();
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") return `"${value}"`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

/** One problem found while validating a card's options. */
export interface OptionProblem {
  /** The option key, or "" when the problem is a missing required option. */
  readonly key: string;
  readonly message: string;
}

/**
 * Validate raw options (a decoded YAML mapping without `name`/`type`) against
 * a card type.  Unknown keys, wrong types, out-of-range values and missing
 * required options are problems; defaults fill in absent options.
 */
export function validateCardOptions(
  spec: CardSpec,
  raw: Readonly<Record<string, unknown>>,
): { readonly options: CardOptions; readonly problems: readonly OptionProblem[] } {
  const options: Record<string, OptionValue> = {};
  const problems: OptionProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const os = spec.options[key];
    if (!os) {
      const known = Object.keys(spec.options);
      problems.push({
        key,
        message: `unknown option` + (known.length ? ` (valid: ${known.join(", ")})` : " (this type takes no options)"),
      });
      continue;
    }
    const checked = checkOption(os, value);
    if (typeof checked === "object") problems.push({ key, message: checked.error });
    else options[key] = checked;
  }
  for (const [key, os] of Object.entries(spec.options)) {
    if (key in options || key in raw) continue;
    if (os.default !== undefined) options[key] = os.default;
    else if (os.required) problems.push({ key: "", message: `missing required option "${key}"` });
  }
  return { options, problems };
}
