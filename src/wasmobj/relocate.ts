/**
 * Apply one relocation: write a computed value into the padded field a
 * relocation record points at.
 *
 * Called by src/kern/linker/link_object.ts (load-time relocation of CODE and of the data
 * already copied into kernel memory) and link_relocatable.ts (ld -r, which
 * rewrites indices in the merged object).  The counterpart of FreeBSD's
 * elf_reloc() in sys/<arch>/<arch>/elf_machdep.c.  Values always overwrite
 * the placeholder, never add to it (wasm-linking.md §1.1): the addend is in
 * the relocation record.
 */
import { RelocType } from "./object_types.js";
import { writePaddedS32, writePaddedU32, writeU32le } from "./wasm_writer.js";

/**
 * Write `value` at `at` in the encoding relocation `type` uses.
 * Only wasm32 types reach here (readObject refuses the others).
 */
export function patchField(buf: Uint8Array, at: number, type: number, value: number): void {
  switch (type) {
    case RelocType.FUNCTION_INDEX_LEB:
    case RelocType.MEMORY_ADDR_LEB:
    case RelocType.TYPE_INDEX_LEB:
    case RelocType.GLOBAL_INDEX_LEB:
    case RelocType.TABLE_NUMBER_LEB:
      writePaddedU32(buf, at, value);
      return;
    case RelocType.TABLE_INDEX_SLEB:
    case RelocType.MEMORY_ADDR_SLEB:
      writePaddedS32(buf, at, value);
      return;
    default:
      // TABLE_INDEX_I32, MEMORY_ADDR_I32, MEMORY_ADDR_LOCREL_I32 and the debug I32 types.
      writeU32le(buf, at, value);
  }
}

/** True for the types whose value is a table slot (function address). */
export function isTableIndexReloc(type: number): boolean {
  return type === RelocType.TABLE_INDEX_SLEB || type === RelocType.TABLE_INDEX_I32;
}

/** True for the types whose value is a data address. */
export function isMemoryReloc(type: number): boolean {
  return (
    type === RelocType.MEMORY_ADDR_LEB ||
    type === RelocType.MEMORY_ADDR_SLEB ||
    type === RelocType.MEMORY_ADDR_I32 ||
    type === RelocType.MEMORY_ADDR_LOCREL_I32
  );
}
