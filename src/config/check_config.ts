/**
 * Whole-configuration checks that no single statement can make: a device
 * attached to a bus or controller that is not configured, duplicate units,
 * duplicate hints.
 *
 * Called by load_config.ts after either parser.  The messages follow
 * FreeBSD usr.sbin/config/config.y of the 2.x era (`no %s's to wildcard`,
 * `%s %d not defined`, `%s connected to non-controller`); the duplicate-unit
 * check is the one config(8) made when it built its device list.
 */
import { deviceNameUnit, type ConfigDevice, type KernelConfig } from "./ast.js";
import type { Diagnostics } from "./diagnostics.js";

/** Buses the kldsim kernel itself provides: they need no line and no module. */
export const KERNEL_BUSES: ReadonlySet<string> = new Set(["nexus", "isa"]);

export function checkConfig(cfg: KernelConfig, diags: Diagnostics, fallbackFile: string): void {
  const seen = new Map<string, { file: string; line: number }>();
  // 1.x and 2.x config(8) wanted `at fdc0` to name a controller or master,
  // and only warned about a unit seen twice (1.x wrote `controller wd0` and
  // `disk wd0 at wd0`); 4.x and later accept any device as a parent and
  // refuse a repeated unit.  A configuration that declares controllers is
  // of the old eras (era.ts); no era checked the kind behind `at fdc?`.
  const oldEra = cfg.devices.some((p) => p.kind !== "device");
  // Possible parents by `name` (for `at name?`) and by `name unit` (for
  // `at name0`), so the check stays linear with hundreds of units.
  const byName = new Map<string, ConfigDevice[]>();
  const byUnit = new Map<string, ConfigDevice[]>();
  const add = (m: Map<string, ConfigDevice[]>, k: string, d: ConfigDevice): void => {
    const list = m.get(k);
    if (list) list.push(d);
    else m.set(k, [d]);
  };
  for (const d of cfg.devices) {
    add(byName, d.name, d);
    // a unit-less (modern) line stands for every unit
    add(byUnit, d.unit === undefined ? `${d.name} *` : `${d.name} ${String(d.unit)}`, d);
  }
  const isParent = (p: ConfigDevice): boolean =>
    !oldEra || p.kind === "controller" || p.kind === "master" || (p.kind === "device" && p.unit === undefined);
  for (const d of cfg.devices) {
    const file = d.loc?.file ?? fallbackFile;
    const line = d.loc?.line ?? 0;
    if (typeof d.unit === "number") {
      const key = `${d.name}${d.unit}`;
      const prev = seen.get(key);
      if (prev && oldEra) {
        diags.warning(file, line, `already seen device ${key} (at ${prev.file}:${prev.line})`);
      } else if (prev) {
        diags.error(file, line, `duplicate unit: ${key} is already configured at ${prev.file}:${prev.line}`);
      } else {
        seen.set(key, { file, line });
      }
    } else if (d.unit === undefined) {
      if (seen.has(d.name)) diags.warning(file, line, `duplicate device '${d.name}' encountered.`);
      seen.set(d.name, { file, line });
    }
    if (d.at === undefined || KERNEL_BUSES.has(d.at.bus)) continue;
    const at = d.at;
    const who = deviceNameUnit(d);
    const named = byName.get(at.bus) ?? [];
    if (named.length === 0 || (named.length === 1 && named[0] === d)) {
      if (at.unit === "?") diags.error(file, line, `${who}: no ${at.bus}'s to wildcard (no bus or controller ${at.bus} is configured)`);
      else diags.error(file, line, `${who}: ${at.bus} ${at.unit} not defined (no bus or controller ${at.bus}${at.unit} is configured)`);
      continue;
    }
    const match = (at.unit === "?" ? named : [...(byUnit.get(`${at.bus} ${at.unit}`) ?? []), ...(byUnit.get(`${at.bus} *`) ?? [])]).filter((p) => p !== d);
    if (match.length === 0) {
      diags.error(file, line, `${who}: ${at.bus} ${at.unit} not defined (no bus or controller ${at.bus}${at.unit} is configured)`);
      continue;
    }
    if (at.unit !== "?" && !match.some(isParent)) {
      diags.error(file, line, `${who} connected to non-controller ${at.bus}${at.unit} (this file declares controllers, so it is read as 2.x, ` +
        `whose config(8) wanted 'controller ${at.bus}${at.unit}'; 4.x and later accept a device)`);
    }
  }
  const hintSeen = new Set<string>();
  for (const h of cfg.hints) {
    const key = `hint.${h.driver}.${h.unit}.${h.key}`;
    if (hintSeen.has(key)) diags.warning(h.loc?.file ?? fallbackFile, h.loc?.line ?? 0, `duplicate hint ${key}; the later value wins`);
    hintSeen.add(key);
  }
}
