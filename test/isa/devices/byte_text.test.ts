import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatEscapedBytes, parseEscapedBytes, parseHexBytes } from "../../../src/isa/devices/byte_text.js";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { expectKernelError, kernelErrorOf } from "../../support/kernel_error.js";

describe("byte_text: escapes and hex dumps for card operations", () => {
  it("decodes C escapes and UTF-8", () => {
    expect([...parseEscapedBytes("a\\r\\n\\t\\0\\\\\\x7f\\e")]).toEqual([0x61, 13, 10, 9, 0, 0x5c, 0x7f, 0x1b]);
    expect([...parseEscapedBytes("é")]).toEqual([0xc3, 0xa9]);
    expect(parseEscapedBytes("").length).toBe(0);
  });

  it("refuses malformed escapes with EINVAL naming the problem", () => {
    for (const [text, why] of [
      ["abc\\", /trailing backslash/],
      ["\\q", /unknown escape \\q/],
      ["\\x4", /two hex digits/],
      ["\\xg0", /two hex digits/],
      ["\\x", /two hex digits/],
    ] as const) {
      expect(expectKernelError(() => parseEscapedBytes(text), "EINVAL").message).toMatch(why);
    }
  });

  it("format and parse are inverse for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = formatEscapedBytes(bytes);
        expect(text).toMatch(/^[\x20-\x7e]*$/);
        expect(parseEscapedBytes(text)).toEqual(bytes);
      }),
    );
  });

  it("hex dumps: separators allowed, odd lengths and junk refused", () => {
    expect([...parseHexBytes("ff:FF-00 0a")]).toEqual([0xff, 0xff, 0, 0x0a]);
    expect(parseHexBytes("").length).toBe(0);
    expect(() => parseHexBytes("abc")).toThrow(/odd number/);
    expect(() => parseHexBytes("0x12")).toThrow(/not a hex dump/);
    expect(() => parseHexBytes("zz")).toThrow(KernelError);
  });

  it("arbitrary strings never throw anything but KernelError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (s) => {
        for (const f of [parseEscapedBytes, parseHexBytes]) kernelErrorOf(() => f(s));
      }),
    );
  });
});
