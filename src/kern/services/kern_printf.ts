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
 * kvprintf reads each conversion's flags and modifiers (parseSpec), then
 * hands it to its converter in the CONVERSIONS table.
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
import type { HostFunction, ServiceEnv } from "./host_function.js";
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

/** What the flags, width, precision and length modifiers of one conversion say. */
interface Spec {
  /** Pad character for the width: space, or '0' with the 0 flag. */
  padc: number;
  width: number;
  /** The precision (digits for numbers, bytes for %s). */
  dwidth: number;
  dot: boolean;
  ladjust: boolean;
  sharpflag: boolean;
  plus: boolean;
  space: boolean;
  lflag: boolean;
  qflag: boolean;
  hflag: boolean;
  cflag: boolean;
  jflag: boolean;
  zflag: boolean;
  tflag: boolean;
}

function newSpec(): Spec {
  return {
    padc: 0x20, width: 0, dwidth: 0, dot: false, ladjust: false, sharpflag: false, plus: false, space: false,
    lflag: false, qflag: false, hflag: false, cflag: false, jflag: false, zflag: false, tflag: false,
  };
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

/** The output of one kvprintf call, and what its conversions read from. */
class Output {
  readonly bytes: number[] = [];

  constructor(
    readonly mem: Uint8Array,
    readonly va: VaList,
  ) {}

  put(c: number): void {
    this.bytes.push(c & 0xff);
  }

  putStr(s: string): void {
    for (let k = 0; k < s.length; k++) this.put(s.charCodeAt(k));
  }

  pad(n: number, c: number): void {
    for (let k = 0; k < n; k++) this.put(c);
  }
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
  const out = new Output(mem, new VaList(mem, u32(ap)));
  let i = 0;
  while (i < f.length) {
    const ch0 = f[i++] as number;
    if (ch0 !== 0x25 /* % */) {
      out.put(ch0);
      continue;
    }
    const percent = i - 1;
    const spec = newSpec();
    const at = parseSpec(f, i, out.va, spec);
    // A format that ends inside a conversion is printed literally.
    i = at < 0 ? f.length : at + 1;
    const convert = at < 0 ? undefined : CONVERSIONS[String.fromCharCode(f[at]!)];
    if (!convert) {
      // Unknown conversion: print it and everything after it literally.
      for (let k = percent; k < f.length; k++) out.put(f[k] as number);
      break;
    }
    convert(out, spec, f[at]!);
  }
  return Uint8Array.from(out.bytes);
}

/**
 * Read flags, width, precision and length modifiers from f[i] on into
 * `spec` (a `*` takes its value from the arguments); returns the position
 * of the conversion character, or -1 if the format ends first.
 */
function parseSpec(f: Uint8Array, i: number, va: VaList, spec: Spec): number {
  for (;;) {
    if (i >= f.length) return -1;
    const ch = f[i++] as number;
    switch (String.fromCharCode(ch)) {
      case ".": spec.dot = true; continue;
      case "#": spec.sharpflag = true; continue;
      case "+": spec.plus = true; continue;
      case " ": spec.space = true; continue;
      case "-": spec.ladjust = true; continue;
      case "*": starArgument(spec, va.int()); continue;
      case "0":
        if (!spec.dot) {
          spec.padc = 0x30;
          continue;
        }
      // falls through: a 0 after the dot starts the precision
      case "1": case "2": case "3": case "4": case "5":
      case "6": case "7": case "8": case "9": {
        let n = ch - 0x30;
        while (i < f.length && (f[i] as number) >= 0x30 && (f[i] as number) <= 0x39) {
          n = Math.min(n * 10 + ((f[i] as number) - 0x30), PRINTF_MAX_FIELD);
          i++;
        }
        if (spec.dot) spec.dwidth = n;
        else spec.width = n;
        continue;
      }
      case "h":
        if (spec.hflag) {
          spec.hflag = false;
          spec.cflag = true;
        } else spec.hflag = true;
        continue;
      case "l":
        if (spec.lflag) {
          spec.lflag = false;
          spec.qflag = true;
        } else spec.lflag = true;
        continue;
      case "j": spec.jflag = true; continue;
      case "q": spec.qflag = true; continue;
      case "t": spec.tflag = true; continue;
      case "z": spec.zflag = true; continue;
      default:
        return i - 1;
    }
  }
}

/** A width or precision given as `*`. */
function starArgument(spec: Spec, v: number): void {
  if (!spec.dot) {
    spec.width = v;
    if (spec.width < 0) {
      spec.ladjust = !spec.ladjust;
      spec.width = -spec.width;
    }
    spec.width = clampField(spec.width);
  } else if (v < 0) {
    spec.dot = false; // a negative precision is taken as omitted
  } else {
    spec.dwidth = clampField(v);
  }
}

type Conversion = (out: Output, spec: Spec, ch: number) => void;

/** %b: an int and a bit-description string "\<base>\<bit>NAME\<bit>NAME...". */
function convertBits(out: Output): void {
  const { mem, va } = out;
  const num = BigInt(va.int() >>> 0);
  let p = u32(va.int());
  const bbase = readU8(mem, p++, "%b bit string");
  if (bbase < 2 || bbase > 36) {
    // Not a bit string FreeBSD could print either; show the value in hex.
    out.putStr(digits(num, 16, false));
    return;
  }
  out.putStr(digits(num, bbase, false));
  if (num === 0n) return;
  let any = false;
  for (let n = readU8(mem, p, "%b bit string"); n !== 0; n = readU8(mem, p, "%b bit string")) {
    p++;
    const set = n >= 1 && n <= 32 && (num & (1n << BigInt(n - 1))) !== 0n;
    if (set) out.put(any ? 0x2c /* , */ : 0x3c /* < */);
    for (let nc = readU8(mem, p, "%b bit string"); nc > 0x20; nc = readU8(mem, p, "%b bit string")) {
      if (set) out.put(nc);
      p++;
    }
    if (set) any = true;
  }
  if (any) out.put(0x3e /* > */);
}

function convertChar(out: Output, spec: Spec): void {
  const v = out.va.int();
  const width = spec.width - 1;
  if (!spec.ladjust && width > 0) out.pad(width, spec.padc);
  out.put(v);
  if (spec.ladjust && width > 0) out.pad(width, spec.padc);
}

/** %D: a pointer to bytes and a separator string; width = byte count (default 16). */
function convertHexDump(out: Output, spec: Spec): void {
  const { mem, va } = out;
  let up = u32(va.int());
  const sep = cStrBytes(mem, u32(va.int()), Infinity, "%D separator").slice();
  let count = spec.width === 0 ? 16 : spec.width;
  checkRange(mem, up, count, "%D bytes");
  while (count-- > 0) {
    const byte = mem[up++] as number;
    out.put(HEX.charCodeAt(byte >> 4));
    out.put(HEX.charCodeAt(byte & 15));
    if (count > 0) for (const s of sep) out.put(s);
  }
}

/** %n: store the count of bytes written so far, at the width the modifiers say. */
function convertCount(out: Output, spec: Spec): void {
  const { mem } = out;
  const n = out.bytes.length;
  const p = u32(out.va.int());
  if (spec.jflag || spec.qflag) writeI64(mem, p, BigInt(n), "%n");
  else if (spec.hflag) {
    checkRange(mem, p, 2, "%n");
    mem[p] = n & 0xff;
    mem[p + 1] = (n >> 8) & 0xff;
  } else if (spec.cflag) {
    checkRange(mem, p, 1, "%n");
    mem[p] = n & 0xff;
  } else writeI32(mem, p, n, "%n");
}

function convertString(out: Output, spec: Spec): void {
  const { mem } = out;
  const p = u32(out.va.int());
  let bytes: Uint8Array;
  if (p === 0) bytes = NULL_STRING;
  else bytes = mem.subarray(p, p + cStrLen(mem, p, spec.dot ? spec.dwidth : Infinity, "%s string"));
  if (spec.dot && bytes.length > spec.dwidth) bytes = bytes.subarray(0, spec.dwidth);
  const width = spec.width - bytes.length;
  if (!spec.ladjust && width > 0) out.pad(width, spec.padc);
  for (const b of bytes) out.put(b);
  if (spec.ladjust && width > 0) out.pad(width, spec.padc);
}

/** %d %i %o %u %x %X %p: fetch the argument, then print it as a number. */
function convertNumber(out: Output, spec: Spec, ch: number): void {
  switch (String.fromCharCode(ch)) {
    case "d": case "i": return printNumber(out, spec, fetchSigned(out.va, spec), 10, true, false);
    case "o": return printNumber(out, spec, fetchUnsigned(out.va, spec), 8, false, false);
    case "u": return printNumber(out, spec, fetchUnsigned(out.va, spec), 10, false, false);
    case "X": return printNumber(out, spec, fetchUnsigned(out.va, spec), 16, false, true);
    case "x": return printNumber(out, spec, fetchUnsigned(out.va, spec), 16, false, false);
    default: // p
      spec.sharpflag = spec.width === 0;
      return printNumber(out, spec, BigInt(out.va.int() >>> 0), 16, false, false);
  }
}

/** Sign, 0x/0 prefix, precision and width around the digits of `num`. */
function printNumber(out: Output, spec: Spec, num: bigint, base: number, signed: boolean, upper: boolean): void {
  let neg = false;
  if (signed && num < 0n) {
    neg = true;
    num = -num;
  }
  const ds = digits(num, base, upper);
  const n = ds.length;
  let tmp = 0;
  const prefix = spec.sharpflag && num !== 0n ? (base === 8 ? "0" : base === 16 ? "0x" : "") : "";
  tmp += prefix.length;
  const signChar = neg ? 0x2d : signed && spec.plus ? 0x2b : signed && spec.space ? 0x20 : 0;
  if (signChar) tmp++;
  let { width, dwidth } = spec;
  // A 0 flag pads with zeros up to the width; with a precision it is
  // ignored, as in C.
  if (!spec.dot && !spec.ladjust && spec.padc === 0x30) dwidth = width - tmp;
  width -= tmp + Math.max(dwidth, n);
  dwidth -= n;
  if (!spec.ladjust) out.pad(width, 0x20);
  if (signChar) out.put(signChar);
  out.putStr(prefix);
  out.pad(dwidth, 0x30);
  out.putStr(ds);
  if (spec.ladjust) out.pad(width, 0x20);
}

/** The conversions by character; any other character is an unknown conversion. */
const CONVERSIONS: Readonly<Record<string, Conversion>> = {
  "%": (out, _spec, ch) => out.put(ch),
  b: convertBits,
  c: convertChar,
  D: convertHexDump,
  n: convertCount,
  s: convertString,
  d: convertNumber,
  i: convertNumber,
  o: convertNumber,
  u: convertNumber,
  x: convertNumber,
  X: convertNumber,
  p: convertNumber,
};

/** Store `bytes` at `buf` as a C string cut to `size` bytes including the NUL (snprintf). */
function storeBounded(memory: WebAssembly.Memory, buf: number, size: number, bytes: Uint8Array): void {
  if (size === 0) return;
  const mem = memBytes(memory);
  const n = Math.min(bytes.length, size - 1);
  checkRange(mem, buf, n + 1, "snprintf buffer");
  mem.set(bytes.subarray(0, n), buf);
  mem[buf + n] = 0;
}

function toConsole(env: ServiceEnv, fmt: number, ap: number): number {
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
