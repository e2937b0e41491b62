/**
 * The wasm object-format library, as the kernel linker calls it.
 *
 * src/kern/linker/link_wasm_obj.ts (the wasm linker class) imports from
 * here: readObject/isWasmObject (wasm_object.ts), layoutData (layout.ts)
 * and mergeObjects (link_relocatable.ts, ld -r).  With the kernel linker's
 * link_object.ts they are kldsim's link_elf_obj.c minus the kernel
 * bookkeeping.  Nothing here imports the kernel (the layer rules in
 * .ci/dependency-cruiser.cjs).
 */
export { readObject, isWasmObject, segmentAt } from "./wasm_object.js";
export { layoutData } from "./layout.js";
export { mergeObjects, mergeWasmObjects, type ObjectInput } from "./link_relocatable.js";
export type * from "./object_types.js";
