import { describe, expect, it } from "vitest";
import { MEMORY_BYTES } from "../../../src/kern/vm_layout.js";
import { fakeKernel } from "./fake_env.js";

describe("memory functions", () => {
  it("memcpy copies and returns the destination", () => {
    const k = fakeKernel();
    const src = k.cstr("abcdef");
    const dst = k.scratch(16);
    expect(k.call("memcpy", dst, src, 7)).toBe(dst);
    expect(k.readString(dst)).toBe("abcdef");
  });
  it("memmove and bcopy handle overlap in both directions", () => {
    const k = fakeKernel();
    const b = k.cstr("0123456789");
    k.call("memmove", b + 2, b, 5);
    expect(k.readString(b)).toBe("0101234789");
    const c = k.cstr("0123456789");
    k.call("bcopy", c + 3, c, 4); // bcopy(from, to, len)
    expect(k.readString(c)).toBe("3456456789");
  });
  it("memset fills with the low byte and bzero clears", () => {
    const k = fakeKernel();
    const b = k.cstr("xxxxxxxx");
    expect(k.call("memset", b, 0x141, 3)).toBe(b);
    expect(k.readString(b)).toBe("AAAxxxxx");
    k.call("bzero", b + 4, 4);
    expect(k.readString(b)).toBe("AAAx");
  });
  it("memcmp compares unsigned bytes; bcmp only says equal or not", () => {
    const k = fakeKernel();
    const a = k.cstr([1, 2, 0x80]);
    const b = k.cstr([1, 2, 0x01]);
    expect(k.call("memcmp", a, b, 3)).toBeGreaterThan(0);
    expect(k.call("memcmp", b, a, 3)).toBeLessThan(0);
    expect(k.call("memcmp", a, b, 2)).toBe(0);
    expect(k.call("bcmp", a, b, 3)).not.toBe(0);
    expect(k.call("bcmp", a, b, 0)).toBe(0);
  });
  it("memchr finds a byte within n", () => {
    const k = fakeKernel();
    const s = k.cstr("hello");
    expect(k.call("memchr", s, 0x6c, 5)).toBe(s + 2);
    expect(k.call("memchr", s, 0x6f, 4)).toBe(0);
  });
  it("copies that run past the end of memory trap", () => {
    const k = fakeKernel();
    const dst = k.scratch(16);
    expect(() => k.call("memcpy", dst, MEMORY_BYTES - 4, 16)).toThrow(WebAssembly.RuntimeError);
    expect(() => k.call("memset", MEMORY_BYTES - 4, 0, 16)).toThrow(/out of bounds/);
    expect(() => k.call("bzero", -16, 4)).toThrow(/out of bounds/);
  });
});

describe("string functions", () => {
  it("strlen and strnlen", () => {
    const k = fakeKernel();
    const s = k.cstr("kldsim");
    expect(k.call("strlen", s)).toBe(6);
    expect(k.call("strnlen", s, 3)).toBe(3);
    expect(k.call("strnlen", s, 100)).toBe(6);
    expect(k.call("strlen", k.cstr(""))).toBe(0);
  });
  it("strcmp, strncmp, strcasecmp, strncasecmp", () => {
    const k = fakeKernel();
    const abc = k.cstr("abc");
    const abd = k.cstr("abd");
    const ABC = k.cstr("ABC");
    const hi = k.cstr("\u00ff");
    expect(k.call("strcmp", abc, abc)).toBe(0);
    expect(k.call("strcmp", abc, abd)).toBeLessThan(0);
    expect(k.call("strcmp", abd, abc)).toBeGreaterThan(0);
    expect(k.call("strcmp", hi, abc)).toBeGreaterThan(0); // unsigned chars
    expect(k.call("strcmp", abc, k.cstr("ab"))).toBeGreaterThan(0);
    expect(k.call("strncmp", abc, abd, 2)).toBe(0);
    expect(k.call("strncmp", abc, abd, 3)).toBeLessThan(0);
    expect(k.call("strcasecmp", abc, ABC)).toBe(0);
    expect(k.call("strncasecmp", ABC, abd, 2)).toBe(0);
  });
  it("strcpy, strcat", () => {
    const k = fakeKernel();
    const dst = k.scratch(32);
    expect(k.call("strcpy", dst, k.cstr("foo"))).toBe(dst);
    expect(k.call("strcat", dst, k.cstr("bar"))).toBe(dst);
    expect(k.readString(dst)).toBe("foobar");
  });
  it("strncpy pads with NULs and does not terminate a long source", () => {
    const k = fakeKernel();
    const dst = k.scratch(16);
    k.mem().fill(0x58, dst, dst + 16);
    k.call("strncpy", dst, k.cstr("ab"), 5);
    expect([...k.mem().subarray(dst, dst + 6)]).toEqual([0x61, 0x62, 0, 0, 0, 0x58]);
    k.call("strncpy", dst, k.cstr("abcdefgh"), 3);
    expect([...k.mem().subarray(dst, dst + 4)]).toEqual([0x61, 0x62, 0x63, 0]);
  });
  it("strlcpy truncates, terminates and returns the source length", () => {
    const k = fakeKernel();
    const dst = k.scratch(16);
    expect(k.call("strlcpy", dst, k.cstr("hello world"), 6)).toBe(11);
    expect(k.readString(dst)).toBe("hello");
    k.mem()[dst] = 0x5a;
    expect(k.call("strlcpy", dst, k.cstr("abc"), 0)).toBe(3);
    expect(k.mem()[dst]).toBe(0x5a);
  });
  it("strlcat appends within size and returns the length it tried to make", () => {
    const k = fakeKernel();
    const dst = k.scratch(16);
    k.call("strlcpy", dst, k.cstr("abc"), 16);
    expect(k.call("strlcat", dst, k.cstr("defgh"), 6)).toBe(8);
    expect(k.readString(dst)).toBe("abcde");
    // dst not terminated within size: size + strlen(src), dst untouched
    expect(k.call("strlcat", dst, k.cstr("xy"), 3)).toBe(5);
    expect(k.readString(dst)).toBe("abcde");
  });
  it("strchr/index find the first, strrchr/rindex the last; NUL finds the end", () => {
    const k = fakeKernel();
    const s = k.cstr("a/b/c");
    expect(k.call("strchr", s, 0x2f)).toBe(s + 1);
    expect(k.call("index", s, 0x2f)).toBe(s + 1);
    expect(k.call("strrchr", s, 0x2f)).toBe(s + 3);
    expect(k.call("rindex", s, 0x2f)).toBe(s + 3);
    expect(k.call("strchr", s, 0x7a)).toBe(0);
    expect(k.call("strrchr", s, 0x7a)).toBe(0);
    expect(k.call("strchr", s, 0)).toBe(s + 5);
  });
  it("strstr", () => {
    const k = fakeKernel();
    const s = k.cstr("kernel module");
    expect(k.call("strstr", s, k.cstr("mod"))).toBe(s + 7);
    expect(k.call("strstr", s, k.cstr("xyz"))).toBe(0);
    expect(k.call("strstr", s, k.cstr(""))).toBe(s);
  });
  it("strdup allocates from the given malloc type", () => {
    const k = fakeKernel();
    const type = k.scratch(16);
    const desc = k.cstr("strdup_test");
    const dv = new DataView(k.env.memory.buffer);
    dv.setUint32(type + 4, 877983977, true);
    dv.setUint32(type + 8, desc, true);
    const d = k.call("strdup", k.cstr("copy me"), type);
    expect(k.readString(d)).toBe("copy me");
    expect(k.env.malloc.stats()).toContainEqual(
      expect.objectContaining({ type: "strdup_test", inUse: 1 }),
    );
  });
  it("copystr copies with the NUL and reports ENAMETOOLONG when it does not fit", () => {
    const k = fakeKernel();
    const dst = k.scratch(16);
    const done = k.scratch(4);
    expect(k.call("copystr", k.cstr("abc"), dst, 16, done)).toBe(0);
    expect(k.readI32(done)).toBe(4);
    expect(k.readString(dst)).toBe("abc");
    expect(k.call("copystr", k.cstr("abcdef"), dst, 3, done)).toBe(63);
    expect(k.readI32(done)).toBe(3);
    expect(k.call("copystr", k.cstr("x"), dst, 4, 0)).toBe(0);
  });
  it("strings that never end before the end of memory trap", () => {
    const k = fakeKernel();
    const at = MEMORY_BYTES - 8;
    k.mem().fill(0x41, at, MEMORY_BYTES);
    expect(() => k.call("strlen", at)).toThrow(WebAssembly.RuntimeError);
    expect(() => k.call("strcmp", at, at)).toThrow(/out of bounds/);
    expect(() => k.call("strcpy", k.scratch(64), at)).toThrow(/out of bounds/);
  });
});

describe("bit and number functions", () => {
  it("ffs and fls number bits from 1; 0 for no bit", () => {
    const k = fakeKernel();
    expect(k.call("ffs", 0)).toBe(0);
    expect(k.call("ffs", 1)).toBe(1);
    expect(k.call("ffs", 0x18)).toBe(4);
    expect(k.call("ffs", 0x80000000 | 0)).toBe(32);
    expect(k.call("fls", 0)).toBe(0);
    expect(k.call("fls", 0x18)).toBe(5);
    expect(k.call("fls", -1)).toBe(32);
  });
  it("strtol parses bases, signs and prefixes and sets endptr", () => {
    const k = fakeKernel();
    const end = k.scratch(4);
    const s = k.cstr("  -0x1fz");
    expect(k.call("strtol", s, end, 0)).toBe(-31);
    expect(k.readI32(end)).toBe(s + 7);
    expect(k.call("strtol", k.cstr("0777"), 0, 0)).toBe(511);
    expect(k.call("strtol", k.cstr("123abc"), 0, 10)).toBe(123);
    expect(k.call("strtol", k.cstr("zz"), 0, 36)).toBe(35 * 36 + 35);
    const none = k.cstr("xyz");
    expect(k.call("strtol", none, end, 10)).toBe(0);
    expect(k.readI32(end)).toBe(none);
  });
  it("strtol clamps on overflow; strtoul wraps a minus sign like C", () => {
    const k = fakeKernel();
    expect(k.call("strtol", k.cstr("99999999999"), 0, 10)).toBe(0x7fffffff);
    expect(k.call("strtol", k.cstr("-99999999999"), 0, 10)).toBe(-0x80000000);
    expect(k.call("strtoul", k.cstr("4294967295"), 0, 10) >>> 0).toBe(4294967295);
    expect(k.call("strtoul", k.cstr("4294967296"), 0, 10) >>> 0).toBe(4294967295);
    expect(k.call("strtoul", k.cstr("-1"), 0, 10) >>> 0).toBe(4294967295);
  });
});
