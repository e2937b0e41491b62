import { describe, expect, test } from "vitest";
import { mergeObjects } from "../../src/wasmobj/link_relocatable.js";
import { readObject } from "../../src/wasmobj/wasm_object.js";
import { CLANG, NO_CLANG_REASON, compileC } from "../support/clang.js";
import { BareKernel } from "../support/bare_kernel.js";

const SET = `
#define DATA_SET(set, sym) static void const * const __set_##set##_sym_##sym __attribute__((section("set_" #set), used)) = &sym
`;
const ONE = `${SET}
extern int kputs(const char *);
struct item { int v; const char *name; int (*fn)(int); };
int two_fn(int);
static int one_fn(int x) { return x + 1; }
static struct item one_a = { 1, "one-a", one_fn };
static struct item one_b = { 2, "one-b", two_fn };
DATA_SET(items, one_a);
DATA_SET(items, one_b);
int shared_counter = 7;
int weak_value(void) __attribute__((weak));
int weak_value(void) { return 1; }
extern struct item *__start_set_items, *__stop_set_items;
int sum_items(void) {
  int s = 0;
  for (struct item **p = &__start_set_items; p < &__stop_set_items; p++) s += (*p)->fn((*p)->v);
  return s;
}
int count_items(void) { return (int)(&__stop_set_items - &__start_set_items); }
int call_two(int x) { return two_fn(x) + shared_counter; }
`;
const TWO = `${SET}
struct item { int v; const char *name; int (*fn)(int); };
extern int shared_counter;
int *counter_ptr = &shared_counter;
int two_fn(int x) { return x * 10; }
static struct item two_a = { 3, "two-a", two_fn };
DATA_SET(items, two_a);
int weak_value(void) { return 2; }
int read_counter(void) { return *counter_ptr; }
`;

describe.skipIf(!CLANG)(`mergeObjects (clang: ${CLANG ?? NO_CLANG_REASON})`, () => {
  for (const opt of ["-O0", "-O2"]) {
    test(`ld -r output is a valid relocatable object that links and runs ${opt}`, () => {
      const merged = mergeObjects([
        { name: "one.o", bytes: compileC(ONE, opt) },
        { name: "two.o", bytes: compileC(TWO, opt) },
      ]);
      expect(WebAssembly.validate(new Uint8Array(merged))).toBe(true);
      const obj = readObject(merged, "m.ko");
      // The two files' set_items segments are one segment.
      expect(obj.dataSegments.filter((s) => s.name === "set_items")).toHaveLength(1);
      expect(obj.dataSegments.find((s) => s.name === "set_items")!.size).toBe(12);
      // two_fn is now defined, not imported; no producers section survives.
      expect(obj.imports.some((i) => i.field === "two_fn")).toBe(false);
      expect(obj.sections.some((s) => s.name === "producers")).toBe(false);
      const k = new BareKernel();
      const m = k.load(obj);
      expect(k.call(m, "count_items")).toBe(3);
      expect(k.call(m, "sum_items")).toBe(2 + 20 + 30);
      expect(k.call(m, "call_two", 4)).toBe(47);
      expect(k.call(m, "read_counter")).toBe(7);
      // The strong definition from two.o beats one.o's weak one.
      expect(k.call(m, "weak_value")).toBe(2);
      expect(m.sets.get("items")!.stop - m.sets.get("items")!.start).toBe(12);
    });
  }

  test("merging is deterministic and idempotent on its own output", () => {
    const inputs = [
      { name: "one.o", bytes: compileC(ONE) },
      { name: "two.o", bytes: compileC(TWO) },
    ];
    const a = mergeObjects(inputs);
    const b = mergeObjects(inputs);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const again = mergeObjects([{ name: "m.ko", bytes: a }]);
    const k = new BareKernel();
    const m = k.load(readObject(again, "again.ko"));
    expect(k.call(m, "sum_items")).toBe(52);
  });

  test("a global defined twice is an error naming both files", () => {
    expect(() =>
      mergeObjects([
        { name: "a.o", bytes: compileC("int foo(void) { return 1; }") },
        { name: "b.o", bytes: compileC("int foo(void) { return 2; }") },
      ]),
    ).toThrow(expect.objectContaining({ detail: "duplicate symbol foo: defined in a.o and b.o" }));
  });

  test("a symbol that is a function in one file and data in another is refused", () => {
    expect(() =>
      mergeObjects([
        { name: "a.o", bytes: compileC("int foo(void) { return 1; }") },
        { name: "b.o", bytes: compileC("int foo = 3;") },
      ]),
    ).toThrow(expect.objectContaining({ detail: "symbol foo is data in b.o but func in a.o" }));
  });

  test("a function with different prototypes in two files is refused naming both", () => {
    expect(() =>
      mergeObjects([
        { name: "a.o", bytes: compileC("int g(int x) { return x; }") },
        { name: "b.o", bytes: compileC("long long g(long long); long long h(void) { return g(1); }") },
      ]),
    ).toThrow(expect.objectContaining({ detail: "function g has a different prototype in b.o and a.o" }));
    expect(() =>
      mergeObjects([
        { name: "a.o", bytes: compileC("int ext(int); int a(void) { return ext(1); }") },
        { name: "b.o", bytes: compileC("double ext(double); double b(void) { return ext(1.0); }") },
      ]),
    ).toThrow(expect.objectContaining({ detail: "function ext has a different prototype in b.o and a.o" }));
  });

  test("a broken input is reported with its own name", () => {
    expect(() => mergeObjects([{ name: "junk.o", bytes: new Uint8Array([1, 2, 3, 4]) }])).toThrow(
      expect.objectContaining({ subject: "junk.o" }),
    );
  });
});
