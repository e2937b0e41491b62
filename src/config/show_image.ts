/**
 * What `kconfig --show IMAGE` prints: the image's identification, static
 * modules, device table (ioconf) and options, as text or as a JSON document.
 *
 * Called by src/cli/kconfig.ts.  The device table's columns follow the
 * comment line of the ioconf.c that FreeBSD 2.x config(8) generated
 * (`id driver iobase irq drq maddr msiz ... unit flags ... enabled
 * conflicts`), trimmed to what kldsim carries.
 */
import { NONE, WILD, type IoconfEntry, type KernelImage } from "../image/image.js";

const field = (v: number, hex = false): string => (v === NONE ? "-" : v === WILD ? "?" : hex ? `0x${v.toString(16)}` : String(v));

function portText(d: IoconfEntry): string {
  if (d.port === NONE) return "-";
  if (d.port === WILD) return "?";
  const h = `0x${d.port.toString(16)}`;
  return d.portName ? `${d.portName}(${h})` : h;
}

/** The text form: one block per kind of content. */
export function showImageLines(img: KernelImage, file: string): string[] {
  const out: string[] = [];
  out.push(`${file}: kldsim kernel image`);
  out.push(`ident ${img.ident}, machine ${img.machine || "-"}${img.cpus.length ? ` (${img.cpus.join(" ")})` : ""}, maxusers ${img.maxusers}`);
  if (img.kernel) {
    const k = img.kernel;
    out.push(`config ${k.name}${k.root ? ` root on ${k.root}` : ""}${k.swap.length ? ` swap on ${k.swap.join(" and ")}` : ""}${k.dumps ? ` dumps on ${k.dumps}` : ""}`);
  }
  out.push(`kernel object: ${img.object.length} bytes`);
  out.push("");
  out.push(`Static modules (${img.modules.length}, in link order):`);
  for (const m of img.modules) out.push(`  ${m.name.padEnd(16)} ${m.path}`);
  out.push("");
  out.push(`Device table (${img.devices.length}):`);
  const rows: string[][] = [["device", "kind", "at", "port", "irq", "drq", "iomem", "iosize", "flags", "state", "module"]];
  for (const d of img.devices) {
    rows.push([
      `${d.driver}${d.unit}`, d.kind + (d.source === "hints" ? "(hint)" : ""), d.at || "-", portText(d), field(d.irq), field(d.drq),
      field(d.iomem, true), field(d.iosize, true), `0x${d.flags.toString(16)}`,
      (d.enabled ? "enabled" : "disabled") + (d.conflicts ? ",conflicts" : ""), d.module || "(none)",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) out.push("  " + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(" ").trimEnd());
  if (img.pseudoDevices.length > 0) {
    out.push("");
    out.push(`Pseudo-devices: ${img.pseudoDevices.map((p) => (p.count !== 1 ? `${p.name} ${p.count}` : p.name)).join(", ")}`);
  }
  out.push("");
  out.push(`Options (${img.options.length}):`);
  for (const o of img.options) out.push(`  ${o.value !== undefined ? `${o.name}=${o.value}` : o.name}`);
  if (img.hints.length > 0) {
    out.push("");
    out.push(`Hints (${img.hints.length}):`);
    for (const h of img.hints) out.push(`  hint.${h.driver}.${h.unit}.${h.key}="${h.value}"`);
  }
  out.push("");
  out.push(img.configText !== undefined ? `Configuration text: ${img.configText.split("\n").length} lines (kconfig -x shows it)` : "Configuration text: not included (options INCLUDE_CONFIG_FILE)");
  return out;
}

/** The JSON form (schema "kldsim.kconfig.image/1"). */
export function showImageJson(img: KernelImage): object {
  const n = (v: number): number | "?" | null => (v === NONE ? null : v === WILD ? "?" : v);
  return {
    ident: img.ident,
    machine: img.machine,
    cpus: img.cpus,
    maxusers: img.maxusers,
    kernel: img.kernel ?? null,
    objectBytes: img.object.length,
    modules: img.modules,
    devices: img.devices.map((d) => ({
      name: `${d.driver}${d.unit}`, kind: d.kind, driver: d.driver, unit: d.unit, at: d.at || null,
      port: n(d.port), portName: d.portName || null, portSize: n(d.portSize), irq: n(d.irq), drq: n(d.drq),
      iomem: n(d.iomem), iosize: n(d.iosize), flags: d.flags, enabled: d.enabled, conflicts: d.conflicts,
      drive: n(d.drive), target: n(d.target), unitNumber: n(d.lun), bus: n(d.bus), source: d.source, module: d.module || null,
    })),
    pseudoDevices: img.pseudoDevices,
    options: img.options,
    hints: img.hints,
    configText: img.configText ?? null,
  };
}
