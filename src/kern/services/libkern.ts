/**
 * libkern: the kernel's string and memory functions as kernel services.
 *
 * Corresponds to FreeBSD sys/libkern/*.c (strlen.c, strcmp.c, strlcpy.c,
 * ...) and the bcopy/bzero/memcpy/memset/memcmp family of
 * sys/sys/systm.h.  Semantics are C's: comparisons are of unsigned chars,
 * strncpy pads with NULs, strlcpy/strlcat return the length they tried to
 * create, strchr finds the terminating NUL.  Overlapping copies are safe
 * for every copy function (memmove semantics), which C does not promise but
 * costs nothing here.  Bad addresses raise the same out-of-bounds trap a C
 * load would (kernel_memory.ts).  imin/imax/min/max/ulmin... are inline
 * functions in sys/libkern.h and never reach the host.
 *
 * clang turns struct copies and zeroing into calls to memcpy and memset
 * (wasm-linking.md §1.4), so every module needs these two.
 *
 * Callers: index.ts (service list).
 */
import type { HostFunction } from "./host_function.js";
import { checkRange, cStrLen, memBytes, readU8, u32, writeI32 } from "./kernel_memory.js";
import type { MallocEnv } from "./kern_malloc.js";
import { M_WAITOK } from "../../sys/sys_constants.js";

const I32 = "i32" as const;
const ENAMETOOLONG = 63;
const LONG_MAX = 0x7fffffff;
const LONG_MIN = -0x80000000;
const ULONG_MAX = 0xffffffff;

function copy(memory: WebAssembly.Memory, dst: number, src: number, len: number, what: string): void {
  const mem = memBytes(memory);
  const n = u32(len);
  checkRange(mem, u32(src), n, `${what} source`);
  checkRange(mem, u32(dst), n, `${what} destination`);
  mem.copyWithin(u32(dst), u32(src), u32(src) + n);
}

function fill(memory: WebAssembly.Memory, dst: number, c: number, len: number, what: string): void {
  const mem = memBytes(memory);
  checkRange(mem, u32(dst), u32(len), what);
  mem.fill(c & 0xff, u32(dst), u32(dst) + u32(len));
}

/** memcmp over at most n bytes: difference of the first differing unsigned bytes. */
function compare(memory: WebAssembly.Memory, a: number, b: number, n: number, what: string): number {
  const mem = memBytes(memory);
  const len = u32(n);
  checkRange(mem, u32(a), len, what);
  checkRange(mem, u32(b), len, what);
  for (let k = 0; k < len; k++) {
    const d = (mem[u32(a) + k] as number) - (mem[u32(b) + k] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** strncmp (max = Infinity for strcmp), optionally case-folded for ASCII. */
function strCompare(memory: WebAssembly.Memory, a: number, b: number, max: number, fold: boolean): number {
  const mem = memBytes(memory);
  const lower = (c: number): number => (fold && c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  for (let k = 0; k < max; k++) {
    const ca = lower(readU8(mem, u32(a) + k, "string"));
    const cb = lower(readU8(mem, u32(b) + k, "string"));
    if (ca !== cb) return ca - cb;
    if (ca === 0) return 0;
  }
  return 0;
}

function strchr(memory: WebAssembly.Memory, s: number, c: number): number {
  const mem = memBytes(memory);
  const ch = c & 0xff;
  for (let p = u32(s); ; p++) {
    const v = readU8(mem, p, "string");
    if (v === ch) return p;
    if (v === 0) return 0;
  }
}

function strrchr(memory: WebAssembly.Memory, s: number, c: number): number {
  const mem = memBytes(memory);
  const ch = c & 0xff;
  let found = 0;
  for (let p = u32(s); ; p++) {
    const v = readU8(mem, p, "string");
    if (v === ch) found = p;
    if (v === 0) return found;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/**
 * strtol/strtoul on a 32-bit long: leading space, sign, 0x / 0 prefixes
 * for base 0 and 16, clamping to LONG_MIN/LONG_MAX (ULONG_MAX) on overflow.
 * *endptr gets the first unparsed character (the start when nothing was
 * parsed).  The kernel has no errno to set.
 */
function strtoX(memory: WebAssembly.Memory, s: number, endptr: number, base: number, signed: boolean): number {
  const mem = memBytes(memory);
  let p = u32(s);
  while (isSpace(readU8(mem, p, "string"))) p++;
  let neg = false;
  const sc = readU8(mem, p, "string");
  if (sc === 0x2d || sc === 0x2b) {
    neg = sc === 0x2d;
    p++;
  }
  let b = base;
  const isHexPrefix = (): boolean =>
    readU8(mem, p, "string") === 0x30 &&
    (readU8(mem, p + 1, "string") | 0x20) === 0x78 &&
    digitValue(readU8(mem, p + 2, "string")) < 16;
  if ((b === 0 || b === 16) && isHexPrefix()) {
    p += 2;
    b = 16;
  } else if (b === 0) {
    b = readU8(mem, p, "string") === 0x30 ? 8 : 10;
  }
  let value = 0n;
  let any = false;
  let overflow = false;
  const limit = signed ? (neg ? 0x80000000n : 0x7fffffffn) : 0xffffffffn;
  if (b >= 2 && b <= 36) {
    for (;;) {
      const d = digitValue(readU8(mem, p, "string"));
      if (d >= b) break;
      any = true;
      value = value * BigInt(b) + BigInt(d);
      if (value > limit) overflow = true;
      p++;
    }
  }
  if (endptr !== 0) writeI32(mem, u32(endptr), any ? p : u32(s), "strtol endptr");
  if (signed) {
    if (overflow) return neg ? LONG_MIN : LONG_MAX;
    return Number(neg ? -value : value);
  }
  if (overflow) return ULONG_MAX | 0;
  // strtoul negates in unsigned arithmetic, as C does.
  return Number(BigInt.asUintN(32, neg ? -value : value)) | 0;
}

export const libkernServices: readonly HostFunction<MallocEnv>[] = [
  {
    name: "bcopy",
    params: [I32, I32, I32],
    results: [],
    impl: (env, src, dst, len) => copy(env.memory, dst, src, len, "bcopy"),
  },
  {
    name: "bzero",
    params: [I32, I32],
    results: [],
    impl: (env, buf, len) => fill(env.memory, buf, 0, len, "bzero"),
  },
  {
    name: "memcpy",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, src, len) => {
      copy(env.memory, dst, src, len, "memcpy");
      return dst;
    },
  },
  {
    name: "memmove",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, src, len) => {
      copy(env.memory, dst, src, len, "memmove");
      return dst;
    },
  },
  {
    name: "memset",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, c, len) => {
      fill(env.memory, dst, c, len, "memset");
      return dst;
    },
  },
  {
    name: "memcmp",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, a, b, n) => compare(env.memory, a, b, n, "memcmp"),
  },
  {
    name: "bcmp",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, a, b, n) => (compare(env.memory, a, b, n, "bcmp") === 0 ? 0 : 1),
  },
  {
    name: "memchr",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, s, c, n) => {
      const mem = memBytes(env.memory);
      checkRange(mem, u32(s), u32(n), "memchr");
      const k = mem.subarray(u32(s), u32(s) + u32(n)).indexOf(c & 0xff);
      return k < 0 ? 0 : u32(s) + k;
    },
  },
  {
    name: "strlen",
    params: [I32],
    results: [I32],
    impl: (env, s) => cStrLen(memBytes(env.memory), u32(s)),
  },
  {
    name: "strnlen",
    params: [I32, I32],
    results: [I32],
    impl: (env, s, max) => cStrLen(memBytes(env.memory), u32(s), u32(max)),
  },
  {
    name: "strcmp",
    params: [I32, I32],
    results: [I32],
    impl: (env, a, b) => strCompare(env.memory, a, b, Infinity, false),
  },
  {
    name: "strncmp",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, a, b, n) => strCompare(env.memory, a, b, u32(n), false),
  },
  {
    name: "strcasecmp",
    params: [I32, I32],
    results: [I32],
    impl: (env, a, b) => strCompare(env.memory, a, b, Infinity, true),
  },
  {
    name: "strncasecmp",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, a, b, n) => strCompare(env.memory, a, b, u32(n), true),
  },
  {
    name: "strcpy",
    params: [I32, I32],
    results: [I32],
    impl: (env, dst, src) => {
      const n = cStrLen(memBytes(env.memory), u32(src));
      copy(env.memory, dst, src, n + 1, "strcpy");
      return dst;
    },
  },
  {
    name: "strncpy",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, src, len) => {
      const size = u32(len);
      const n = cStrLen(memBytes(env.memory), u32(src), size);
      copy(env.memory, dst, src, n, "strncpy");
      fill(env.memory, u32(dst) + n, 0, size - n, "strncpy");
      return dst;
    },
  },
  {
    name: "strlcpy",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, src, size) => {
      const srclen = cStrLen(memBytes(env.memory), u32(src));
      const sz = u32(size);
      if (sz > 0) {
        const n = Math.min(srclen, sz - 1);
        copy(env.memory, dst, src, n, "strlcpy");
        fill(env.memory, u32(dst) + n, 0, 1, "strlcpy");
      }
      return srclen;
    },
  },
  {
    name: "strlcat",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, dst, src, size) => {
      const mem = memBytes(env.memory);
      const sz = u32(size);
      const dlen = cStrLen(mem, u32(dst), sz);
      const srclen = cStrLen(mem, u32(src));
      if (dlen === sz) return sz + srclen; // dst not terminated within size
      const n = Math.min(srclen, sz - dlen - 1);
      copy(env.memory, u32(dst) + dlen, src, n, "strlcat");
      fill(env.memory, u32(dst) + dlen + n, 0, 1, "strlcat");
      return dlen + srclen;
    },
  },
  {
    name: "strcat",
    params: [I32, I32],
    results: [I32],
    impl: (env, dst, src) => {
      const mem = memBytes(env.memory);
      const dlen = cStrLen(mem, u32(dst));
      const srclen = cStrLen(mem, u32(src));
      copy(env.memory, u32(dst) + dlen, src, srclen + 1, "strcat");
      return dst;
    },
  },
  { name: "strchr", params: [I32, I32], results: [I32], impl: (env, s, c) => strchr(env.memory, s, c) },
  { name: "index", params: [I32, I32], results: [I32], impl: (env, s, c) => strchr(env.memory, s, c) },
  { name: "strrchr", params: [I32, I32], results: [I32], impl: (env, s, c) => strrchr(env.memory, s, c) },
  { name: "rindex", params: [I32, I32], results: [I32], impl: (env, s, c) => strrchr(env.memory, s, c) },
  {
    name: "strstr",
    params: [I32, I32],
    results: [I32],
    impl: (env, s, find) => {
      const mem = memBytes(env.memory);
      const hay = mem.subarray(u32(s), u32(s) + cStrLen(mem, u32(s)));
      const needle = mem.subarray(u32(find), u32(find) + cStrLen(mem, u32(find)));
      const k = Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(
        Buffer.from(needle.buffer, needle.byteOffset, needle.length),
      );
      return k < 0 ? 0 : u32(s) + k;
    },
  },
  {
    // char *strdup(const char *, struct malloc_type *): M_WAITOK, so it
    // never returns NULL (it panics when the arena is exhausted).
    name: "strdup",
    params: [I32, I32],
    results: [I32],
    impl: (env, s, type) => {
      const n = cStrLen(memBytes(env.memory), u32(s));
      const p = env.malloc.allocate(env, n + 1, type, M_WAITOK);
      copy(env.memory, p, s, n + 1, "strdup");
      return p;
    },
  },
  {
    // int copystr(const void *from, void *to, size_t maxlen, size_t *done):
    // copy a string of at most maxlen bytes including its NUL;
    // ENAMETOOLONG when it does not fit.
    name: "copystr",
    params: [I32, I32, I32, I32],
    results: [I32],
    impl: (env, from, to, maxlen, done) => {
      const mem = memBytes(env.memory);
      const max = u32(maxlen);
      const n = cStrLen(mem, u32(from), max);
      const fits = n < max;
      const copied = fits ? n + 1 : max;
      copy(env.memory, to, from, copied, "copystr");
      if (u32(done) !== 0) writeI32(mem, u32(done), copied, "copystr lencopied");
      return fits ? 0 : ENAMETOOLONG;
    },
  },
  {
    name: "ffs",
    params: [I32],
    results: [I32],
    impl: (_env, mask) => (mask === 0 ? 0 : 32 - Math.clz32(mask & -mask)),
  },
  {
    name: "fls",
    params: [I32],
    results: [I32],
    impl: (_env, mask) => (mask === 0 ? 0 : 32 - Math.clz32(mask)),
  },
  {
    name: "strtol",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, s, endptr, base) => strtoX(env.memory, s, endptr, base, true),
  },
  {
    name: "strtoul",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, s, endptr, base) => strtoX(env.memory, s, endptr, base, false),
  },
];
