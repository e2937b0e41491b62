/**
 * The wasm object-format library, as the kernel linker calls it.
 *
 * src/kern/link_wasm_obj.ts (the wasm linker class) and kconfig import from
 * here: readObject/isWasmObject (wasm_object.ts), layoutData (layout.ts),
 * linkObject (link_object.ts) and mergeObjects (link_relocatable.ts, ld -r).
 * Together they are kldsim's link_elf_obj.c minus the kernel bookkeeping.
 */
export { readObject, isWasmObject, segmentAt } from "./wasm_object.js";
export { layoutData } from "./layout.js";
export { linkObject } from "../kern/linker/link_object.js";
export { mergeObjects, mergeWasmObjects, type ObjectInput } from "./link_relocatable.js";
export type * from "./object_types.js";
