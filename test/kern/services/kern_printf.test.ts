import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KernelPanic } from "../../../src/kern/services/kern_shutdown.js";
import { PRINTF_MAX_FIELD } from "../../../src/kern/services/kern_printf.js";
import { MEMORY_BYTES } from "../../../src/kern/vm_layout.js";
import { fakeKernel, kformat, type VarArg } from "./fake_env.js";

const i = (n: number): VarArg => ({ int: n });
const ll = (n: bigint): VarArg => ({ ll: n });
const s = (t: string): VarArg => ({ str: t });
const p = (n: number): VarArg => ({ ptr: n });

describe("kernel printf conversions", () => {
  const cases: ReadonlyArray<readonly [string, readonly VarArg[], string]> = [
    ["%d", [i(42)], "42"],
    ["%d", [i(-42)], "-42"],
    ["%i", [i(-7)], "-7"],
    ["%d", [i(-2147483648)], "-2147483648"],
    ["%u", [i(-1)], "4294967295"],
    ["%x", [i(255)], "ff"],
    ["%X", [i(0xabcdef)], "ABCDEF"],
    ["%o", [i(8)], "10"],
    ["%#x", [i(255)], "0xff"],
    ["%#X", [i(255)], "0xFF"],
    ["%#o", [i(8)], "010"],
    ["%#x", [i(0)], "0"],
    ["%5d|", [i(42)], "   42|"],
    ["%-5d|", [i(42)], "42   |"],
    ["%05d", [i(42)], "00042"],
    ["%05d", [i(-42)], "-0042"],
    ["%+d", [i(5)], "+5"],
    ["%+d", [i(-5)], "-5"],
    ["% d", [i(5)], " 5"],
    ["%+u", [i(5)], "5"],
    ["%.3d", [i(7)], "007"],
    ["%8.3d|", [i(7)], "     007|"],
    ["%-8.3d|", [i(-7)], "-007    |"],
    ["%08.3d|", [i(7)], "     007|"],
    ["%*d", [i(6), i(42)], "    42"],
    ["%-*d|", [i(4), i(1)], "1   |"],
    ["%*d|", [i(-4), i(1)], "1   |"],
    ["%.*d", [i(4), i(5)], "0005"],
    ["%#08x", [i(255)], "0x0000ff"],
    ["%ld", [i(-100000)], "-100000"],
    ["%lu", [i(-294967296)], "4000000000"],
    ["%lx", [i(0xdeadbeef | 0)], "deadbeef"],
    ["%lld", [ll(-9007199254740993n)], "-9007199254740993"],
    ["%llu", [ll(-1n)], "18446744073709551615"],
    ["%llx", [ll(0x123456789abcdefn)], "123456789abcdef"],
    ["%qd", [ll(-3n)], "-3"],
    ["%jd", [ll(1n << 40n)], "1099511627776"],
    ["%ju", [ll(-1n)], "18446744073709551615"],
    ["%zu", [i(123)], "123"],
    ["%zd", [i(-3)], "-3"],
    ["%td", [i(-9)], "-9"],
    ["%hd", [i(65537)], "1"],
    ["%hu", [i(-1)], "65535"],
    ["%hhd", [i(255)], "-1"],
    ["%hhx", [i(0x1ff)], "ff"],
    ["%c", [i(65)], "A"],
    ["%3c|", [i(66)], "  B|"],
    ["%-3c|", [i(67)], "C  |"],
    ["%s", [s("hello")], "hello"],
    ["%s", [p(0)], "(null)"],
    ["%.3s", [s("abcdef")], "abc"],
    ["%8s|", [s("abc")], "     abc|"],
    ["%-8s|", [s("abc")], "abc     |"],
    ["%.*s", [i(2), s("xyz")], "xy"],
    ["%p", [p(0x1234)], "0x1234"],
    ["%p", [p(0)], "0"],
    ["%%", [], "%"],
    ["100%% sure", [], "100% sure"],
    ["abc%", [], "abc%"],
    // mixed sizes: the long long is 8-byte aligned in the varargs area
    ["%d %lld %d", [i(1), ll(2n), i(3)], "1 2 3"],
    ["%s=%d, %s=%jd", [s("a"), i(1), s("b"), ll(-2n)], "a=1, b=-2"],
  ];
  it.each(cases.map(([fmt, args, want]) => ({ name: `"${fmt}" -> "${want}"`, fmt, args, want })))(
    "$name",
    ({ fmt, args, want }) => {
      expect(kformat(fakeKernel(), fmt, args)).toBe(want);
    },
  );
});

describe("%b: bit field names", () => {
  it("prints the value in the base of the first byte and the set bits' names", () => {
    const k = fakeKernel();
    expect(kformat(k, "%b", [i(3), s("\x10\x01ONE\x02TWO")])).toBe("3<ONE,TWO>");
    expect(kformat(k, "%b", [i(5), s("\x08\x01A\x02B\x03C")])).toBe("5<A,C>");
    expect(kformat(k, "%b", [i(0x100), s("\x10\x09NINE")])).toBe("100<NINE>");
    expect(kformat(k, "flags=%b.", [i(0x80000000 | 0), s("\x10\x20TOP")])).toBe("flags=80000000<TOP>.");
  });
  it("prints no brackets for zero or when no named bit is set", () => {
    const k = fakeKernel();
    expect(kformat(k, "%b", [i(0), s("\x10\x01ONE")])).toBe("0");
    expect(kformat(k, "%b", [i(2), s("\x10\x01ONE")])).toBe("2");
  });
  it("survives a bit string with a nonsense base", () => {
    expect(kformat(fakeKernel(), "%b|", [i(10), s("\x01\x01A")])).toBe("a|");
  });
});

describe("%D: hex dump", () => {
  it("dumps width bytes with the separator between them", () => {
    const k = fakeKernel();
    const mac = k.cstr([0x00, 0xa0, 0xc9, 0x14, 0xc8, 0x29]);
    expect(kformat(k, "%6D", [p(mac), s(":")])).toBe("00:a0:c9:14:c8:29");
    const w = k.cstr([0xde, 0xad, 0xbe, 0xef]);
    expect(kformat(k, "%4D", [p(w), s(" ")])).toBe("de ad be ef");
  });
  it("dumps 16 bytes by default", () => {
    const k = fakeKernel();
    const b = k.cstr(Array.from({ length: 16 }, (_, n) => n + 1));
    expect(kformat(k, "%D", [p(b), s("")])).toBe("0102030405060708090a0b0c0d0e0f10");
  });
});

describe("unknown conversions", () => {
  it("prints the rest of the format literally, as FreeBSD does", () => {
    expect(kformat(fakeKernel(), "a %k b %d c", [i(5)])).toBe("a %k b %d c");
  });
});

describe("%n", () => {
  it("stores the count of characters written so far", () => {
    const k = fakeKernel();
    const where = k.scratch(8);
    kformat(k, "abc%nxyz", [p(where)]);
    expect(k.readI32(where)).toBe(3);
  });
});

describe("printf family services", () => {
  it("printf writes to the console and returns the length", () => {
    const k = fakeKernel();
    const n = k.call("printf", k.cstr("answer %d\n"), k.varargs([i(42)]));
    expect(k.console.join("")).toBe("answer 42\n");
    expect(n).toBe(10);
  });
  it("vprintf takes a va_list, which is the same pointer", () => {
    const k = fakeKernel();
    k.call("vprintf", k.cstr("%s-%s"), k.varargs([s("a"), s("b")]));
    expect(k.console).toEqual(["a-b"]);
  });
  it("uprintf writes to the user's terminal, not the console", () => {
    const k = fakeKernel();
    k.call("uprintf", k.cstr("Hello KLD %s\n"), k.varargs([s("loaded.")]));
    expect(k.terminal).toEqual(["Hello KLD loaded.\n"]);
    expect(k.console).toEqual([]);
  });
  it("log writes to the message buffer whatever the level", () => {
    const k = fakeKernel();
    k.call("log", 3, k.cstr("<%d>"), k.varargs([i(9)]));
    expect(k.console).toEqual(["<9>"]);
  });
  it("UTF-8 in kernel strings reaches the console intact", () => {
    const k = fakeKernel();
    k.call("printf", k.cstr("caf\u00e9 %s"), k.varargs([s("\u2713")]));
    expect(k.console).toEqual(["caf\u00e9 \u2713"]);
  });
  it("snprintf truncates, always terminates, and returns the full length", () => {
    const k = fakeKernel();
    const buf = k.scratch(16);
    k.mem().fill(0x58, buf, buf + 16);
    const n = k.call("snprintf", buf, 4, k.cstr("hello"), k.varargs([]));
    expect(n).toBe(5);
    expect(k.readString(buf)).toBe("hel");
    expect(k.mem()[buf + 4]).toBe(0x58);
  });
  it("snprintf with size 0 writes nothing", () => {
    const k = fakeKernel();
    const buf = k.scratch(16);
    k.mem().fill(0x58, buf, buf + 16);
    expect(k.call("snprintf", buf, 0, k.cstr("hello"), k.varargs([]))).toBe(5);
    expect(k.mem()[buf]).toBe(0x58);
  });
  it("sprintf and vsnprintf write a terminated string", () => {
    const k = fakeKernel();
    const buf = k.scratch(32);
    expect(k.call("sprintf", buf, k.cstr("%d-%d"), k.varargs([i(1), i(2)]))).toBe(3);
    expect(k.readString(buf)).toBe("1-2");
    k.call("vsnprintf", buf, 32, k.cstr("[%5s]"), k.varargs([s("ab")]));
    expect(k.readString(buf)).toBe("[   ab]");
  });
  it("panic prints 'panic: MESSAGE' and throws KernelPanic", () => {
    const k = fakeKernel();
    let caught: unknown;
    try {
      k.call("panic", k.cstr("bad thing %d"), k.varargs([i(7)]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KernelPanic);
    expect((caught as KernelPanic).panicMessage).toBe("bad thing 7");
    expect(k.console).toEqual(["panic: bad thing 7\n"]);
  });
});

describe("hostile input", () => {
  it("a format address outside memory traps like a wasm load", () => {
    const k = fakeKernel();
    expect(() => k.call("printf", MEMORY_BYTES + 16, 0)).toThrow(WebAssembly.RuntimeError);
    expect(() => k.call("printf", -1, 0)).toThrow(/out of bounds/);
  });
  it("a format with no NUL before the end of memory traps", () => {
    const k = fakeKernel();
    const at = MEMORY_BYTES - 4;
    k.mem().fill(0x41, at, MEMORY_BYTES);
    expect(() => k.call("printf", at, 0)).toThrow(/out of bounds/);
  });
  it("a %s pointer outside memory traps", () => {
    const k = fakeKernel();
    expect(() => kformat(k, "%s", [p(MEMORY_BYTES + 100)])).toThrow(/out of bounds/);
  });
  it("a varargs area at the end of memory traps instead of reading garbage", () => {
    const k = fakeKernel();
    expect(() => k.call("printf", k.cstr("%d"), MEMORY_BYTES - 2)).toThrow(/out of bounds/);
  });
  it("a snprintf buffer running past memory traps", () => {
    const k = fakeKernel();
    expect(() => k.call("snprintf", MEMORY_BYTES - 2, 100, k.cstr("hello"), 0)).toThrow(/out of bounds/);
  });
  it("huge widths are clamped", () => {
    const k = fakeKernel();
    k.call("printf", k.cstr("%999999999d"), k.varargs([i(1)]));
    expect((k.console[0] as string).length).toBe(PRINTF_MAX_FIELD);
    k.call("printf", k.cstr("%*d"), k.varargs([i(0x7fffffff), i(1)]));
    expect((k.console[1] as string).length).toBe(PRINTF_MAX_FIELD);
  });
  it("random formats never throw anything but a trap", () => {
    const k = fakeKernel();
    const args = k.varargs(Array.from({ length: 16 }, () => i(0x20000)));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const fmt = k.cstr([...bytes].map((b) => (b === 0 ? 0x25 : b)));
        try {
          k.call("printf", fmt, args);
        } catch (e) {
          expect(e).toBeInstanceOf(WebAssembly.RuntimeError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("agreement with C semantics (property)", () => {
  it("%Nd and %-Nd pad like C", () => {
    const k = fakeKernel();
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 24 }), (n, w) => {
        expect(kformat(k, `%${w}d`, [i(n)])).toBe(String(n).padStart(w));
        expect(kformat(k, `%-${w}d|`, [i(n)])).toBe(String(n).padEnd(w) + "|");
      }),
      { numRuns: 200 },
    );
  });
  it("%x, %o and %llu print the unsigned value", () => {
    const k = fakeKernel();
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (n, big) => {
        expect(kformat(k, "%x", [i(n)])).toBe((n >>> 0).toString(16));
        expect(kformat(k, "%o", [i(n)])).toBe((n >>> 0).toString(8));
        expect(kformat(k, "%llu", [ll(big)])).toBe(BigInt.asUintN(64, big).toString());
      }),
      { numRuns: 200 },
    );
  });
});
