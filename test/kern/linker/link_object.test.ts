import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readObject } from "../../../src/wasmobj/wasm_object.js";
import { CLANG, NO_CLANG_REASON, compileC } from "../../support/clang.js";
import { sectionBoundaries } from "../../fixtures/objects/tiny_object.js";
import { BareKernel } from "../../support/bare_kernel.js";
import { expectKernelError, kernelErrorOf } from "../../support/kernel_error.js";
import { scratchDir } from "../../support/scratch.js";

/** Start of the section header whose payload (after a custom section's name) starts at `payload`. */
function headerStart(bytes: Uint8Array, payload: number): number {
  const starts = sectionBoundaries(bytes);
  for (let i = 0; i + 1 < starts.length; i++) if (payload > starts[i]! && payload <= starts[i + 1]!) return starts[i]!;
  throw new Error(`no section holds offset ${payload}`);
}

const A = `
int a_counter = 42;
static int a_static[4] = {1,2,3,4};
int a_bss[100];
const char *a_name = "module-A";
int a_add(int x, int y) { return x + y + a_counter; }
static int helper(int x) { return x * 2; }
int (*a_fp)(int) = helper;
struct ops { int (*f)(int, int); const char *n; };
struct ops a_ops = { a_add, "ops" };
extern int kputs(const char *);
extern int weak_missing(int) __attribute__((weak));
extern int weak_data __attribute__((weak));
static void const * const __set_foo_sym_a __attribute__((section("set_foo"), used)) = &a_counter;
static void const * const __set_foo_sym_b __attribute__((section("set_foo"), used)) = &a_static;
extern void *__start_set_foo, *__stop_set_foo;
extern void *__start_set_none, *__stop_set_none;
int count_foo(void) { return (int)(&__stop_set_foo - &__start_set_foo); }
int count_none(void) { return (int)(&__stop_set_none - &__start_set_none); }
int call_weak(void) { return weak_missing ? weak_missing(1) : -1; }
int weak_addr(void) { return (int)&weak_data; }
int use(void) { kputs(a_name); return a_fp(a_static[2]); }
int bss_sum(void) { int s = 0; for (int i = 0; i < 100; i++) s += a_bss[i]; return s; }
`;

const B = `
struct ops { int (*f)(int, int); const char *n; };
extern struct ops a_ops;
extern int a_add(int, int);
extern int a_counter;
int *b_ptr = &a_counter;
struct ops b_ops = { a_add, "b" };
int b_call(int x) { return a_ops.f(x, 1) + b_ops.f(x, 2); }
int b_same(void) { return b_ops.f == a_ops.f; }
int b_counter_via_ptr(void) { return *b_ptr; }
`;

describe.skipIf(!CLANG)(`linkObject (clang: ${CLANG ?? NO_CLANG_REASON})`, () => {
  for (const opt of ["-O0", "-O2"]) {
    test(`runs a linked object ${opt}: data, bss, strings, function pointers, sets, weak`, () => {
      const k = new BareKernel();
      const a = k.load(readObject(compileC(A, opt), "a.o"));
      expect(k.call(a, "a_add", 3, 4)).toBe(49);
      expect(k.call(a, "use")).toBe(6);
      expect(k.output).toEqual(["module-A"]);
      expect(k.call(a, "count_foo")).toBe(2);
      expect(k.call(a, "count_none")).toBe(0);
      expect(k.call(a, "call_weak")).toBe(-1);
      expect(k.call(a, "weak_addr")).toBe(0);
      expect(k.call(a, "bss_sum")).toBe(0);
      const counter = a.symbols.get("a_counter")!;
      expect(counter.kind).toBe("data");
      expect(k.u32(counter.address)).toBe(42);
      const set = a.sets.get("foo")!;
      expect(set.stop - set.start).toBe(8);
      expect(k.u32(set.start)).toBe(counter.address);
      // a_ops = { a_add, "ops" }: the function pointer is a_add's table slot.
      const ops = a.symbols.get("a_ops")!;
      expect(k.u32(ops.address)).toBe(a.symbols.get("a_add")!.address);
      expect(k.cstr(k.u32(ops.address + 4))).toBe("ops");
      expect(a.localFunctionNames).toContain("helper");
      expect(a.symbols.has("helper")).toBe(false);
    });

    test(`function pointers and data pointers across two objects ${opt}`, () => {
      const k = new BareKernel();
      const a = k.load(readObject(compileC(A, opt), "a.o"));
      const b = k.load(readObject(compileC(B, opt), "b.o"));
      expect(k.call(b, "b_call", 10)).toBe(10 + 1 + 42 + 10 + 2 + 42);
      expect(k.call(b, "b_same")).toBe(1);
      expect(k.call(b, "b_counter_via_ptr")).toBe(42);
      expect(k.u32(b.symbols.get("b_ptr")!.address)).toBe(a.symbols.get("a_counter")!.address);
    });
  }

  for (const flags of [["-mreference-types"], ["-g"], ["-mbulk-memory"], ["-mcpu=mvp"], ["-O1", "-mreference-types", "-g"]]) {
    test(`objects built with ${flags.join(" ")} link and run`, () => {
      const k = new BareKernel();
      const a = k.load(readObject(compileC(A, "-O2", flags), "a.o"));
      const b = k.load(readObject(compileC(B, "-O0", flags), "b.o"));
      expect(k.call(a, "use")).toBe(6);
      expect(k.call(a, "count_foo")).toBe(2);
      expect(k.call(b, "b_call", 10)).toBe(107);
      expect(k.call(b, "b_same")).toBe(1);
      // Debug sections and their relocations are dropped from the final module.
      expect(WebAssembly.Module.customSections(new WebAssembly.Module(a.moduleBytes), ".debug_info")).toHaveLength(0);
    });
  }

  const ld = CLANG?.replace(/clang(-\d+)?$/, "wasm-ld$1");
  const noLd = ld && existsSync(ld) ? "" : ` (skipped: no ${ld ?? "wasm-ld"} beside clang)`;
  test.skipIf(noLd)(`wasm-ld -r output (a defined memory, a name section) links too${noLd}`, () => {
    const dir = mkdtempSync(join(scratchDir("wasm-ld"), "ab"));
    writeFileSync(join(dir, "a.o"), compileC(A));
    writeFileSync(join(dir, "b.o"), compileC(B));
    execFileSync(ld!, ["-r", join(dir, "a.o"), join(dir, "b.o"), "-o", join(dir, "ab.o")]);
    const obj = readObject(new Uint8Array(readFileSync(join(dir, "ab.o"))), "ab.o");
    expect(obj.memoryImported).toBe(false);
    const k = new BareKernel();
    const ab = k.load(obj);
    expect(k.call(ab, "b_call", 10)).toBe(107);
    expect(k.call(ab, "count_foo")).toBe(2);
  });

  test("a weak function that is defined is called, and its address is its slot", () => {
    const k = new BareKernel();
    k.load(readObject(compileC("int weak_missing(int x) { return x + 100; }"), "w.o"));
    const a = k.load(readObject(compileC(A), "a.o"));
    expect(k.call(a, "call_weak")).toBe(101);
  });

  test("calling an unresolved weak function traps; its address is NULL", () => {
    const k = new BareKernel();
    const o = k.load(readObject(compileC("extern int maybe(int) __attribute__((weak)); int direct(void) { return maybe(1); } int addr(void) { return (int)maybe; }"), "w.o"));
    expect(k.call(o, "addr")).toBe(0);
    expect(() => k.call(o, "direct")).toThrow(WebAssembly.RuntimeError);
  });

  test("a clang object cut at any section boundary is refused or loses nothing it needs", () => {
    const full = compileC(A);
    const obj = readObject(full, "a.o");
    for (const s of obj.sections) {
      // The byte where section s begins: walk back over its header.
      const cut = full.subarray(0, headerStart(full, s.start));
      const refused = kernelErrorOf(() => readObject(cut, "cut.o")) !== undefined;
      // Only the trailing producers / target_features may go without harm.
      expect(refused, `cut before ${s.name}`).toBe(!["producers", "target_features"].includes(s.name));
    }
  });

  test("weak data resolved by the kernel", () => {
    const k = new BareKernel();
    k.hostData.set("weak_data", 0x1234);
    const a = k.load(readObject(compileC(A), "a.o"));
    expect(k.call(a, "weak_addr")).toBe(0x1234);
  });

  test("an undefined function fails with ENOENT and gives back its table slots", () => {
    const k = new BareKernel();
    k.host.delete("kputs");
    const before = k.table.length;
    expectKernelError(() => k.load(readObject(compileC(A), "a.o")), "ENOENT", "symbol kputs undefined");
    expect(k.freeSlots.length).toBe(k.table.length - before);
  });

  test("an undefined data symbol with no definition fails naming it", () => {
    const k = new BareKernel();
    const o = readObject(compileC("extern int nowhere; int f(void) { return nowhere; }"), "u.o");
    expect(() => k.load(o)).toThrow(expect.objectContaining({ detail: "symbol nowhere undefined" }));
  });

  test("a prototype mismatch between files is ENOEXEC naming the symbol, and unwinds", () => {
    const k = new BareKernel();
    k.load(readObject(compileC("int g(int a, int b) { return a + b; }"), "g.o"));
    const o = readObject(compileC("extern long long g(long long); long long h(void) { return g(1); } int (*p)(void) = (int(*)(void))h;"), "h.o");
    const slotsBefore = k.freeSlots.length;
    const tableBefore = k.table.length;
    expect(() => k.load(o)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/^symbol g: .*does not match/) }));
    expect(k.freeSlots.length - slotsBefore).toBe(k.table.length - tableBefore);
  });

  test("init functions run in priority order", () => {
    const k = new BareKernel();
    const src = `
      extern int kputs(const char *);
      __attribute__((constructor(200))) static void second(void) { kputs("second"); }
      __attribute__((constructor(101))) static void first(void) { kputs("first"); }`;
    const o = k.load(readObject(compileC(src, "-O0"), "c.o"));
    expect(k.output).toEqual([]);
    o.runInitFunctions();
    expect(k.output).toEqual(["first", "second"]);
  });

  test("a trap shows the C function name in the stack", () => {
    const k = new BareKernel();
    const o = k.load(readObject(compileC("int crash_here(void) { __builtin_trap(); }"), "t.o"));
    let stack = "";
    try {
      k.call(o, "crash_here");
    } catch (e) {
      stack = (e as Error).stack ?? "";
    }
    expect(stack).toMatch(/crash_here/);
  });

  test("loading at different bases gives different code and the same behaviour", () => {
    const k = new BareKernel();
    const obj = readObject(compileC(A), "a.o");
    const one = k.load(obj);
    const two = k.load(obj);
    expect(Buffer.from(one.moduleBytes).equals(Buffer.from(two.moduleBytes))).toBe(false);
    expect(k.call(two, "a_add", 1, 1)).toBe(44);
  });
});
