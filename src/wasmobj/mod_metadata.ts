/**
 * Module metadata of a wasm object: the MDT_DEPEND, MDT_MODULE and
 * MDT_VERSION records of its set_modmetadata_set (struct mod_metadata,
 * sys/sys/module.h), read without loading the object.
 *
 * Metadata is read BEFORE a file is linked, because dependencies must be
 * loaded before symbols can be resolved.  Like link_elf_obj.c's
 * link_elf_reloc_local(), only the relocations that point at the file's own
 * data (MEMORY_ADDR_I32 against defined data symbols) are applied, to a
 * scratch copy of the data laid out at the real base; the pointers read from
 * it (md_data of an MDT_MODULE record, for instance) are the absolute
 * addresses the data will have once linked.
 *
 * Callers: the kernel linker's wasm class (src/kern/linker/link_wasm_obj.ts,
 * at the allocated base), kldxref (src/build/kldxref.ts) and kconfig
 * (src/config/build_image.ts), both at base 0.  FreeBSD counterparts:
 * link_elf_reloc_local() and linker_file_lookup_set() in
 * sys/kern/link_elf_obj.c; the record walk of usr.sbin/kldxref.
 */
import { KernelError } from "../errno/kernel_error.js";
import { MDT_DEPEND, MDT_MODULE, MDT_STRUCT_VERSION, MDT_VERSION } from "../sys/sys_constants.js";
import { layoutData } from "./layout.js";
import { RelocType, type DataLayout, type WasmObject } from "./object_types.js";
import { isWasmObject, readObject, segmentAt } from "./wasm_object.js";

/** `at`: the address of the struct mod_metadata (which module object it came from, in an image). */
export type ModMetadata = (
  | { readonly type: "depend"; readonly name: string; readonly min: number; readonly pref: number; readonly max: number }
  | { readonly type: "module"; readonly name: string; readonly data: number }
  | { readonly type: "version"; readonly name: string; readonly version: number }
) & { readonly at?: number };

/**
 * The data of `obj` as it will sit at `base`, with only file-local data
 * pointers relocated (link_elf_reloc_local).  Undefined-symbol pointers stay
 * 0; metadata never points outside its own file.
 */
function localImage(obj: WasmObject, layout: DataLayout, base: number): Uint8Array {
  const image = new Uint8Array(layout.size);
  const sec = obj.dataSection;
  if (!sec) return image;
  obj.dataSegments.forEach((seg, i) => {
    const off = layout.segmentAddressOffset[i]!;
    image.set(obj.bytes.subarray(sec.start + seg.offsetInSection, sec.start + seg.offsetInSection + seg.size), off);
  });
  const view = new DataView(image.buffer);
  for (const r of obj.dataRelocations) {
    if (r.type !== RelocType.MEMORY_ADDR_I32) continue;
    const sym = obj.symbols[r.index];
    if (!sym || sym.kind !== "data" || sym.undefined || sym.segment < 0) continue;
    // Which segment holds the relocated field?
    const segIdx = segmentAt(obj.dataSegments, r.offset);
    if (segIdx < 0) continue;
    const at = layout.segmentAddressOffset[segIdx]! + (r.offset - obj.dataSegments[segIdx]!.offsetInSection);
    if (at + 4 > image.length) continue;
    const value = base + layout.segmentAddressOffset[sym.segment]! + sym.offset + r.addend;
    view.setUint32(at, value >>> 0, true);
  }
  return image;
}

/**
 * The file's MDT_* records, with addresses as they will be at `base`.
 * @throws KernelError ENOEXEC when a record or a pointer in it is malformed.
 */
export function readModMetadata(obj: WasmObject, layout: DataLayout, base: number): ModMetadata[] {
  const segs = obj.dataSegments
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.name === "set_modmetadata_set");
  if (segs.length === 0) return [];
  const image = localImage(obj, layout, base);
  const view = new DataView(image.buffer);
  const bad = (what: string): never => {
    throw new KernelError("ENOEXEC", obj.filename, `set_modmetadata_set: ${what}`);
  };
  const u32 = (addr: number, what: string): number => {
    const off = addr - base;
    if (off < 0 || off + 4 > image.length) bad(`${what} points outside the file's data (0x${addr.toString(16)})`);
    return view.getUint32(off, true);
  };
  const i32 = (addr: number, what: string): number => u32(addr, what) | 0;
  const str = (addr: number, what: string): string => {
    const off = addr - base;
    if (off < 0 || off >= image.length) bad(`${what} points outside the file's data (0x${addr.toString(16)})`);
    const end = image.indexOf(0, off);
    if (end < 0) bad(`${what} is not NUL-terminated`);
    return new TextDecoder().decode(image.subarray(off, end));
  };
  const out: ModMetadata[] = [];
  for (const { s, i } of segs) {
    const start = base + layout.segmentAddressOffset[i]!;
    for (let p = start; p + 4 <= start + s.size; p += 4) {
      const md = u32(p, "entry");
      const version = i32(md, "mod_metadata");
      const type = i32(md + 4, "mod_metadata");
      const data = u32(md + 8, "md_data");
      const cval = str(u32(md + 12, "md_cval"), "md_cval");
      if (version !== MDT_STRUCT_VERSION) bad(`record ${cval} has md_version ${version}, expected ${MDT_STRUCT_VERSION}`);
      if (type === MDT_DEPEND) {
        out.push({
          type: "depend",
          at: md,
          name: cval,
          min: i32(data, "mod_depend"),
          pref: i32(data + 4, "mod_depend"),
          max: i32(data + 8, "mod_depend"),
        });
      } else if (type === MDT_MODULE) {
        const name = str(u32(data, "moduledata"), "moduledata name");
        out.push({ type: "module", at: md, name, data });
      } else if (type === MDT_VERSION) {
        out.push({ type: "version", at: md, name: cval, version: i32(data, "mod_version") });
      }
      // Other types (MDT_PNP_INFO) are ignored, as FreeBSD's linker does.
    }
  }
  return out;
}

/**
 * Metadata of a `.ko` without loading it (kldxref): laid out at base 0.
 * @throws KernelError ENOEXEC / ENOENT as readObject does.
 */
export function objectMetadata(bytes: Uint8Array, filename: string): ModMetadata[] {
  if (!isWasmObject(bytes)) throw new KernelError("ENOENT", filename, "not a wasm object");
  return metadataOf(readObject(bytes, filename));
}

/** objectMetadata of an object already read (kconfig). */
export function metadataOf(obj: WasmObject): ModMetadata[] {
  // Record addresses at base 0 mean nothing to kldxref or kconfig: leave them out.
  return readModMetadata(obj, layoutData(obj), 0).map(({ at: _at, ...m }) => m as ModMetadata);
}
