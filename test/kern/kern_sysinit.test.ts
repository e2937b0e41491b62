import { describe, expect, it } from "vitest";
import { sortSysinits, type SysinitEntry } from "../../src/kern/kern_sysinit.js";

const e = (subsystem: number, order: number, tag: number): SysinitEntry => ({ addr: tag, subsystem, order, func: 0, udata: 0 });

describe("SYSINIT ordering", () => {
  it("sorts by (subsystem, order) and keeps set order for equal keys", () => {
    const SI_SUB_KLD = 0x2000000;
    const SI_SUB_DRIVERS = 0x3100000;
    const SI_SUB_KMEM = 0x1800000;
    const input = [
      e(SI_SUB_DRIVERS, 0xfffffff, 1),
      e(SI_SUB_KLD, 1, 2),
      e(SI_SUB_DRIVERS, 0, 3),
      e(SI_SUB_KMEM, 1, 4),
      e(SI_SUB_DRIVERS, 0, 5),
      e(SI_SUB_KLD, 0, 6),
    ];
    expect(sortSysinits(input).map((x) => x.addr)).toEqual([4, 6, 2, 3, 5, 1]);
    expect(input.map((x) => x.addr)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
