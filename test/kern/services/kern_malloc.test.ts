import { describe, expect, it } from "vitest";
import { KernelMalloc } from "../../../src/kern/services/kern_malloc.js";
import { KernelPanic } from "../../../src/kern/services/kern_shutdown.js";
import { M_MAGIC, M_NOWAIT, M_WAITOK, M_ZERO } from "../../../src/sys/sys_constants.js";
import { MALLOC_BASE, MEMORY_BYTES } from "../../../src/kern/vm_layout.js";
import { fakeKernel, placeKernelData, type FakeKernel } from "./fake_env.js";

/** Lay out a struct malloc_type the way MALLOC_DEFINE does. */
function mallocType(k: FakeKernel, shortdesc: string, magic = M_MAGIC): number {
  const t = k.scratch(16);
  const dv = new DataView(k.env.memory.buffer);
  dv.setUint32(t, 0, true);
  dv.setUint32(t + 4, magic, true);
  dv.setUint32(t + 8, k.cstr(shortdesc), true);
  dv.setUint32(t + 12, 0, true);
  return t;
}

function panicOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof KernelPanic) return e.panicMessage;
    throw e;
  }
  throw new Error("no panic");
}

describe("malloc", () => {
  it("returns 16-byte aligned blocks inside the arena", () => {
    const k = fakeKernel();
    const t = mallocType(k, "align");
    for (const size of [0, 1, 15, 16, 17, 100, 4096, 5000]) {
      const a = k.call("malloc", size, t, M_WAITOK) >>> 0;
      expect(a % 16).toBe(0);
      expect(a).toBeGreaterThanOrEqual(MALLOC_BASE);
      expect(a + size).toBeLessThanOrEqual(MEMORY_BYTES);
    }
  });
  it("hands out non-overlapping blocks", () => {
    const k = fakeKernel();
    const t = mallocType(k, "overlap");
    const blocks = [24, 1, 300, 16, 77].map((n) => [k.call("malloc", n, t, M_WAITOK) >>> 0, n] as const);
    const sorted = [...blocks].sort((x, y) => x[0] - y[0]);
    for (let j = 1; j < sorted.length; j++) {
      const [prevAddr, prevSize] = sorted[j - 1] as readonly [number, number];
      expect((sorted[j] as readonly [number, number])[0]).toBeGreaterThanOrEqual(prevAddr + prevSize);
    }
  });
  it("M_ZERO zeroes; without it the block holds 0xdeadc0de junk", () => {
    const k = fakeKernel();
    const t = mallocType(k, "zero");
    const a = k.call("malloc", 64, t, M_WAITOK) >>> 0;
    expect(k.readI32(a) >>> 0).toBe(0xdeadc0de);
    k.mem().fill(0x55, a, a + 64);
    k.call("free", a, t);
    const b = k.call("malloc", 64, t, M_WAITOK | M_ZERO) >>> 0;
    expect(b).toBe(a); // first fit reuses the block just freed
    expect([...k.mem().subarray(b, b + 64)].every((x) => x === 0)).toBe(true);
  });
  it("coalesces freed neighbours into one extent", () => {
    const k = fakeKernel();
    const km = k.env.malloc;
    const t = mallocType(k, "coalesce");
    const start = km.arena();
    const a = k.call("malloc", 1000, t, M_WAITOK);
    const b = k.call("malloc", 1000, t, M_WAITOK);
    const c = k.call("malloc", 1000, t, M_WAITOK);
    const d = k.call("malloc", 1000, t, M_WAITOK);
    k.call("free", a, t);
    k.call("free", c, t);
    expect(km.arena().freeExtents).toBe(3); // a, c, tail
    k.call("free", b, t); // a+b+c merge
    expect(km.arena().freeExtents).toBe(2);
    // a block of 3000 bytes now fits where a, b and c were
    expect(k.call("malloc", 3000, t, M_WAITOK)).toBe(a);
    k.call("free", a, t);
    k.call("free", d, t);
    expect(km.arena()).toEqual(start);
  });
  it("M_NOWAIT returns NULL when out of memory; M_WAITOK panics", () => {
    const k = fakeKernel();
    const km = new KernelMalloc(k.env.memory, MALLOC_BASE, MALLOC_BASE + 1024);
    const t = mallocType(k, "small");
    const a = km.allocate(k.env, 1000, t, M_WAITOK);
    expect(a).toBe(MALLOC_BASE);
    expect(km.allocate(k.env, 100, t, M_NOWAIT)).toBe(0);
    expect(panicOf(() => km.allocate(k.env, 100, t, M_WAITOK))).toBe(
      "kmem_malloc(100): kmem_map too small: 1008 total allocated",
    );
    expect(k.console).toEqual(["panic: kmem_malloc(100): kmem_map too small: 1008 total allocated\n"]);
    km.release(k.env, a, t);
    expect(km.allocate(k.env, 1024, t, M_NOWAIT)).toBe(MALLOC_BASE);
  });
  it("a request larger than the whole arena fails cleanly", () => {
    const k = fakeKernel();
    const t = mallocType(k, "huge");
    expect(k.call("malloc", -1, t, M_NOWAIT)).toBe(0);
    expect(panicOf(() => k.call("malloc", 0x7fffffff, t, M_WAITOK))).toMatch(/^kmem_malloc\(2147483647\)/);
  });
});

describe("free", () => {
  it("free(NULL) does nothing", () => {
    const k = fakeKernel();
    expect(() => k.call("free", 0, mallocType(k, "null"))).not.toThrow();
  });
  it("detects a double free", () => {
    const k = fakeKernel();
    const t = mallocType(k, "twice");
    const a = k.call("malloc", 32, t, M_WAITOK);
    k.call("free", a, t);
    expect(panicOf(() => k.call("free", a, t))).toBe(
      `free: duplicate free of 0x${(a >>> 0).toString(16)} (type twice)`,
    );
  });
  it("detects a pointer that malloc never returned", () => {
    const k = fakeKernel();
    const t = mallocType(k, "bad");
    const a = k.call("malloc", 64, t, M_WAITOK);
    expect(panicOf(() => k.call("free", a + 16, t))).toBe(
      `free: address 0x${(a + 16).toString(16)} has not been allocated`,
    );
    expect(panicOf(() => k.call("free", 0x1000, t))).toBe("free: address 0x1000 has not been allocated");
  });
  it("fills freed memory with junk so use after free shows", () => {
    const k = fakeKernel();
    const t = mallocType(k, "uaf");
    const a = k.call("malloc", 16, t, M_WAITOK | M_ZERO);
    k.call("free", a, t);
    expect(k.readI32(a) >>> 0).toBe(0xdeadc0de);
  });
});

describe("realloc", () => {
  it("keeps the contents when growing, and the pointer when shrinking a little", () => {
    const k = fakeKernel();
    const t = mallocType(k, "realloc");
    const a = k.call("malloc", 32, t, M_WAITOK);
    k.mem().set([1, 2, 3, 4], a);
    k.call("malloc", 16, t, M_WAITOK); // block the neighbour so growth must move
    const b = k.call("realloc", a, 256, t, M_WAITOK);
    expect(b).not.toBe(a);
    expect([...k.mem().subarray(b, b + 4)]).toEqual([1, 2, 3, 4]);
    expect(k.call("realloc", b, 200, t, M_WAITOK)).toBe(b);
    expect(k.env.malloc.stats().find((s) => s.type === "realloc")).toMatchObject({ inUse: 2 });
  });
  it("realloc(NULL, n) is malloc; a failed M_NOWAIT realloc leaves the block alone", () => {
    const k = fakeKernel();
    const t = mallocType(k, "realloc2");
    const a = k.call("realloc", 0, 10, t, M_WAITOK);
    expect(a).not.toBe(0);
    expect(k.call("realloc", a, 0x7ffffff0, t, M_NOWAIT)).toBe(0);
    expect(() => k.call("free", a, t)).not.toThrow();
  });
  it("reallocf frees the block when it fails", () => {
    const k = fakeKernel();
    const t = mallocType(k, "reallocf");
    const a = k.call("malloc", 10, t, M_WAITOK);
    expect(k.call("reallocf", a, 0x7ffffff0, t, M_NOWAIT)).toBe(0);
    expect(k.env.malloc.stats().find((s) => s.type === "reallocf")).toMatchObject({ inUse: 0 });
  });
});

describe("malloc types", () => {
  it("counts requests, allocations and bytes in use per type (vmstat -m)", () => {
    const k = fakeKernel();
    const t = mallocType(k, "mytype");
    k.call("malloc_init", t);
    const a = k.call("malloc", 100, t, M_WAITOK);
    k.call("malloc", 10, t, M_WAITOK);
    k.call("free", a, t);
    k.call("malloc", 1, t, M_WAITOK);
    expect(k.env.malloc.stats()).toContainEqual({
      address: t,
      type: "mytype",
      inUse: 2,
      memUse: 32,
      requests: 3,
    });
  });
  it("malloc_uninit with allocations outstanding prints FreeBSD's leak warning and frees them", () => {
    const k = fakeKernel();
    const km = k.env.malloc;
    const before = km.arena();
    const t = mallocType(k, "leaky");
    k.call("malloc_init", t);
    k.call("malloc", 100, t, M_WAITOK);
    k.call("malloc", 20, t, M_WAITOK);
    k.call("malloc_uninit", t);
    expect(k.console).toEqual([
      "Warning: memory type leaky leaked memory on destroy (2 allocations, 144 bytes leaked).\n",
    ]);
    expect(km.arena()).toEqual(before);
    expect(k.env.malloc.stats().some((s) => s.type === "leaky")).toBe(false);
  });
  it("malloc_uninit of a clean type prints nothing", () => {
    const k = fakeKernel();
    const t = mallocType(k, "clean");
    k.call("malloc_init", t);
    k.call("free", k.call("malloc", 8, t, M_WAITOK), t);
    k.call("malloc_uninit", t);
    expect(k.console).toEqual([]);
  });
  it("rejects a struct without M_MAGIC and a NULL type", () => {
    const k = fakeKernel();
    const bogus = mallocType(k, "bogus", 12345);
    expect(panicOf(() => k.call("malloc", 8, bogus, M_WAITOK))).toBe(
      `malloc: bad malloc type magic at 0x${bogus.toString(16)}`,
    );
    expect(panicOf(() => k.call("malloc_init", 0))).toBe("malloc_init: bad malloc type pointer 0x0");
  });
  it("a ks_shortdesc pointing outside memory is refused with a panic, not a crash", () => {
    const k = fakeKernel();
    const t = mallocType(k, "x");
    new DataView(k.env.memory.buffer).setUint32(t + 8, MEMORY_BYTES + 5, true);
    expect(panicOf(() => k.call("malloc_init", t))).toMatch(/bad ks_shortdesc/);
  });
  it("M_DEVBUF, M_TEMP and M_CACHE are kernel data carrying their names", () => {
    const k = fakeKernel();
    const placed = placeKernelData(k);
    const temp = placed.get("M_TEMP") as number;
    k.call("malloc", 48, temp, M_WAITOK);
    const names = k.env.malloc.stats().map((s) => s.type);
    expect(names).toEqual(expect.arrayContaining(["devbuf", "temp", "cache"]));
    expect(k.env.malloc.stats().find((s) => s.type === "temp")).toMatchObject({ inUse: 1, memUse: 48 });
  });
});
