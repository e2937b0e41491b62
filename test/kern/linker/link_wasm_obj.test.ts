// The wasm linker class's own parts: "not my format" versus "broken", and
// the module-metadata reader facing hostile linker sets.
import { describe, expect, it } from "vitest";
import { objectMetadata } from "../../../src/wasmobj/mod_metadata.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defaultSpec, tinyObject } from "../../fixtures/objects/tiny_object.js";
import { refusal } from "../../support/kernel_error.js";

function metadataRefusal(bytes: Uint8Array): string {
  return refusal(() => objectMetadata(bytes, "x.ko"));
}

describe("module metadata of an object (kldxref's view, base 0)", () => {
  it("reads the bundled kdep_user's records, pointers resolved inside the file", () => {
    const bytes = new Uint8Array(readFileSync(resolve(import.meta.dirname, "../../../src/sys/modules/kdep_user/kdep_user.ko")));
    const md = objectMetadata(bytes, "kdep_user.ko");
    expect(md).toContainEqual({ type: "version", name: "kdep_user", version: 1 });
    expect(md).toContainEqual(expect.objectContaining({ type: "module", name: "kdep_user" }));
    expect(md).toContainEqual({ type: "depend", name: "kdep_lib", min: 1, pref: 2, max: 3 });
    expect(md).toContainEqual({ type: "depend", name: "kernel", min: 803000, pref: 803000, max: 899999 });
  });

  it("answers ENOENT (not my format) for non-wasm, and no records without the set", () => {
    expect(metadataRefusal(new TextEncoder().encode("\x7fELF"))).toBe("ENOENT: not a wasm object");
    expect(objectMetadata(tinyObject(), "tiny.ko")).toEqual([]);
  });

  it("refuses a set entry pointing at data too short for a struct mod_metadata", () => {
    const spec = defaultSpec();
    const segments = spec.segments.map((s) => (s.name === ".data.ptr" ? { ...s, name: "set_modmetadata_set" } : s));
    expect(metadataRefusal(tinyObject({ segments }))).toMatch(/^ENOEXEC: set_modmetadata_set: md_data points outside the file's data/);
  });

  it("refuses a record whose md_version is not MDT_STRUCT_VERSION", () => {
    // set entry -> a 16-byte struct { 7, 2, 0, &"yo" } in .data.md
    const spec = defaultSpec();
    const segments = [
      { name: ".rodata..L.str", p2align: 0, flags: 1, offset: 0, bytes: [0x68, 0x69, 0x00] },
      { name: ".rodata..L.str.1", p2align: 0, flags: 1, offset: 3, bytes: [0x79, 0x6f, 0x00] },
      { name: "set_modmetadata_set", p2align: 2, flags: 0, offset: 8, bytes: [0, 0, 0, 0] },
      { name: ".data.md", p2align: 2, flags: 0, offset: 12, bytes: [7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    ];
    const symbols = [...spec.symbols, { kind: 1, flags: 0x2, index: 3, name: "md", offset: 0, size: 16 }];
    // DATA payload: seg2's bytes at 22..25 (as in the default), seg3 header 26..30, bytes 31..46: md_cval at 43.
    const dataRelocs = [
      { type: 5, offset: 22, index: symbols.length - 1, addend: 0 },
      { type: 5, offset: 43, index: 4, addend: 0 },
    ];
    expect(metadataRefusal(tinyObject({ segments, symbols, dataRelocs }))).toBe(
      "ENOEXEC: set_modmetadata_set: record yo has md_version 7, expected 1",
    );
  });
});
