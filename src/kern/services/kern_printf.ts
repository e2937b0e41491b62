/**
 * The kernel printf: one formatter (kvprintf) and the services built on it
 * (printf, vprintf, uprintf, log, sprintf, vsprintf, snprintf, vsnprintf,
 * panic).
 *
 * Corresponds to FreeBSD sys/kern/subr_prf.c.  The conversions are the
 * kernel's, not libc's: %d %i %u %o %x %X %c %s %p %n and %% with the
 * flags - 0 # + space, a width and a precision (either may be *), the
 * length modifiers hh h l ll q j z t; plus the two kernel extras
 *   %b  an int and a bit-description string "\<base>\<bit>NAME\<bit>NAME...",
 *       e.g. printf("%b", 3, "\20\1ONE\2TWO") prints "3<ONE,TWO>" (bits
 *       numbered from 1, the first byte is the output base: \10 octal,
 *       \20 hex);
 *   %D  a pointer to bytes and a separator string: "%6D", p, ":" prints six
 *       bytes as "00:a0:c9:14:c8:29" (width = byte count, default 16).
 * Like FreeBSD's, an unknown conversion is printed literally together with
 * the rest of the format, since the arguments can no longer be trusted.
 * Precision on a number is a minimum digit count, %p prints "0x" and lower
 * hex, and a NULL %s prints "(null)".
 *
 * Arguments come from the wasm32 varargs area (host_function.ts): each
 * int, long, size_t and pointer takes 4 bytes at 4-byte alignment; long
 * long and intmax_t take 8 at 8.  A va_list is the address of the next
 * argument, so printf and vprintf have the same wasm signature.
 *
 * printf and log write to the message buffer (env.console); uprintf to the
 * terminal of the CLI whose request is running (env.userTerminal).
 *
 * Callers: index.ts (service list); kern_shutdown.ts's panic prints through
 * env.console directly.
 */
import type { HostFunction, KernelEnv } from "./host_function.js";
import {
  checkRange,
  cStrBytes,
  cStrLen,
  decodeText,
  memBytes,
  readI32,
  readI64,
  readU8,
  u32,
  writeI32,
  writeI64,
} from "./kernel_memory.js";
import { panic } from "./kern_shutdown.js";

/**
 * XXX: a width or precision larger than this is clamped, so that a module
 * printing "%999999999d" cannot make the host build a gigabyte string.
 */
export const PRINTF_MAX_FIELD = 65536;

const HEX = "0123456789abcdef";
const NULL_STRING = new TextEncoder().encode("(null)");

/** Walks a wasm32 varargs area. */
class VaList {
  constructor(
    private readonly mem: Uint8Array,
    private ap: number,
  ) {}

  int(): number {
    this.ap = (this.ap + 3) & ~3;
    const v = readI32(this.mem, this.ap, "printf argument");
    this.ap += 4;
    return v;
  }

  int64(): bigint {
    this.ap = (this.ap + 7) & ~7;
    const v = readI64(this.mem, this.ap, "printf argument");
    this.ap += 8;
    return v;
  }
}

interface Spec {
  lflag: boolean;
  qflag: boolean;
  hflag: boolean;
  cflag: boolean;
  jflag: boolean;
  zflag: boolean;
  tflag: boolean;
}

function fetchUnsigned(va: VaList, s: Spec): bigint {
  if (s.jflag || s.qflag) return BigInt.asUintN(64, va.int64());
  const v = va.int();
  if (s.hflag) return BigInt(v & 0xffff);
  if (s.cflag) return BigInt(v & 0xff);
  return BigInt(v >>> 0); // int, long, size_t, ptrdiff_t: 32 bits on wasm32
}

function fetchSigned(va: VaList, s: Spec): bigint {
  if (s.jflag || s.qflag) return va.int64();
  const v = va.int();
  if (s.hflag) return BigInt((v << 16) >> 16);
  if (s.cflag) return BigInt((v << 24) >> 24);
  return BigInt(v | 0);
}

function digits(num: bigint, base: number, upper: boolean): string {
  const s = num <= 0xffffffffn ? Number(num).toString(base) : num.toString(base);
  return upper ? s.toUpperCase() : s;
}

function clampField(n: number): number {
  return Math.min(n, PRINTF_MAX_FIELD);
}

/**
 * Format the C string at `fmt` with the varargs area at `ap`; returns the
 * output bytes (no NUL).  Throws the out-of-bounds trap for a bad format,
 * string or argument address.
 */
export function kvprintf(memory: WebAssembly.Memory, fmt: number, ap: number): Uint8Array {
  const mem = memBytes(memory);
  // Copy the format: %n may write into memory the format lives in.
  const f = cStrBytes(mem, u32(fmt), Infinity, "printf format").slice();
  const va = new VaList(mem, u32(ap));
  const out: number[] = [];
  const put = (c: number): void => {
    out.push(c & 0xff);
  };
  const putStr = (s: string): void => {
    for (let k = 0; k < s.length; k++) put(s.charCodeAt(k));
  };
  const pad = (n: number, c: number): void => {
    for (let k = 0; k < n; k++) put(c);
  };

  let i = 0;
  let stop = false;
  while (i < f.length) {
    const ch0 = f[i++] as number;
    if (ch0 !== 0x25 /* % */ || stop) {
      put(ch0);
      continue;
    }
    const percent = i - 1;
    let padc = 0x20;
    let width = 0;
    let dwidth = 0;
    let dot = false;
    let ladjust = false;
    let sharpflag = false;
    let plus = false;
    let space = false;
    let upper = false;
    const spec: Spec = {
      lflag: false, qflag: false, hflag: false, cflag: false,
      jflag: false, zflag: false, tflag: false,
    };
    let base = 10;
    let signed = false;
    let num = 0n;

    reswitch: for (;;) {
      if (i >= f.length) {
        // Format ends inside a conversion: print what we have, literally.
        for (let k = percent; k < i; k++) put(f[k] as number);
        break;
      }
      const ch = f[i++] as number;
      const c = String.fromCharCode(ch);
      switch (c) {
        case ".": dot = true; continue reswitch;
        case "#": sharpflag = true; continue reswitch;
        case "+": plus = true; continue reswitch;
        case " ": space = true; continue reswitch;
        case "-": ladjust = true; continue reswitch;
        case "%": put(ch); break reswitch;
        case "*": {
          const v = va.int();
          if (!dot) {
            width = v;
            if (width < 0) {
              ladjust = !ladjust;
              width = -width;
            }
            width = clampField(width);
          } else if (v < 0) {
            dot = false; // a negative precision is taken as omitted
          } else {
            dwidth = clampField(v);
          }
          continue reswitch;
        }
        case "0":
          if (!dot) {
            padc = 0x30;
            continue reswitch;
          }
        // falls through: a 0 after the dot starts the precision
        case "1": case "2": case "3": case "4": case "5":
        case "6": case "7": case "8": case "9": {
          let n = ch - 0x30;
          while (i < f.length && (f[i] as number) >= 0x30 && (f[i] as number) <= 0x39) {
            n = Math.min(n * 10 + ((f[i] as number) - 0x30), PRINTF_MAX_FIELD);
            i++;
          }
          if (dot) dwidth = n;
          else width = n;
          continue reswitch;
        }
        case "b": {
          num = BigInt(va.int() >>> 0);
          let p = u32(va.int());
          const bbase = readU8(mem, p++, "%b bit string");
          if (bbase < 2 || bbase > 36) {
            // Not a bit string FreeBSD could print either; show the value in hex.
            putStr(digits(num, 16, false));
            break reswitch;
          }
          putStr(digits(num, bbase, false));
          if (num === 0n) break reswitch;
          let any = false;
          for (let n = readU8(mem, p, "%b bit string"); n !== 0; n = readU8(mem, p, "%b bit string")) {
            p++;
            const set = n >= 1 && n <= 32 && (num & (1n << BigInt(n - 1))) !== 0n;
            if (set) put(any ? 0x2c /* , */ : 0x3c /* < */);
            for (let nc = readU8(mem, p, "%b bit string"); nc > 0x20; nc = readU8(mem, p, "%b bit string")) {
              if (set) put(nc);
              p++;
            }
            if (set) any = true;
          }
          if (any) put(0x3e /* > */);
          break reswitch;
        }
        case "c": {
          const v = va.int();
          width -= 1;
          if (!ladjust && width > 0) pad(width, padc);
          put(v);
          if (ladjust && width > 0) pad(width, padc);
          break reswitch;
        }
        case "D": {
          let up = u32(va.int());
          const sep = cStrBytes(mem, u32(va.int()), Infinity, "%D separator").slice();
          let count = width === 0 ? 16 : width;
          checkRange(mem, up, count, "%D bytes");
          while (count-- > 0) {
            const byte = mem[up++] as number;
            put(HEX.charCodeAt(byte >> 4));
            put(HEX.charCodeAt(byte & 15));
            if (count > 0) for (const s of sep) put(s);
          }
          break reswitch;
        }
        case "d": case "i":
          num = fetchSigned(va, spec);
          base = 10;
          signed = true;
          break;
        case "h":
          if (spec.hflag) {
            spec.hflag = false;
            spec.cflag = true;
          } else spec.hflag = true;
          continue reswitch;
        case "j": spec.jflag = true; continue reswitch;
        case "l":
          if (spec.lflag) {
            spec.lflag = false;
            spec.qflag = true;
          } else spec.lflag = true;
          continue reswitch;
        case "q": spec.qflag = true; continue reswitch;
        case "t": spec.tflag = true; continue reswitch;
        case "z": spec.zflag = true; continue reswitch;
        case "n": {
          const p = u32(va.int());
          if (spec.jflag || spec.qflag) writeI64(mem, p, BigInt(out.length), "%n");
          else if (spec.hflag) {
            checkRange(mem, p, 2, "%n");
            mem[p] = out.length & 0xff;
            mem[p + 1] = (out.length >> 8) & 0xff;
          } else if (spec.cflag) {
            checkRange(mem, p, 1, "%n");
            mem[p] = out.length & 0xff;
          } else writeI32(mem, p, out.length, "%n");
          break reswitch;
        }
        case "o": num = fetchUnsigned(va, spec); base = 8; break;
        case "u": num = fetchUnsigned(va, spec); base = 10; break;
        case "X": upper = true; num = fetchUnsigned(va, spec); base = 16; break;
        case "x": num = fetchUnsigned(va, spec); base = 16; break;
        case "p":
          base = 16;
          sharpflag = width === 0;
          num = BigInt(va.int() >>> 0);
          break;
        case "s": {
          const p = u32(va.int());
          let bytes: Uint8Array;
          if (p === 0) bytes = NULL_STRING;
          else bytes = mem.subarray(p, p + cStrLen(mem, p, dot ? dwidth : Infinity, "%s string"));
          if (dot && bytes.length > dwidth) bytes = bytes.subarray(0, dwidth);
          width -= bytes.length;
          if (!ladjust && width > 0) pad(width, padc);
          for (const b of bytes) put(b);
          if (ladjust && width > 0) pad(width, padc);
          break reswitch;
        }
        default:
          // Unknown conversion: print it and everything after it literally.
          for (let k = percent; k < i; k++) put(f[k] as number);
          stop = true;
          break reswitch;
      }

      // number: shared tail of d i o u x X p
      let neg = false;
      if (signed && num < 0n) {
        neg = true;
        num = -num;
      }
      const ds = digits(num, base, upper);
      const n = ds.length;
      let tmp = 0;
      if (sharpflag && num !== 0n) {
        if (base === 8) tmp += 1;
        else if (base === 16) tmp += 2;
      }
      const signChar = neg ? 0x2d : signed && plus ? 0x2b : signed && space ? 0x20 : 0;
      if (signChar) tmp++;
      // A 0 flag pads with zeros up to the width; with a precision it is
      // ignored, as in C.
      if (!dot && !ladjust && padc === 0x30) dwidth = width - tmp;
      width -= tmp + Math.max(dwidth, n);
      dwidth -= n;
      if (!ladjust) pad(width, 0x20);
      if (signChar) put(signChar);
      if (sharpflag && num !== 0n) {
        if (base === 8) put(0x30);
        else if (base === 16) putStr("0x");
      }
      pad(dwidth, 0x30);
      putStr(ds);
      if (ladjust) pad(width, 0x20);
      break;
    }
  }
  return Uint8Array.from(out);
}

/** Store `bytes` at `buf` as a C string cut to `size` bytes including the NUL (snprintf). */
function storeBounded(memory: WebAssembly.Memory, buf: number, size: number, bytes: Uint8Array): void {
  if (size === 0) return;
  const mem = memBytes(memory);
  const n = Math.min(bytes.length, size - 1);
  checkRange(mem, buf, n + 1, "snprintf buffer");
  mem.set(bytes.subarray(0, n), buf);
  mem[buf + n] = 0;
}

function toConsole(env: KernelEnv, fmt: number, ap: number): number {
  const bytes = kvprintf(env.memory, fmt, ap);
  env.console(decodeText(bytes));
  return bytes.length;
}

const I32 = "i32" as const;

/**
 * A variadic service and its v-form share one implementation: in the wasm32
 * C ABI `...` arrives as a pointer to the argument area, which is exactly
 * what a va_list is, so printf(fmt, ...) and vprintf(fmt, ap) both get
 * (fmt, ap).
 */
function withVariant(
  name: string,
  vname: string,
  params: HostFunction["params"],
  results: HostFunction["results"],
  impl: HostFunction["impl"],
): HostFunction[] {
  return [
    { name, params, results, impl },
    { name: vname, params, results, impl },
  ];
}

export const printfServices: readonly HostFunction[] = [
  ...withVariant("printf", "vprintf", [I32, I32], [I32], (env, fmt, ap) => toConsole(env, fmt, ap)),
  {
    name: "uprintf",
    params: [I32, I32],
    results: [I32],
    impl: (env, fmt, ap) => {
      const bytes = kvprintf(env.memory, fmt, ap);
      env.userTerminal(decodeText(bytes));
      return bytes.length;
    },
  },
  {
    // void log(int level, const char *fmt, ...): the level is accepted
    // and, with no syslogd here, the text goes to the message buffer.
    name: "log",
    params: [I32, I32, I32],
    results: [],
    impl: (env, _level, fmt, ap) => {
      toConsole(env, fmt, ap);
    },
  },
  ...withVariant("sprintf", "vsprintf", [I32, I32, I32], [I32], (env, buf, fmt, ap) => {
    const bytes = kvprintf(env.memory, fmt, ap);
    storeBounded(env.memory, u32(buf), bytes.length + 1, bytes);
    return bytes.length;
  }),
  // snprintf returns the length the whole output would have had (C99), so
  // a caller can detect truncation.
  ...withVariant("snprintf", "vsnprintf", [I32, I32, I32, I32], [I32], (env, buf, size, fmt, ap) => {
    const bytes = kvprintf(env.memory, fmt, ap);
    storeBounded(env.memory, u32(buf), u32(size), bytes);
    return bytes.length;
  }),
  {
    // void panic(const char *fmt, ...) __dead2: prints "panic: ..." and
    // throws KernelPanic (kern_shutdown.ts).
    name: "panic",
    params: [I32, I32],
    results: [],
    impl: (env, fmt, ap) => {
      const text = decodeText(kvprintf(env.memory, fmt, ap));
      return panic(env, text.replace(/\n$/, ""));
    },
  },
];
