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
 * The table is the only place an option's type, range and default live:
 * registerCardType infers the type of each option a factory receives from
 * it (CardOptionsOf), and validateCardOptions fills the defaults, so a
 * factory never re-checks or re-defaults a value.  The machine validates
 * every card's options, YAML or built in code, before calling create().
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
 * An option's default: a value, or a function of the card's name (an
 * NE2000's station address is derived from it).
 */
export type OptionDefault<V> = V | ((cardName: string) => V);

interface OptionBase {
  /** One line for machine.5. */
  readonly description: string;
  /** Absent is an error. */
  readonly required?: boolean;
}

/**
 * Numeric kinds: "port" I/O port 0–0xFFFF; "irq" ISA IRQ 0–15 (2 is
 * delivered as 9); "drq" DMA channel 0–7; "iomem" ISA memory address
 * 0xA0000–0xFFFFF; "integer" a whole number within [min, max].
 */
export interface NumberOptionSpec extends OptionBase {
  readonly kind: "port" | "irq" | "drq" | "iomem" | "integer";
  readonly default?: OptionDefault<number>;
  readonly min?: number;
  readonly max?: number;
}

export interface BooleanOptionSpec extends OptionBase {
  readonly kind: "boolean";
  readonly default?: OptionDefault<boolean>;
}

/** "string" (optionally matching `pattern`); "mac" an Ethernet address "52:54:00:12:34:56"; "path" a host file or socket path. */
export interface StringOptionSpec extends OptionBase {
  readonly kind: "string" | "path" | "mac";
  readonly default?: OptionDefault<string>;
  readonly pattern?: RegExp;
}

/** One of `values`. */
export interface EnumOptionSpec<V extends string = string> extends OptionBase {
  readonly kind: "enum";
  readonly values: readonly V[];
  readonly default?: OptionDefault<NoInfer<V>>;
}

/**
 * One option of a card type.  Without a default and not required, an
 * option is optional: absent stays absent.
 */
export type OptionSpec = NumberOptionSpec | BooleanOptionSpec | StringOptionSpec | EnumOptionSpec;

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The type an option's value has after validation. */
export type OptionValueOf<S extends OptionSpec> = S extends EnumOptionSpec<infer V>
  ? V
  : S extends BooleanOptionSpec
    ? boolean
    : S extends StringOptionSpec
      ? string
      : number;

/** Options that validation always fills: those with a default and the required ones. */
type AlwaysPresent<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { readonly default: unknown } | { readonly required: true } ? K : never;
}[keyof T];

/**
 * A card's options as its factory receives them, inferred from its option
 * table: what has a default or is required is present, the rest optional.
 */
export type CardOptionsOf<T extends OptionTable> = {
  readonly [K in AlwaysPresent<T>]: OptionValueOf<T[K]>;
} & {
  readonly [K in Exclude<keyof T, AlwaysPresent<T>>]?: OptionValueOf<T[K]>;
};

export interface CardSpec<T extends OptionTable = OptionTable> {
  /** One line for machine.5 and `kld machine` listings. */
  readonly description: string;
  /** The jumper and model options: their types, ranges and defaults live here alone. */
  readonly options: T;
  /**
   * Platform devices are always present, created before the cards, and may
   * not be listed under `cards:`; their options are set under `platform:`.
   */
  readonly platform?: boolean;
  /** Instance name of a platform device ("pit", "rtc"). */
  readonly instanceName?: string;
  /** The BIOS lists this card's `port` in the BIOS data area (COM at 0x400, LPT at 0x408). */
  readonly bios?: "com" | "lpt";
  /** Build an instance from options validateCardOptions() checked against `options`. */
  create(name: string, options: CardOptionsOf<T>, ctx: DeviceContext): IsaDevice;
}

/**
 * A registered card type, its option types erased.  The machine calls
 * create() only with what validateCardOptions() returned for this very
 * table, which has the shape CardOptionsOf<T> describes.
 */
export interface RegisteredCard extends Omit<CardSpec, "create"> {
  create(name: string, options: CardOptions, ctx: DeviceContext): IsaDevice;
}

const registry = new Map<string, RegisteredCard>();

/**
 * Register a card type.  Called once per type at module load.  The option
 * types of `spec.create` are inferred from `spec.options`.
 * @throws KernelError EEXIST if the type is already registered.
 */
export function registerCardType<const T extends OptionTable>(type: string, spec: CardSpec<T>): void {
  if (registry.has(type)) {
    throw new KernelError("EEXIST", type, "card type already registered");
  }
  registry.set(type, spec as unknown as RegisteredCard);
}

export function cardType(type: string): RegisteredCard | undefined {
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

/** What a value of each numeric kind is, for "expected ..." messages. */
const NUMBER_KIND_NAMES: Readonly<Record<NumberOptionSpec["kind"], string>> = {
  port: "an I/O port number",
  irq: "an IRQ number",
  drq: "a DMA channel number",
  iomem: "an ISA memory address",
  integer: "an integer",
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
        return { error: `expected ${NUMBER_KIND_NAMES[spec.kind]}, got ${describe(value)}` };
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
      if (spec.pattern && !spec.pattern.test(value)) return { error: `${quote(value)} does not match ${spec.pattern.source}` };
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

/** Longest piece of a value an error message quotes. */
const QUOTE_MAX = 40;

/** A string as error messages quote it: JSON-escaped, cut to QUOTE_MAX characters. */
export function quote(s: string): string {
  const cut = s.length > QUOTE_MAX ? `${s.slice(0, QUOTE_MAX)}...` : s;
  return JSON.stringify(cut);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") return quote(value);
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
 * required options are problems; the table's defaults fill in absent options
 * (a default that is a function gets `cardName`).
 */
export function validateCardOptions(
  spec: Pick<CardSpec, "options">,
  raw: Readonly<Record<string, unknown>>,
  cardName: string,
): { readonly options: CardOptions; readonly problems: readonly OptionProblem[] } {
  const options: Record<string, OptionValue> = {};
  const problems: OptionProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const os = Object.hasOwn(spec.options, key) ? spec.options[key] : undefined;
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
    if (os.default !== undefined) options[key] = typeof os.default === "function" ? os.default(cardName) : os.default;
    else if (os.required) problems.push({ key: "", message: `missing required option "${key}"` });
  }
  return { options, problems };
}
