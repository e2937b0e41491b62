/**
 * The kldsim kernel image file (`compile/GENERIC/kernel`): what `kconfig`
 * writes and `kld boot` reads.
 *
 * Written by build_image.ts, read by the boot code and `kconfig --show`.  It
 * stands where FreeBSD's linked ELF kernel stands: the statically linked
 * modules as one wasm relocatable object (merged with the object library's
 * ld -r), plus what config(8) generated into C files and compiled in —
 * ioconf.c's device table, the options (opt_*.h), the identification
 * (vers.c), maxusers (param.c) and the config text (config.c under
 * INCLUDE_CONFIG_FILE).
 *
 * Layout (all integers little-endian):
 *
 *     0  magic      8 bytes "\x7fKLDKRN\0"
 *     8  version    u32 (IMAGE_VERSION)
 *    12  nsections  u32
 *    16  length     u32  payload bytes
 *    20  reserved   u32  0
 *    24  sha256     32 bytes, over the payload
 *    56  payload    nsections x { u32 id, u32 length, bytes }
 *
 * Strings are u32 length + UTF-8.  In the device table NONE (-1) means "not
 * given" and WILD (-2) means `?`.  The reader checks the magic (EFTYPE: not
 * an image at all), then the version, the length and the checksum, then
 * every section and field against its bounds (ENOEXEC: an image, but
 * damaged), so a truncated or altered file is refused with the reason.
 * The file is written atomically: a temporary file in the same directory,
 * fsync, then rename, so a reader never sees half an image.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readHostFile } from "../errno/host_file.js";
import { KernelError, hostFileError } from "../errno/kernel_error.js";

/** The kind word of a device line (`device`, `controller`, `disk`, ...), kept in each ioconf row. */
export type DeviceKind = "device" | "controller" | "disk" | "tape" | "master";
export const DEVICE_KINDS: readonly DeviceKind[] = ["device", "controller", "disk", "tape", "master"];

export const IMAGE_MAGIC: Uint8Array = Uint8Array.from([0x7f, 0x4b, 0x4c, 0x44, 0x4b, 0x52, 0x4e, 0x00]);
export const IMAGE_VERSION = 1;
export const IMAGE_HEADER_SIZE = 56;

export const SectionKind = {
  IDENT: 1,
  MACHINE: 2,
  MAXUSERS: 3,
  OPTIONS: 4,
  CONFIG_TEXT: 5,
  IOCONF: 6,
  MODULES: 7,
  HINTS: 8,
  OBJECT: 9,
  KERNEL: 10,
  PSEUDO_DEVICES: 11,
  MODULE_SEGMENTS: 12,
} as const;
const SECTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SectionKind).map(([k, v]) => [v, k]));
const REQUIRED = [SectionKind.IDENT, SectionKind.MAXUSERS, SectionKind.OPTIONS, SectionKind.IOCONF, SectionKind.MODULES, SectionKind.OBJECT];

/** "Not given" in numeric device-table fields. */
export const NONE = -1;
/** `?` in numeric device-table fields. */
export const WILD = -2;

/** One row of the device instance table (ioconf), in configuration order. */
export interface IoconfEntry {
  readonly kind: DeviceKind;
  readonly driver: string;
  readonly unit: number;
  /** `isa?`, `isa0`, `fdc0`, or "" when not attached. */
  readonly at: string;
  /** NONE, WILD or the base port. */
  readonly port: number;
  /** The IO_* name the port was given as, or "". */
  readonly portName: string;
  /** Port range size (hints portsize, or the driver's known size), NONE if unknown. */
  readonly portSize: number;
  readonly irq: number;
  readonly drq: number;
  readonly iomem: number;
  /** Memory window size (config iosiz, hints msize). */
  readonly iosize: number;
  readonly flags: number;
  readonly enabled: boolean;
  readonly conflicts: boolean;
  readonly drive: number;
  readonly target: number;
  readonly lun: number;
  readonly bus: number;
  /** Where the row came from. */
  readonly source: "config" | "hints";
  /** The static module providing the driver, "" when none (kernel bus or missing). */
  readonly module: string;
}

export interface ImageModule {
  readonly name: string;
  /** The .ko file it was linked from, as found on the module path. */
  readonly path: string;
}

export interface KernelImage {
  readonly ident: string;
  readonly machine: string;
  readonly cpus: readonly string[];
  readonly maxusers: number;
  readonly options: readonly { readonly name: string; readonly value?: string }[];
  /** The configuration text (present with options INCLUDE_CONFIG_FILE). */
  readonly configText?: string;
  readonly kernel?: { readonly name: string; readonly root?: string; readonly swap: readonly string[]; readonly dumps?: string };
  readonly devices: readonly IoconfEntry[];
  readonly pseudoDevices: readonly { readonly name: string; readonly count: number }[];
  /** Static modules in link order (dependencies first). */
  readonly modules: readonly ImageModule[];
  readonly hints: readonly { readonly driver: string; readonly unit: number; readonly key: string; readonly value: string }[];
  /** The static modules merged into one wasm relocatable object (empty without modules). */
  readonly object: Uint8Array;
  /**
   * How many non-`set_*` data segments each static module contributed to
   * `object`, in `modules` order.  ld -r keeps those segments in input order,
   * so the boot code can tell which module a SYSINIT or metadata record
   * belongs to (src/kern/linker/boot_inits.ts).  Absent in images without modules.
   */
  readonly moduleSegments?: readonly number[];
}

// The on-disk kind byte is the index in DEVICE_KINDS: never reorder it.
const KINDS = DEVICE_KINDS;
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });

class Writer {
  private chunks: Uint8Array[] = [];
  private len = 0;
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.len += b.length;
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.bytes(b);
  }
  i32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.bytes(b);
  }
  u8(v: number): void {
    this.bytes(Uint8Array.of(v));
  }
  str(s: string): void {
    const b = UTF8_ENCODER.encode(s);
    this.u32(b.length);
    this.bytes(b);
  }
  blob(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array, private readonly file: string, private readonly what: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new KernelError("ENOEXEC", this.file, `${this.what} section: ${field} at offset ${this.pos} runs past the section's ${this.buf.length} bytes`);
    }
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(field: string): number {
    this.need(4, field);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }
  bool(field: string): boolean {
    const v = this.u8(field);
    if (v > 1) throw new KernelError("ENOEXEC", this.file, `${this.what} section: ${field} is ${v}, not 0 or 1`);
    return v === 1;
  }
  blob(field: string): Uint8Array {
    const n = this.u32(`${field} length`);
    this.need(n, field);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str(field: string): string {
    try {
      return UTF8_DECODER.decode(this.blob(field));
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError("ENOEXEC", this.file, `${this.what} section: ${field} is not valid UTF-8`);
    }
  }
  count(field: string, minEntrySize: number): number {
    const n = this.u32(field);
    if (n * minEntrySize > this.buf.length - this.pos) {
      throw new KernelError("ENOEXEC", this.file, `${this.what} section: ${field} ${n} does not fit in the section`);
    }
    return n;
  }
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new KernelError("ENOEXEC", this.file, `${this.what} section: ${this.buf.length - this.pos} stray bytes at its end`);
    }
  }
}

/** Serialize an image (header, checksum, sections). */
export function encodeImage(img: KernelImage): Uint8Array {
  const sections: [number, Uint8Array][] = [];
  const sec = (id: number, fill: (w: Writer) => void): void => {
    const w = new Writer();
    fill(w);
    sections.push([id, w.finish()]);
  };
  sec(SectionKind.IDENT, (w) => w.str(img.ident));
  sec(SectionKind.MACHINE, (w) => {
    w.str(img.machine);
    w.u32(img.cpus.length);
    for (const c of img.cpus) w.str(c);
  });
  sec(SectionKind.MAXUSERS, (w) => w.u32(img.maxusers));
  sec(SectionKind.OPTIONS, (w) => {
    w.u32(img.options.length);
    for (const o of img.options) {
      w.str(o.name);
      w.u8(o.value !== undefined ? 1 : 0);
      if (o.value !== undefined) w.str(o.value);
    }
  });
  if (img.configText !== undefined) sec(SectionKind.CONFIG_TEXT, (w) => w.str(img.configText!));
  if (img.kernel) {
    const k = img.kernel;
    sec(SectionKind.KERNEL, (w) => {
      w.str(k.name);
      w.str(k.root ?? "");
      w.u32(k.swap.length);
      for (const s of k.swap) w.str(s);
      w.str(k.dumps ?? "");
    });
  }
  sec(SectionKind.IOCONF, (w) => {
    w.u32(img.devices.length);
    for (const d of img.devices) {
      w.u8(KINDS.indexOf(d.kind));
      w.str(d.driver);
      w.i32(d.unit);
      w.str(d.at);
      w.i32(d.port);
      w.str(d.portName);
      for (const v of [d.portSize, d.irq, d.drq, d.iomem, d.iosize]) w.i32(v);
      w.u32(d.flags);
      w.u8(d.enabled ? 1 : 0);
      w.u8(d.conflicts ? 1 : 0);
      for (const v of [d.drive, d.target, d.lun, d.bus]) w.i32(v);
      w.u8(d.source === "hints" ? 1 : 0);
      w.str(d.module);
    }
  });
  sec(SectionKind.PSEUDO_DEVICES, (w) => {
    w.u32(img.pseudoDevices.length);
    for (const p of img.pseudoDevices) {
      w.str(p.name);
      w.u32(p.count);
    }
  });
  sec(SectionKind.MODULES, (w) => {
    w.u32(img.modules.length);
    for (const m of img.modules) {
      w.str(m.name);
      w.str(m.path);
    }
  });
  sec(SectionKind.HINTS, (w) => {
    w.u32(img.hints.length);
    for (const h of img.hints) {
      w.str(h.driver);
      w.u32(h.unit);
      w.str(h.key);
      w.str(h.value);
    }
  });
  sec(SectionKind.OBJECT, (w) => w.blob(img.object));
  if (img.moduleSegments !== undefined) {
    const counts = img.moduleSegments;
    sec(SectionKind.MODULE_SEGMENTS, (w) => {
      w.u32(counts.length);
      for (const c of counts) w.u32(c);
    });
  }

  const pw = new Writer();
  for (const [id, body] of sections) {
    pw.u32(id);
    pw.blob(body);
  }
  const payload = pw.finish();
  const out = new Uint8Array(IMAGE_HEADER_SIZE + payload.length);
  const view = new DataView(out.buffer);
  out.set(IMAGE_MAGIC, 0);
  view.setUint32(8, IMAGE_VERSION, true);
  view.setUint32(12, sections.length, true);
  view.setUint32(16, payload.length, true);
  view.setUint32(20, 0, true);
  out.set(createHash("sha256").update(payload).digest(), 24);
  out.set(payload, IMAGE_HEADER_SIZE);
  return out;
}

/** True when `bytes` starts with the image magic (a cheap "is this my format?"). */
export function isKernelImage(bytes: Uint8Array): boolean {
  return bytes.length >= IMAGE_MAGIC.length && IMAGE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parse and validate an image.
 * @throws KernelError EFTYPE when the file is not a kernel image (bad magic);
 *   ENOEXEC when it is one but truncated, altered (checksum mismatch), of
 *   another format version, or malformed inside.
 */
export function decodeImage(bytes: Uint8Array, file: string): KernelImage {
  if (!isKernelImage(bytes)) {
    throw new KernelError("EFTYPE", file, bytes.length < IMAGE_MAGIC.length ? `not a kldsim kernel image (only ${bytes.length} bytes)` : "not a kldsim kernel image (bad magic)");
  }
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new KernelError("ENOEXEC", file, `truncated kernel image: ${bytes.length} bytes, the header alone is ${IMAGE_HEADER_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== IMAGE_VERSION) {
    throw new KernelError("ENOEXEC", file, `unsupported kernel image format version ${version} (this kldsim reads version ${IMAGE_VERSION})`);
  }
  const nsections = view.getUint32(12, true);
  const length = view.getUint32(16, true);
  const have = bytes.length - IMAGE_HEADER_SIZE;
  if (have < length) throw new KernelError("ENOEXEC", file, `truncated kernel image: payload is ${have} bytes, header says ${length}`);
  if (have > length) throw new KernelError("ENOEXEC", file, `kernel image has ${have - length} stray bytes after its payload`);
  const payload = bytes.subarray(IMAGE_HEADER_SIZE);
  const sum = createHash("sha256").update(payload).digest();
  if (!sum.equals(bytes.subarray(24, 56))) {
    throw new KernelError("ENOEXEC", file, "kernel image checksum mismatch: the file has been altered or damaged");
  }
  const top = new Reader(payload, file, "image");
  const bodies = new Map<number, Uint8Array>();
  for (let i = 0; i < nsections; i++) {
    const id = top.u32(`section ${i} id`);
    const body = top.blob(`section ${i}`);
    if (!(id in SECTION_NAMES)) throw new KernelError("ENOEXEC", file, `unknown image section id ${id}`);
    if (bodies.has(id)) throw new KernelError("ENOEXEC", file, `image section ${SECTION_NAMES[id]} appears twice`);
    bodies.set(id, body);
  }
  top.end();
  for (const id of REQUIRED) {
    if (!bodies.has(id)) throw new KernelError("ENOEXEC", file, `image has no ${SECTION_NAMES[id]} section`);
  }
  const read = <T>(id: number, f: (r: Reader) => T): T => {
    const r = new Reader(bodies.get(id)!, file, SECTION_NAMES[id]!);
    const v = f(r);
    r.end();
    return v;
  };
  const ident = read(SectionKind.IDENT, (r) => r.str("ident"));
  const machine = bodies.has(SectionKind.MACHINE)
    ? read(SectionKind.MACHINE, (r) => {
        const m = r.str("machine");
        const n = r.count("cpu count", 4);
        const cpus: string[] = [];
        for (let i = 0; i < n; i++) cpus.push(r.str(`cpu ${i}`));
        return { m, cpus };
      })
    : { m: "", cpus: [] };
  const maxusers = read(SectionKind.MAXUSERS, (r) => r.u32("maxusers"));
  const options = read(SectionKind.OPTIONS, (r) => {
    const n = r.count("option count", 5);
    const out: { name: string; value?: string }[] = [];
    for (let i = 0; i < n; i++) {
      const name = r.str(`option ${i} name`);
      const has = r.bool(`option ${name} has-value`);
      out.push(has ? { name, value: r.str(`option ${name} value`) } : { name });
    }
    return out;
  });
  const configText = bodies.has(SectionKind.CONFIG_TEXT) ? read(SectionKind.CONFIG_TEXT, (r) => r.str("config text")) : undefined;
  const kernel = bodies.has(SectionKind.KERNEL)
    ? read(SectionKind.KERNEL, (r) => {
        const name = r.str("kernel name");
        const root = r.str("root device");
        const n = r.count("swap count", 4);
        const swap: string[] = [];
        for (let i = 0; i < n; i++) swap.push(r.str(`swap ${i}`));
        const dumps = r.str("dump device");
        return { name, ...(root ? { root } : {}), swap, ...(dumps ? { dumps } : {}) };
      })
    : undefined;
  const devices = read(SectionKind.IOCONF, (r) => {
    const n = r.count("device count", 60);
    const out: IoconfEntry[] = [];
    for (let i = 0; i < n; i++) {
      const k = r.u8(`device ${i} kind`);
      const kind = KINDS[k];
      if (kind === undefined) throw new KernelError("ENOEXEC", file, `IOCONF section: device ${i} has unknown kind ${k}`);
      const driver = r.str(`device ${i} driver`);
      const unit = r.i32(`${driver} unit`);
      const at = r.str(`${driver}${unit} at`);
      const port = r.i32(`${driver}${unit} port`);
      const portName = r.str(`${driver}${unit} port name`);
      const [portSize, irq, drq, iomem, iosize] = [0, 0, 0, 0, 0].map((_, j) => r.i32(`${driver}${unit} field ${j}`)) as [number, number, number, number, number];
      const flags = r.u32(`${driver}${unit} flags`);
      const enabled = r.bool(`${driver}${unit} enabled`);
      const conflicts = r.bool(`${driver}${unit} conflicts`);
      const [drive, target, lun, bus] = [0, 0, 0, 0].map((_, j) => r.i32(`${driver}${unit} wiring ${j}`)) as [number, number, number, number];
      const source = r.bool(`${driver}${unit} source`) ? "hints" : "config";
      const module = r.str(`${driver}${unit} module`);
      out.push({ kind, driver, unit, at, port, portName, portSize, irq, drq, iomem, iosize, flags, enabled, conflicts, drive, target, lun, bus, source, module });
    }
    return out;
  });
  const pseudoDevices = bodies.has(SectionKind.PSEUDO_DEVICES)
    ? read(SectionKind.PSEUDO_DEVICES, (r) => {
        const n = r.count("pseudo-device count", 8);
        const out: { name: string; count: number }[] = [];
        for (let i = 0; i < n; i++) out.push({ name: r.str(`pseudo-device ${i}`), count: r.u32(`pseudo-device ${i} count`) });
        return out;
      })
    : [];
  const modules = read(SectionKind.MODULES, (r) => {
    const n = r.count("module count", 8);
    const out: ImageModule[] = [];
    for (let i = 0; i < n; i++) out.push({ name: r.str(`module ${i} name`), path: r.str(`module ${i} path`) });
    return out;
  });
  const hints = bodies.has(SectionKind.HINTS)
    ? read(SectionKind.HINTS, (r) => {
        const n = r.count("hint count", 16);
        const out: KernelImage["hints"][number][] = [];
        for (let i = 0; i < n; i++) out.push({ driver: r.str(`hint ${i} driver`), unit: r.u32(`hint ${i} unit`), key: r.str(`hint ${i} key`), value: r.str(`hint ${i} value`) });
        return out;
      })
    : [];
  const object = read(SectionKind.OBJECT, (r) => r.blob("kernel object").slice());
  const moduleSegments = bodies.has(SectionKind.MODULE_SEGMENTS)
    ? read(SectionKind.MODULE_SEGMENTS, (r) => {
        const n = r.count("module segment count", 4);
        if (n !== modules.length) {
          throw new KernelError("ENOEXEC", file, `MODULE_SEGMENTS section: ${n} counts for ${modules.length} modules`);
        }
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(r.u32(`module ${i} segment count`));
        return out;
      })
    : undefined;
  return {
    ident, machine: machine.m, cpus: machine.cpus, maxusers, options,
    ...(configText !== undefined ? { configText } : {}),
    ...(kernel ? { kernel } : {}),
    devices, pseudoDevices, modules, hints, object,
    ...(moduleSegments !== undefined ? { moduleSegments } : {}),
  };
}

/**
 * Read and validate an image file.
 * @throws KernelError ENOENT/EACCES/EISDIR when it cannot be read, EFTYPE
 *   when it is not a regular file, EFBIG over 256 MiB; see decodeImage.
 */
export function readImageFile(file: string): KernelImage {
  return decodeImage(readHostFile(file, "image"), file);
}

/**
 * Write an image atomically: a temporary file in the same directory, fsync,
 * rename.  On any failure the temporary file is removed and the old image
 * (if any) is left as it was.
 * @throws KernelError ENOENT (no such directory), EACCES/EPERM/EROFS (not writable), ENOSPC, EIO.
 */
export function writeImageFile(file: string, img: KernelImage): void {
  const bytes = encodeImage(img);
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw hostFileError(e, (e as NodeJS.ErrnoException).path === tmp ? dir : file);
  }
}

