/**
 * Data layout of a linker file: where each data segment goes, relative to
 * the base the kernel map hands out.
 *
 * Called by the kernel's wasm linker class before it allocates pages
 * (link_elf_obj.c sizes its progbits and nobits sections the same way in
 * link_elf_load_file) and by link_object.ts to place segments.  Each segment
 * sits at its own alignment (2^p2align); bss is included, since wasm
 * objects store it as literal zeros.  Same-named `set_*` segments (several
 * may survive an `ld -r`, see wasm-linking.md §2.4.10) are laid out next to
 * each other, so that a linker set is one contiguous range.
 */
import type { DataLayout, WasmObject } from "./object_types.js";

/** Segments in placement order: each set_* group follows its first member. */
export function placementOrder(obj: Pick<WasmObject, "dataSegments">): number[] {
  const order: number[] = [];
  const groups = new Map<string, number[]>();
  obj.dataSegments.forEach((seg, i) => {
    if (seg.name.startsWith("set_")) {
      const g = groups.get(seg.name);
      if (g) {
        g.push(i);
        return;
      }
      const fresh = [i];
      groups.set(seg.name, fresh);
      order.push(-1 - (groups.size - 1));
      return;
    }
    order.push(i);
  });
  const groupList = [...groups.values()];
  return order.flatMap((v) => (v >= 0 ? [v] : groupList[-1 - v]!));
}

/**
 * Size and place the object's data.
 * @returns size (rounded up to `align`), the largest alignment, and each
 *   segment's offset from the base.
 */
export function layoutData(obj: Pick<WasmObject, "dataSegments">): DataLayout {
  const offsets = new Array<number>(obj.dataSegments.length).fill(0);
  let size = 0;
  let align = 1;
  for (const i of placementOrder(obj)) {
    const seg = obj.dataSegments[i]!;
    const a = 2 ** seg.p2align;
    if (a > align) align = a;
    size = Math.ceil(size / a) * a;
    offsets[i] = size;
    size += seg.size;
  }
  size = Math.ceil(size / align) * align;
  return { size, align, segmentAddressOffset: offsets };
}
