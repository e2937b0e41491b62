/**
 * The image's per-module segment counts, which boot uses to tell which
 * static module a SYSINIT or metadata record came from: carried through
 * encode/decode, counted by kconfig from the module objects, and refused
 * when they disagree with the module list.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeImage, encodeImage, type KernelImage } from "../../src/image/image.js";
import { buildKernel } from "../../src/config/build_image.js";
import { loadConfig } from "../../src/config/load_config.js";
import { readObject } from "../../src/wasmobj/index.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { expectKernelError } from "../support/kernel_error.js";

const base: KernelImage = {
  ident: "T",
  machine: "i386",
  cpus: [],
  maxusers: 0,
  options: [],
  devices: [],
  pseudoDevices: [],
  modules: [
    { name: "a", path: "/m/a.ko" },
    { name: "b", path: "/m/b.ko" },
  ],
  hints: [],
  object: Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
};

describe("image module segment counts", () => {
  it("survive encode and decode, and are absent when not given", () => {
    expect(decodeImage(encodeImage({ ...base, moduleSegments: [3, 5] }), "k").moduleSegments).toEqual([3, 5]);
    expect(decodeImage(encodeImage(base), "k").moduleSegments).toBeUndefined();
  });

  it("are refused when their number differs from the modules'", () => {
    expectKernelError(() => decodeImage(encodeImage({ ...base, moduleSegments: [1] }), "k"), "ENOEXEC", "MODULE_SEGMENTS section: 1 counts for 2 modules");
  });

  it("are counted by kconfig: each module's non-set_* segments, summing to the merged object's", () => {
    const dir = mkdtempSync(join(tmpdir(), "kimg-"));
    try {
      writeFileSync(join(dir, "K"), "ident K\nmodule hello\nmodule evdemo\nmodule sysinit_demo\n");
      const { image } = buildKernel(loadConfig(join(dir, "K"), { includeDirs: [] }), { dryRun: true });
      const counts = image.moduleSegments!;
      expect(counts).toHaveLength(3);
      const merged = readObject(image.object, "kernel").dataSegments.filter((s) => !s.name.startsWith("set_"));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(merged.length);
      expect(counts.every((c) => c > 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
