/**
 * The edits a configuration statement makes to the configuration being
 * built, and the names it accepts, shared by both syntaxes so that a
 * classic file and its YAML form mean the same and warn alike.  Each edit
 * returns the warning config(8) would print, if any; the caller adds its
 * file and line.
 *
 * Called by parse_classic.ts and parse_yaml.ts.  Corresponds to the actions
 * of FreeBSD usr.sbin/config/config.y (newopt(), rmopt_schedule(),
 * rmdev_schedule(), the duplicate checks).
 */
import { deviceNameUnit, hasNamed, splitNameUnit, type ConfigModule, type ConfigOption, type KernelSpec, type PseudoDevice } from "./ast.js";
import type { MutableConfig } from "./config_files.js";

/** ident, option and driver names: a C identifier. */
export const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Module and pseudo-device names, which may also hold `.`, `+` and `-`. */
export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.+-]*$/;

/** `options X` / `makeoptions X=V`: the later one of a name wins. */
export function setOption(list: ConfigOption[], o: ConfigOption, what: "option" | "makeoption"): string | undefined {
  const i = hasNamed(list, o.name) ? list.findIndex((x) => x.name === o.name) : -1;
  if (i >= 0) list.splice(i, 1);
  list.push(o);
  return i >= 0 ? `duplicate ${what} '${o.name}' encountered.` : undefined;
}

/** `nooptions X`. */
export function removeOption(cfg: MutableConfig, name: string): string | undefined {
  const before = cfg.options.length;
  cfg.options = cfg.options.filter((o) => o.name !== name);
  return cfg.options.length === before ? `nooptions ${name}: option ${name} is not configured` : undefined;
}

/** `nodevice X`: every device line of driver X (or the one unit `X0`), and pseudo-device X. */
export function removeDevice(cfg: MutableConfig, name: string): string | undefined {
  const { unit } = splitNameUnit(name);
  const before = cfg.devices.length + cfg.pseudoDevices.length;
  cfg.devices = cfg.devices.filter((d) => !(d.name === name || (unit !== undefined && deviceNameUnit(d) === name)));
  cfg.pseudoDevices = cfg.pseudoDevices.filter((p) => p.name !== name);
  return cfg.devices.length + cfg.pseudoDevices.length === before ? `nodevice ${name}: device ${name} is not configured` : undefined;
}

/** `pseudo-device X [N]`: a repeated one replaces the earlier. */
export function setPseudoDevice(cfg: MutableConfig, pd: PseudoDevice): string | undefined {
  const dup = hasNamed(cfg.pseudoDevices, pd.name);
  if (dup) cfg.pseudoDevices = cfg.pseudoDevices.filter((p) => p.name !== pd.name);
  cfg.pseudoDevices.push(pd);
  return dup ? `duplicate pseudo-device '${pd.name}' encountered.` : undefined;
}

/** `module X`: listed once. */
export function addModule(cfg: MutableConfig, m: ConfigModule): string | undefined {
  if (hasNamed(cfg.modules, m.name)) return `duplicate module '${m.name}' encountered.`;
  cfg.modules.push(m);
  return undefined;
}

/**
 * config(8)'s check of a `config` line: a root device, unless `swap generic`
 * leaves root and swap to be found at boot.  Returns the complaint, if any.
 */
export function kernelSpecProblem(k: Pick<KernelSpec, "name" | "root" | "swap">): string | undefined {
  return k.root === undefined && !k.swap.includes("generic") ? `config ${k.name}: no root device specified` : undefined;
}
