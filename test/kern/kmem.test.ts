import { describe, expect, it } from "vitest";
import { KernelError } from "../../src/errno/kernel_error.js";
import { KernelMap } from "../../src/kern/kmem.js";
import { expectKernelError } from "../support/kernel_error.js";

const PAGE = 4096;
const map = () => new KernelMap(0x100000, 0x100000 + 16 * PAGE, PAGE);

describe("kernel map (first fit)", () => {
  it("hands out page-aligned runs in address order, at least one page each", () => {
    const m = map();
    expect(m.allocate(0, "a")).toBe(0x100000);
    expect(m.allocate(1, "b")).toBe(0x101000);
    expect(m.allocate(PAGE + 1, "c")).toBe(0x102000);
    expect(m.stats()).toMatchObject({ totalPages: 16, usedPages: 4, freePages: 12, largestFreeRun: 12, fragmentation: 0 });
  });

  it("reuses the first hole that fits and reports fragmentation", () => {
    const m = map();
    const a = m.allocate(PAGE, "a");
    const b = m.allocate(3 * PAGE, "b");
    m.allocate(PAGE, "c");
    m.free(b);
    expect(m.allocate(4 * PAGE, "big")).toBe(0x105000); // does not fit b's 3-page hole
    expect(m.allocate(2 * PAGE, "d")).toBe(b);
    const st = m.stats();
    expect(st.freeExtents.map((e) => [e.start, e.pages])).toEqual([[0x103000, 1], [0x109000, 7]]);
    expect(st.fragmentation).toBeCloseTo(1 - 7 / 8);
    expect(m.extents().map((e) => e.owner)).toEqual(["a", "d", null, "c", "big", null]);
    m.free(a);
    expect(m.lookup(a)).toBeUndefined();
  });

  it("refuses with ENOMEM naming the largest free run when nothing fits", () => {
    const m = map();
    m.allocate(10 * PAGE, "a");
    const ke = expectKernelError(() => m.allocate(7 * PAGE, "huge.ko"), "ENOMEM", "kmem: no run of 7 free pages in the kernel map (largest free run 6 pages)");
    expect(ke.subject).toBe("huge.ko");
  });

  it("rejects a bad size and a free of an address it never gave out", () => {
    const m = map();
    expect(() => m.allocate(-1, "x")).toThrow(KernelError);
    expect(() => m.allocate(Number.NaN, "x")).toThrow(KernelError);
    expect(() => m.free(0x100000)).toThrow(/unallocated/);
  });
});
