/**
 * Render a KernelConfig as YAML in the schema of kconfig(5) ("YAML SYNTAX"),
 * for `kconfig --yaml FILE`.
 *
 * The output parses back (parse_yaml.ts) to the same configuration: option
 * and hint values stay strings, ports keep their IO_* names, and port, iomem
 * and flags are written in hex as config files write them.  Includes are
 * already expanded and hints inlined, so the YAML is self-contained.
 */
import { Document, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { deviceNameUnit, type ConfigDevice, type KernelConfig } from "./ast.js";

function hex(n: number): Scalar<number> {
  const s = new Scalar(n);
  s.format = "HEX";
  return s;
}

function deviceNode(d: ConfigDevice): YAMLMap {
  const m = new YAMLMap();
  m.flow = false;
  m.set(d.kind, d.unit === "?" ? `${d.name}?` : deviceNameUnit(d));
  // a modern name ending in digits (`mlx5`): YAML would split it, so say it is whole
  if (d.unit === undefined && /[0-9]$/.test(d.name)) m.set("whole-name", true);
  if (d.at) m.set("at", `${d.at.bus}${d.at.unit}`);
  if (d.port) {
    if (d.port.kind === "wildcard") m.set("port", "?");
    else if (d.port.kind === "symbol") m.set("port", d.port.name);
    else m.set("port", hex(d.port.value));
  }
  if (d.intrClass) m.set("class", d.intrClass);
  if (d.irq !== undefined) m.set("irq", d.irq);
  if (d.drq !== undefined) m.set("drq", d.drq);
  if (d.iomem !== undefined) m.set("iomem", hex(d.iomem));
  if (d.iosiz !== undefined) m.set("iosiz", d.iosiz === "?" ? "?" : hex(d.iosiz));
  if (d.flags !== undefined) m.set("flags", hex(d.flags));
  if (d.vectors.length > 0) {
    const s = new YAMLSeq();
    s.flow = true;
    for (const v of d.vectors) s.add(v);
    m.set("vector", s);
  }
  if (d.conflicts) m.set("conflicts", true);
  if (d.disabled) m.set("disable", true);
  if (d.drive !== undefined) m.set("drive", d.drive);
  if (d.slave !== undefined) m.set("slave", d.slave);
  if (d.target !== undefined) m.set("target", d.target);
  if (d.lun !== undefined) m.set("unit", d.lun);
  if (d.bus !== undefined) m.set("bus", d.bus);
  if (d.priority !== undefined) m.set("priority", d.priority);
  return m;
}

/** The configuration as a YAML document (text, ending in a newline). */
export function configToYaml(cfg: KernelConfig, title?: string): string {
  const doc = new Document();
  const root = new YAMLMap();
  if (cfg.machine !== undefined) root.set("machine", cfg.machineSub !== undefined ? flowSeq([cfg.machine, cfg.machineSub]) : cfg.machine);
  if (cfg.cpus.length > 0) root.set("cpu", flowSeq(cfg.cpus));
  if (cfg.ident !== undefined) root.set("ident", cfg.ident);
  if (cfg.maxusers !== undefined) root.set("maxusers", cfg.maxusers);
  if (cfg.timezone !== undefined) root.set("timezone", cfg.timezone);
  if (cfg.maxfdescs !== undefined) root.set("maxfdescs", cfg.maxfdescs);
  if (cfg.options.length > 0) {
    const m = new YAMLMap();
    for (const o of cfg.options) m.set(o.name, o.value ?? true);
    root.set("options", m);
  }
  if (cfg.makeoptions.length > 0) {
    const m = new YAMLMap();
    for (const o of cfg.makeoptions) m.set(o.name, o.value ?? "");
    root.set("makeoptions", m);
  }
  if (cfg.kernels.length > 0) {
    const s = new YAMLSeq();
    for (const k of cfg.kernels) {
      const m = new YAMLMap();
      m.set("kernel", k.name);
      if (k.root !== undefined) m.set("root", k.root);
      if (k.swap.length > 0) m.set("swap", flowSeq(k.swap));
      if (k.dumps !== undefined) m.set("dumps", k.dumps);
      s.add(m);
    }
    root.set("config", s);
  }
  if (cfg.devices.length > 0) {
    const s = new YAMLSeq();
    for (const d of cfg.devices) s.add(deviceNode(d));
    root.set("devices", s);
  }
  if (cfg.pseudoDevices.length > 0) {
    const m = new YAMLMap();
    for (const p of cfg.pseudoDevices) m.set(p.name, p.count ?? true);
    root.set("pseudo-devices", m);
  }
  if (cfg.modules.length > 0) root.set("modules", flowSeq(cfg.modules.map((x) => x.name)));
  if (cfg.hints.length > 0) {
    const m = new YAMLMap();
    for (const h of cfg.hints) m.set(`hint.${h.driver}.${h.unit}.${h.key}`, h.value);
    root.set("hints", m);
  }
  doc.contents = root;
  if (title) doc.commentBefore = ` ${title}`;
  return doc.toString({ lineWidth: 0 });
}

function flowSeq(items: readonly string[]): YAMLSeq {
  const s = new YAMLSeq();
  s.flow = true;
  for (const i of items) s.add(i);
  return s;
}
