import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KernelError } from "../../src/errno/kernel_error.js";
import { expectKernelError, kernelErrorOf } from "../support/kernel_error.js";
import {
  IMAGE_HEADER_SIZE, NONE, WILD, decodeImage, encodeImage, readImageFile, writeImageFile, type KernelImage,
} from "../../src/image/image.js";

const sample: KernelImage = {
  ident: "GENERIC",
  machine: "i386",
  cpus: ["I586_CPU"],
  maxusers: 10,
  options: [{ name: "INET" }, { name: "HZ", value: "100" }, { name: "INCLUDE_CONFIG_FILE" }],
  configText: "ident GENERIC\n# é\n",
  kernel: { name: "kernel", root: "wd0", swap: ["wd0", "wd1"], dumps: "wd0" },
  devices: [
    { kind: "device", driver: "sio", unit: 0, at: "isa?", port: 0x3f8, portName: "IO_COM1", portSize: 8, irq: 4, drq: NONE, iomem: NONE, iosize: NONE, flags: 0x10, enabled: true, conflicts: false, drive: NONE, target: NONE, lun: NONE, bus: NONE, source: "config", module: "sio" },
    { kind: "device", driver: "lpt", unit: 0, at: "isa?", port: WILD, portName: "", portSize: 8, irq: WILD, drq: NONE, iomem: NONE, iosize: NONE, flags: 0, enabled: false, conflicts: true, drive: NONE, target: NONE, lun: NONE, bus: NONE, source: "hints", module: "" },
    { kind: "disk", driver: "wd", unit: 1, at: "wdc0", port: NONE, portName: "", portSize: NONE, irq: NONE, drq: NONE, iomem: NONE, iosize: NONE, flags: 0xffffffff, enabled: true, conflicts: false, drive: 1, target: 2, lun: 3, bus: 4, source: "config", module: "wd" },
  ],
  pseudoDevices: [{ name: "pty", count: 16 }],
  modules: [{ name: "hello", path: "/m/hello.ko" }],
  hints: [{ driver: "sio", unit: 0, key: "at", value: "isa" }],
  object: Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
};

/** Re-seal a modified payload with a correct checksum and length, to reach the inner checks. */
function reseal(bytes: Uint8Array, payload: Uint8Array, nsections?: number): Uint8Array {
  const out = new Uint8Array(IMAGE_HEADER_SIZE + payload.length);
  out.set(bytes.subarray(0, IMAGE_HEADER_SIZE));
  const v = new DataView(out.buffer);
  if (nsections !== undefined) v.setUint32(12, nsections, true);
  v.setUint32(16, payload.length, true);
  out.set(createHash("sha256").update(payload).digest(), 24);
  out.set(payload, IMAGE_HEADER_SIZE);
  return out;
}

function section(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, id, true);
  v.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

describe("the kernel image format", () => {
  it("round-trips every field", () => {
    expect(decodeImage(encodeImage(sample), "kernel")).toEqual(sample);
  });

  it("round-trips an image without optional sections", () => {
    const { configText: _c, kernel: _k, ...rest } = sample;
    const img: KernelImage = { ...rest, devices: [], modules: [], hints: [], pseudoDevices: [], object: new Uint8Array(0) };
    expect(decodeImage(encodeImage(img), "kernel")).toEqual(img);
  });

  it("refuses a file that is not an image (EFTYPE)", () => {
    expectKernelError(() => decodeImage(new Uint8Array(0), "k"), "EFTYPE", "not a kldsim kernel image (only 0 bytes)");
    expectKernelError(() => decodeImage(new TextEncoder().encode("machine i386\nident X\n"), "k"), "EFTYPE", "not a kldsim kernel image (bad magic)");
  });

  it("refuses the image truncated at every length", () => {
    const bytes = encodeImage(sample);
    for (let n = 0; n < bytes.length; n++) {
      const ke = kernelErrorOf(() => decodeImage(bytes.subarray(0, n), "kernel"));
      expect(ke, `truncated to ${n}`).toBeInstanceOf(KernelError);
      if (!ke) continue;
      if (n < 8) expect(ke.info.name).toBe("EFTYPE");
      else expect([ke.info.name, ke.detail]).toEqual(["ENOEXEC", expect.stringMatching(/^truncated kernel image/)]);
    }
  });

  it("detects any altered payload byte by its checksum", () => {
    const bytes = encodeImage(sample);
    for (let i = IMAGE_HEADER_SIZE; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i]! ^= 0x40;
      expectKernelError(() => decodeImage(bad, "kernel"), "ENOEXEC", "kernel image checksum mismatch: the file has been altered or damaged");
    }
    const sum = bytes.slice();
    sum[30]! ^= 1;
    expectKernelError(() => decodeImage(sum, "kernel"), "ENOEXEC", "kernel image checksum mismatch: the file has been altered or damaged");
  });

  it("refuses another format version and stray bytes", () => {
    const bytes = encodeImage(sample);
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expectKernelError(() => decodeImage(v2, "kernel"), "ENOEXEC", "unsupported kernel image format version 2 (this kldsim reads version 1)");
    const long = new Uint8Array(bytes.length + 3);
    long.set(bytes);
    expectKernelError(() => decodeImage(long, "kernel"), "ENOEXEC", "kernel image has 3 stray bytes after its payload");
  });

  it("checks the sections inside a correctly sealed payload", () => {
    const bytes = encodeImage(sample);
    const good = bytes.subarray(IMAGE_HEADER_SIZE);
    const nsec = new DataView(bytes.buffer).getUint32(12, true);
    expectKernelError(() => decodeImage(reseal(bytes, new Uint8Array([...good, ...section(99, new Uint8Array(0))]), nsec + 1), "k"), "ENOEXEC", "unknown image section id 99");
    expectKernelError(() => decodeImage(reseal(bytes, new Uint8Array([...good, ...section(1, new Uint8Array(4))]), nsec + 1), "k"), "ENOEXEC", "image section IDENT appears twice");
    expectKernelError(() => decodeImage(reseal(bytes, section(1, Uint8Array.of(1, 0, 0, 0, 65)), 1), "k"), "ENOEXEC", "image has no MAXUSERS section");
    expectKernelError(() => decodeImage(reseal(bytes, good, nsec + 1), "k"), "ENOEXEC", /^image section: section \d+ id at offset \d+ runs past/);
    // a section whose declared string length runs past its end
    const identBad = section(1, Uint8Array.of(200, 0, 0, 0, 65));
    const rest = good.subarray(8 + new DataView(good.buffer, good.byteOffset).getUint32(4, true));
    expectKernelError(() => decodeImage(reseal(bytes, new Uint8Array([...identBad, ...rest])), "k"), "ENOEXEC", "IDENT section: ident at offset 4 runs past the section's 5 bytes");
    const identJunk = section(1, Uint8Array.of(1, 0, 0, 0, 65, 66));
    expectKernelError(() => decodeImage(reseal(bytes, new Uint8Array([...identJunk, ...rest])), "k"), "ENOEXEC", "IDENT section: 1 stray bytes at its end");
    const identUtf = section(1, Uint8Array.of(1, 0, 0, 0, 0xff));
    expectKernelError(() => decodeImage(reseal(bytes, new Uint8Array([...identUtf, ...rest])), "k"), "ENOEXEC", "IDENT section: ident is not valid UTF-8");
  });

  it("never throws anything but a KernelError on random corruption", () => {
    const bytes = encodeImage(sample);
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let k = 0; k < 300; k++) {
      const payload = bytes.slice(IMAGE_HEADER_SIZE);
      for (let j = 0; j < 1 + rnd(4); j++) payload[rnd(payload.length)] = rnd(256);
      kernelErrorOf(() => decodeImage(reseal(bytes, payload), "k"));
    }
  });
});

describe("image files", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "kconfig-img-"));
    dirs.push(d);
    return d;
  };

  it("writes atomically and leaves no temporary file", () => {
    const d = tmp();
    const f = path.join(d, "kernel");
    writeImageFile(f, sample);
    writeImageFile(f, { ...sample, ident: "SECOND" });
    expect(fs.readdirSync(d)).toEqual(["kernel"]);
    expect(readImageFile(f).ident).toBe("SECOND");
  });

  it("leaves the old image in place when writing fails", () => {
    const d = tmp();
    const f = path.join(d, "kernel");
    writeImageFile(f, sample);
    fs.mkdirSync(path.join(d, "sub"));
    // renaming over a directory fails: the old directory stays, no temp file remains
    expect(() => writeImageFile(path.join(d, "sub"), sample)).toThrow(KernelError);
    expect(fs.readdirSync(d).sort()).toEqual(["kernel", "sub"]);
    expect(readImageFile(f).ident).toBe("GENERIC");
  });

  it("reports an unwritable directory and a missing file with FreeBSD errnos", () => {
    const d = tmp();
    expect(() => readImageFile(path.join(d, "nothere"))).toThrow(/No such file or directory/);
    const ro = "/sys/kernel";
    if (fs.existsSync(ro)) expect(() => writeImageFile(path.join(ro, "kernel"), sample)).toThrow(/Permission denied|Operation not permitted|Read-only/);
  });
});
