import { describe, expect, test } from "vitest";
import { isWasmObject, readObject } from "../../src/wasmobj/wasm_object.js";
import { defaultSpec, sectionBoundaries, tinyObject, type TinySpec } from "../fixtures/objects/tiny_object.js";
import { BareKernel } from "../support/bare_kernel.js";
import { kernelErrorOf } from "../support/kernel_error.js";

function refusal(bytes: Uint8Array): { errno: string; detail: string | undefined } {
  const e = kernelErrorOf(() => readObject(bytes, "bad.o"));
  if (!e) throw new Error("readObject accepted the object");
  expect(e.subject).toBe("bad.o");
  return { errno: e.info.name, detail: e.detail };
}

const enoexec = (detail: string) => ({ errno: "ENOEXEC", detail });
const spec = defaultSpec;
const withSpec = (f: (s: TinySpec) => Partial<TinySpec>) => tinyObject(f(spec()));

describe("readObject on the hand-assembled object", () => {
  test("the valid fixture loads and runs (no compiler needed)", () => {
    const obj = readObject(tinyObject(), "tiny.o");
    expect(obj.symbols.map((s) => s.name)).toEqual(["f", "kputs", ".L.str", "ptr", ".L.str.1"]);
    const k = new BareKernel();
    const linked = k.load(obj);
    expect(k.call(linked, "f")).toBe(0);
    expect(k.output).toEqual(["hi"]);
    expect(k.cstr(k.u32(linked.symbols.get("ptr")!.address))).toBe("yo");
  });

  test("an object without target_features (clang 14's MVP default) is fine", () => {
    const obj = readObject(tinyObject({ features: [] }), "mvp.o");
    expect(obj.targetFeatures).toEqual([]);
    expect(obj.sections.some((x) => x.name === "target_features")).toBe(false);
  });

  test("the object links against a shared kernel memory too", () => {
    const k = new BareKernel({ shared: true });
    const linked = k.load(readObject(tinyObject(), "tiny.o"));
    expect(k.call(linked, "f")).toBe(0);
    expect(k.output).toEqual(["hi"]);
  });

  test("an empty file is not wasm", () => {
    expect(isWasmObject(new Uint8Array())).toBe(false);
    expect(refusal(new Uint8Array())).toEqual({ errno: "EFTYPE", detail: "empty file" });
  });

  test("an ELF file is not wasm", () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
    expect(isWasmObject(elf)).toBe(false);
    expect(refusal(elf)).toEqual({ errno: "EFTYPE", detail: "not a wasm object (bad magic number)" });
  });

  test("wasm with another binary version", () => {
    expect(refusal(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toEqual(enoexec("unsupported wasm binary version 2"));
  });

  test("wasm without a linking section is not relocatable", () => {
    expect(refusal(tinyObject({ omitLinking: true }))).toEqual(
      enoexec("not a relocatable object (no linking section); build with clang -c"),
    );
  });

  test.each([1, 3])("linking section version %i", (v) => {
    expect(refusal(tinyObject({ linkingVersion: v }))).toEqual(enoexec(`unsupported linking section version ${v}`));
  });

  test("truncation at every section boundary is refused, each with its reason", () => {
    const full = tinyObject();
    // Sections: TYPE IMPORT FUNCTION CODE DATA linking reloc.CODE reloc.DATA target_features.
    const cuts = sectionBoundaries(full).slice(1, -1);
    const noLinking = enoexec("not a relocatable object (no linking section); build with clang -c");
    expect(cuts.slice(0, -1).map((c) => refusal(full.subarray(0, c)))).toEqual([
      noLinking, noLinking, noLinking, noLinking, noLinking,
      enoexec("symbol kputs is not referenced by any relocation (is a relocation section missing?)"),
      enoexec("symbol .L.str.1 is not referenced by any relocation (is a relocation section missing?)"),
    ]);
    // XXX: a cut that leaves a self-consistent object cannot be told from a
    // complete one.  Losing only target_features is harmless (clang 14 writes
    // none), so that object is accepted and behaves the same.
    const k = new BareKernel();
    const linked = k.load(readObject(full.subarray(0, cuts.at(-1)), "cut.o"));
    expect(k.call(linked, "f")).toBe(0);
    expect(k.output).toEqual(["hi"]);
  });

  test("truncation inside every section and inside a size LEB", () => {
    const full = tinyObject();
    const bounds = sectionBoundaries(full);
    for (let i = 0; i < bounds.length - 1; i++) {
      const start = bounds[i]!;
      // One byte into the next section's payload: its declared size runs past the file.
      const cut = full.subarray(0, start + 3);
      expect(refusal(cut).detail).toMatch(/^section \d+ \(\w+\) at offset \d+ declares \d+ bytes but only \d+ remain in the file$|is truncated/);
    }
    const midLeb = new Uint8Array([...full, 0x00, 0x80]);
    expect(refusal(midLeb)).toEqual(
      enoexec(`the file is truncated: size of section 9 at offset ${full.length + 2} runs past its end`),
    );
  });

  test("a declared section size far beyond the file", () => {
    const bad = new Uint8Array([...tinyObject(), 0x0c, 0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(refusal(bad)).toEqual(enoexec(`section 9 (DATACOUNT) at offset ${bad.length - 6} declares 2147483647 bytes but only 0 remain in the file`));
  });

  test("a count far beyond its section", () => {
    const s = spec();
    const bytes = tinyObject({ segments: [] , symbols: s.symbols.slice(0, 2), dataRelocs: [], codeRelocs: [{ type: 0, offset: 10, index: 1 }] });
    const obj = readObject(bytes, "x.o");
    expect(obj.symbols).toHaveLength(2);
    // Hand-patch the symbol count (the byte after the SYMBOL_TABLE subsection header).
    const linking = obj.sections.find((x) => x.name === "linking")!;
    const patched = bytes.slice();
    let p = linking.start + 1; // version
    while (patched[p] !== 8) p += 2 + patched[p + 1]!;
    patched[p + 2] = 0x7f;
    expect(refusal(patched)).toEqual(enoexec("linking subsection 8: symbol count 127 is larger than the rest of the section"));
  });

  test("out-of-range symbol, type, function and segment indices", () => {
    expect(refusal(withSpec((s) => ({ codeRelocs: [s.codeRelocs[0]!, { type: 0, offset: 10, index: 99 }] })))).toEqual(
      enoexec("relocation 1 in CODE refers to symbol 99 but the object has 5 symbols"),
    );
    expect(refusal(tinyObject({ funcTypeIndex: 7 }))).toEqual(
      enoexec("FUNCTION section: function 1 has type index 7 but the object has 2 types"),
    );
    expect(refusal(withSpec((s) => ({ codeRelocs: [...s.codeRelocs, { type: 6, offset: 10, index: 5 }] })))).toEqual(
      enoexec("relocation 2 in CODE refers to type 5 but the object has 2 types"),
    );
    expect(refusal(withSpec((s) => ({ symbols: [{ ...s.symbols[0]!, index: 9 }, ...s.symbols.slice(1)] })))).toEqual(
      enoexec("symbol f refers to func 9 but the object has 2"),
    );
    expect(refusal(withSpec((s) => ({ symbols: [...s.symbols.slice(0, 3), { ...s.symbols[3]!, index: 5 }, s.symbols[4]!] })))).toEqual(
      enoexec("symbol ptr refers to data segment 5 but the object has 3 segments"),
    );
    expect(refusal(withSpec((s) => ({ symbols: [...s.symbols.slice(0, 3), { ...s.symbols[3]!, offset: 2 }, s.symbols[4]!] })))).toEqual(
      enoexec("symbol ptr (offset 2, size 4) extends past the end of segment .data.ptr (4 bytes)"),
    );
  });

  test("a relocation offset past its section", () => {
    expect(refusal(withSpec((s) => ({ codeRelocs: [s.codeRelocs[0]!, { type: 0, offset: 14, index: 1 }] })))).toEqual(
      enoexec("relocation 1 in CODE points past the end of the section"),
    );
    expect(refusal(withSpec(() => ({ dataRelocs: [{ type: 5, offset: 24, index: 4 }] })))).toEqual(
      enoexec("relocation 0 in DATA points past the end of the section"),
    );
    expect(refusal(withSpec(() => ({ dataRelocs: [{ type: 5, offset: 9, index: 4 }] })))).toEqual(
      enoexec("relocation 0 in DATA is not inside a data segment"),
    );
    // offset 1 is the body's size field: patching it would break the CODE section
    expect(refusal(withSpec((s) => ({ codeRelocs: [{ type: 4, offset: 1, index: 2 }, s.codeRelocs[1]!] })))).toEqual(
      enoexec("relocation 0 in CODE is not inside a function body"),
    );
  });

  test("a relocation section that targets the linking section", () => {
    const bytes = tinyObject();
    const obj = readObject(bytes, "x.o");
    const linking = obj.sections.findIndex((x) => x.name === "linking");
    const patched = bytes.slice();
    patched[obj.sections.find((x) => x.name === "reloc.CODE")!.start] = linking;
    expect(refusal(patched)).toEqual(enoexec("reloc.CODE targets the linking section, which cannot be relocated"));
  });

  test("overlapping and oversized segments", () => {
    expect(refusal(withSpec((s) => ({ segments: [s.segments[0]!, { ...s.segments[1]!, offset: 2 }, s.segments[2]!] })))).toEqual(
      enoexec("data segments 0 and 1 overlap"),
    );
    expect(refusal(withSpec((s) => ({ segments: [s.segments[0]!, s.segments[1]!, { ...s.segments[2]!, offset: 65534 }] })))).toEqual(
      enoexec("data segment 2 (offset 65534, 4 bytes) extends past the object's memory of 65536 bytes"),
    );
  });

  test("unknown relocation types and symbol kinds are named", () => {
    expect(refusal(withSpec((s) => ({ codeRelocs: [{ type: 99, offset: 10, index: 1 }, s.codeRelocs[0]!] })))).toEqual(
      enoexec("relocation 0 in CODE: unknown relocation type 99"),
    );
    expect(refusal(withSpec((s) => ({ codeRelocs: [{ type: 14, offset: 4, index: 2 }, s.codeRelocs[1]!] })))).toEqual(
      enoexec("relocation 0 in CODE: wasm64 relocation R_WASM_MEMORY_ADDR_LEB64 is not supported"),
    );
    expect(refusal(withSpec((s) => ({ symbols: [...s.symbols, { kind: 9, flags: 0 }] })))).toEqual(
      enoexec("symbol 5 has unknown kind 9"),
    );
    expect(refusal(withSpec((s) => ({ codeRelocs: [s.codeRelocs[0]!, { type: 0, offset: 10, index: 3 }] })))).toEqual(
      enoexec("relocation 1 in CODE (R_WASM_FUNCTION_INDEX_LEB) refers to data symbol ptr"),
    );
  });

  test("PIC objects are refused", () => {
    expect(refusal(withSpec((s) => ({ codeRelocs: [{ type: 11, offset: 4, index: 2 }, s.codeRelocs[1]!] })))).toEqual(
      enoexec("relocation 0 in CODE: position-independent code (relocation R_WASM_MEMORY_ADDR_REL_SLEB); rebuild without -fPIC"),
    );
    expect(refusal(tinyObject({ extraImports: [{ module: "GOT.mem", field: "x", kind: 3, desc: [0x7f, 1] }] }))).toEqual(
      enoexec("position-independent code (imports GOT.mem.x); rebuild without -fPIC"),
    );
    expect(refusal(tinyObject({ extraImports: [{ module: "env", field: "__memory_base", kind: 3, desc: [0x7f, 0] }] }))).toEqual(
      enoexec("position-independent code (imports env.__memory_base); rebuild without -fPIC"),
    );
  });

  test("TLS objects are refused", () => {
    expect(refusal(withSpec((s) => ({ segments: [s.segments[0]!, s.segments[1]!, { ...s.segments[2]!, name: ".tbss.x", flags: 2 }] })))).toEqual(
      enoexec("thread-local storage (segment .tbss.x) is not supported"),
    );
    expect(refusal(tinyObject({ extraImports: [{ module: "env", field: "__tls_base", kind: 3, desc: [0x7f, 1] }] }))).toEqual(
      enoexec("thread-local storage (imports env.__tls_base) is not supported"),
    );
    expect(refusal(withSpec((s) => ({ codeRelocs: [{ type: 21, offset: 4, index: 2 }, s.codeRelocs[1]!] })))).toEqual(
      enoexec("relocation 0 in CODE: thread-local storage (relocation R_WASM_MEMORY_ADDR_TLS_SLEB) is not supported"),
    );
  });

  test("start sections, memory64 and unsupported features are refused", () => {
    expect(refusal(tinyObject({ extraSections: [{ id: 8, payload: [1] }] }))).toEqual(
      enoexec("START section is out of order"),
    );
    expect(refusal(tinyObject({ memoryLimits: [0x04, 1] }))).toEqual(
      enoexec("import 0 (env.__linear_memory) is a 64-bit memory (memory64), which is not supported"),
    );
    expect(refusal(tinyObject({ features: ["+gc"] }))).toEqual(
      enoexec("the object uses wasm feature gc, which this kernel does not support"),
    );
    // A `-` entry only says what the object must not be linked with.
    expect(() => readObject(tinyObject({ features: ["-shared-mem"] }), "ok.o")).not.toThrow();
  });

  test("a relocation against an undefined data symbol with no definition fails at link time", () => {
    const s = spec();
    const bytes = tinyObject({
      symbols: [...s.symbols.slice(0, 4), { kind: 1, flags: 0x10, name: "nowhere" }],
      dataRelocs: [{ type: 5, offset: 22, index: 4 }],
      codeRelocs: [s.codeRelocs[0]!, s.codeRelocs[1]!],
    });
    const obj = readObject(bytes.slice(), "u.o");
    const k = new BareKernel();
    expect(() => k.load(obj)).toThrow(expect.objectContaining({ detail: "symbol nowhere undefined" }));
  });
});
