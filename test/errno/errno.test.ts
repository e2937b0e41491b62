import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { allErrnos, errno, errnoByNumber, strerror } from "../../src/errno/errno.js";

const HEADER = readFileSync(resolve(import.meta.dirname, "../../src/sys/include/sys/errno.h"), "utf8");

/** name -> number for every numeric #define E... in sys/errno.h. */
function headerErrnos(): Map<string, number> {
  const m = new Map<string, number>();
  for (const match of HEADER.matchAll(/^#define\s+(E[A-Z0-9]+)\s+\(?(-?\d+)\)?/gm)) {
    m.set(match[1] as string, Number(match[2]));
  }
  return m;
}

describe("errno table (src/errno/errno.ts) against sys/errno.h", () => {
  const h = headerErrnos();

  it("the header defines FreeBSD's errnos 1..ELAST without gaps", () => {
    const elast = h.get("ELAST") as number;
    expect(elast).toBe(97);
    const nums = new Set([...h.entries()].filter(([n, v]) => n !== "ELAST" && v > 0).map(([, v]) => v));
    for (let n = 1; n <= elast; n++) expect(nums.has(n), `errno ${n}`).toBe(true);
  });

  it.each(allErrnos().map((e) => [e.name, e.num] as const))("%s is %i in both", (name, num) => {
    expect(h.get(name)).toBe(num);
  });

  it("names the header and the table share have the same numbers", () => {
    for (const [name, num] of h) {
      const known = allErrnos().find((e) => e.name === name);
      if (known) expect(known.num, name).toBe(num);
    }
  });

  it("the header's comments carry the same strerror texts as the table", () => {
    for (const e of allErrnos()) {
      const line = HEADER.split("\n").find((l) => new RegExp(`^#define\\s+${e.name}\\s`).test(l));
      expect(line, e.name).toContain(`/* ${e.text} */`);
    }
  });

  it("aliases follow FreeBSD", () => {
    expect(HEADER).toMatch(/#define\s+EWOULDBLOCK\s+EAGAIN/);
    expect(HEADER).toMatch(/#define\s+ENOTSUP\s+EOPNOTSUPP/);
  });

  it("kernel pseudo-errors are negative", () => {
    expect(h.get("ERESTART")).toBe(-1);
    expect(h.get("EJUSTRETURN")).toBe(-2);
    expect(h.get("ENOIOCTL")).toBe(-3);
  });

  it("strerror uses FreeBSD's texts", () => {
    expect(strerror(8)).toBe("Exec format error");
    expect(strerror(16)).toBe("Device busy");
    expect(strerror(79)).toBe("Inappropriate file type or format");
    expect(strerror(999)).toBe("Unknown error: 999");
    expect(errno("EEXIST").num).toBe(17);
    expect(errnoByNumber(45)?.name).toBe("EOPNOTSUPP");
    expect(() => errno("ENOTANERRNO")).toThrow();
  });
});
