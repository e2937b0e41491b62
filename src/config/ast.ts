/**
 * The typed kernel configuration: what a config file (classic 2.x syntax,
 * modern additions, or YAML) means once parsed.
 *
 * Produced by parse_classic.ts and parse_yaml.ts, consumed by to_yaml.ts and
 * build_image.ts.  It corresponds to the in-memory tables of FreeBSD's
 * usr.sbin/config (config.h: `struct device`, `struct opt`, `struct
 * file_list`): one ConfigDevice per `device`/`controller`/`disk`/`tape` line,
 * options in file order, and so on.  `include` is already expanded,
 * `nodevice`/`nooptions` already applied, and `hints` files already read, so
 * the AST is the *effective* configuration; every node keeps the file and
 * line it came from (`loc`) for diagnostics, and `stripLocations` drops them
 * so that two ASTs from different syntaxes can be compared.
 */
import type { DeviceKind } from "../image/image.js";

/** Where a construct was written. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
}

/** `?` in a config file: autodetect / any. */
export const WILDCARD = "?" as const;
export type Wildcard = typeof WILDCARD;

/** An I/O port as written: a number, a symbolic IO_* name (kept for display), or `?`. */
export type PortSpec =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "symbol"; readonly name: string; readonly value: number }
  | { readonly kind: "wildcard" };

/** The interrupt-mask group of a 2.x device line (`tty`, `bio`, `net`, `cam`). */
export type IntrClass = "tty" | "bio" | "net" | "cam";
export const INTR_CLASSES: readonly IntrClass[] = ["tty", "bio", "net", "cam"];


/** `at isa?`, `at isa0`, `at fdc0`, `at nexus?`. */
export interface Attachment {
  readonly bus: string;
  readonly unit: number | Wildcard;
}

export interface ConfigDevice {
  readonly kind: DeviceKind;
  /** Driver name, `sio` for `sio0`. */
  readonly name: string;
  /** Unit number; undefined for the modern unit-less form (`device uart`). */
  readonly unit: number | Wildcard | undefined;
  readonly at?: Attachment;
  readonly port?: PortSpec;
  readonly irq?: number | Wildcard;
  readonly drq?: number | Wildcard;
  readonly iomem?: number;
  readonly iosiz?: number | Wildcard;
  readonly flags?: number;
  readonly vectors: readonly string[];
  readonly intrClass?: IntrClass;
  readonly conflicts: boolean;
  readonly disabled: boolean;
  readonly drive?: number;
  readonly slave?: number;
  readonly target?: number;
  /** The SCSI `unit N` (logical unit), not the device's own unit. */
  readonly lun?: number;
  readonly bus?: number;
  readonly priority?: number;
  readonly loc?: SourceLoc;
}

/** `options NAME[=VALUE]` / `makeoptions NAME=VALUE`.  Values stay text, as config(8) keeps them. */
export interface ConfigOption {
  readonly name: string;
  readonly value?: string;
  readonly loc?: SourceLoc;
}

/** `config KERNEL root on DEV [swap on DEV [and DEV]] [dumps on DEV]`: recorded only. */
export interface KernelSpec {
  readonly name: string;
  readonly root?: string;
  readonly swap: readonly string[];
  readonly dumps?: string;
  readonly loc?: SourceLoc;
}

export interface PseudoDevice {
  readonly name: string;
  readonly count?: number;
  readonly loc?: SourceLoc;
}

/** kldsim's `module NAME`: a statically linked module that is not a device driver. */
export interface ConfigModule {
  readonly name: string;
  readonly loc?: SourceLoc;
}

/** One device.hints(5) line: `hint.DRIVER.UNIT.KEY="VALUE"`. */
export interface ConfigHint {
  readonly driver: string;
  readonly unit: number;
  readonly key: string;
  readonly value: string;
  readonly loc?: SourceLoc;
}

export interface KernelConfig {
  readonly machine?: string;
  readonly machineSub?: string;
  readonly cpus: readonly string[];
  readonly ident?: string;
  readonly maxusers?: number;
  /** 1.x `timezone N [dst [N]]`, as written after the keyword ("8 dst"): recorded, no effect. */
  readonly timezone?: string;
  /** 1.x `maxfdescs N`: recorded, no effect. */
  readonly maxfdescs?: number;
  readonly options: readonly ConfigOption[];
  readonly makeoptions: readonly ConfigOption[];
  readonly kernels: readonly KernelSpec[];
  readonly devices: readonly ConfigDevice[];
  readonly pseudoDevices: readonly PseudoDevice[];
  readonly modules: readonly ConfigModule[];
  readonly hints: readonly ConfigHint[];
}

export function emptyConfig(): {
  -readonly [K in keyof KernelConfig]: KernelConfig[K] extends readonly (infer E)[] ? E[] : KernelConfig[K];
} {
  return {
    cpus: [], options: [], makeoptions: [], kernels: [], devices: [],
    pseudoDevices: [], modules: [], hints: [],
  };
}

/** `sio0` for a device, `uart` for a unit-less one, `sio?` for a wildcard unit. */
export function deviceNameUnit(d: Pick<ConfigDevice, "name" | "unit">): string {
  return d.unit === undefined ? d.name : `${d.name}${d.unit}`;
}

/**
 * Split `sio0` into driver and unit; a name with no trailing digits has no
 * unit.  Modern names that end in digits (`mlx5`, `snd_via8233`) are not
 * split: the parsers call this only where the era's grammar splits.
 */
export function splitNameUnit(word: string): { name: string; unit: number | undefined } {
  const m = /^(.*?[^0-9])([0-9]+)$/.exec(word);
  if (!m) return { name: word, unit: undefined };
  return { name: m[1]!, unit: Number.parseInt(m[2]!, 10) };
}

/** A deep copy without `loc` fields and with undefined members removed, for comparisons. */
export function stripLocations(cfg: KernelConfig): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === "loc" || x === undefined) continue;
        out[k] = walk(x);
      }
      return out;
    }
    return v;
  };
  return walk(cfg);
}

/*
 * Membership of a name in a list of named entries (options, pseudo-devices,
 * modules) without a linear search per statement, which made parsing
 * quadratic in the file's length.  The parsers only ever append, replace an
 * entry by splice(i, 1) + push of the same name, or build a new array with
 * filter(); the cache follows exactly those: appended entries are added,
 * a new array gets a new cache.
 */
const nameCache = new WeakMap<readonly { readonly name: string }[], { names: Set<string>; seen: number }>();

/** True when `list` has an entry called `name`. */
export function hasNamed(list: readonly { readonly name: string }[], name: string): boolean {
  let c = nameCache.get(list);
  if (!c || c.seen > list.length) {
    c = { names: new Set(), seen: 0 };
    nameCache.set(list, c);
  }
  for (; c.seen < list.length; c.seen++) c.names.add(list[c.seen]!.name);
  return c.names.has(name);
}
