/**
 * Host access to kernel memory for kernel services.
 *
 * A kernel service runs in the host (TypeScript) but its arguments are
 * kernel addresses: C strings, buffers, varargs areas, struct pointers.
 * This is the one place that turns those into JS values, in the spirit of
 * FreeBSD's copyin/copystr family (sys/kern/subr_uio.c, libkern), except
 * that everything is kernel memory here.
 *
 * Every access is bounds-checked.  An address outside the memory throws
 * WebAssembly.RuntimeError("memory access out of bounds ..."), the same
 * failure a module's own load or store would trap with, so the kernel
 * linker reports a bad pointer handed to printf or strlen exactly like a
 * bad pointer dereferenced in C.  Views are re-created on every call:
 * never cache one across calls (host_function.ts).
 *
 * Callers: every file in src/kern/services/.
 */

const UTF8 = new TextDecoder("utf-8");

/** wasm i32 arguments arrive signed; addresses and sizes are unsigned. */
export function u32(v: number): number {
  return v >>> 0;
}

/** Throw the trap a wasm load/store of `len` bytes at `addr` would raise. */
export function outOfBounds(addr: number, len: number, what: string): never {
  throw new WebAssembly.RuntimeError(
    `memory access out of bounds (${what}: ${len} bytes at 0x${u32(addr).toString(16)})`,
  );
}

/** A fresh byte view of the whole kernel memory. */
export function memBytes(memory: WebAssembly.Memory): Uint8Array {
  return new Uint8Array(memory.buffer);
}

/** Check that [addr, addr+len) lies inside `mem`; throws the trap if not. */
export function checkRange(mem: Uint8Array, addr: number, len: number, what: string): void {
  if (addr < 0 || len < 0 || addr + len > mem.length) outOfBounds(addr, len, what);
}

export function readU8(mem: Uint8Array, addr: number, what = "read"): number {
  checkRange(mem, addr, 1, what);
  return mem[addr] as number;
}

export function readI32(mem: Uint8Array, addr: number, what = "read"): number {
  checkRange(mem, addr, 4, what);
  // Assembled by hand: cheaper than a DataView per call on this hot path (printf).
  return (
    (mem[addr] as number) |
    ((mem[addr + 1] as number) << 8) |
    ((mem[addr + 2] as number) << 16) |
    ((mem[addr + 3] as number) << 24)
  );
}

export function readU32(mem: Uint8Array, addr: number, what = "read"): number {
  return readI32(mem, addr, what) >>> 0;
}

export function readI64(mem: Uint8Array, addr: number, what = "read"): bigint {
  checkRange(mem, addr, 8, what);
  const lo = BigInt(readI32(mem, addr) >>> 0);
  const hi = BigInt(readI32(mem, addr + 4));
  return (hi << 32n) | lo;
}

export function writeI32(mem: Uint8Array, addr: number, value: number, what = "write"): void {
  checkRange(mem, addr, 4, what);
  new DataView(mem.buffer, mem.byteOffset).setInt32(addr, value | 0, true);
}

export function writeI64(mem: Uint8Array, addr: number, value: bigint, what = "write"): void {
  checkRange(mem, addr, 8, what);
  new DataView(mem.buffer, mem.byteOffset).setBigInt64(addr, BigInt.asIntN(64, value), true);
}

/**
 * Length of the NUL-terminated string at `addr`, looking at no more than
 * `max` bytes (then `max` is returned).  Running off the end of memory
 * before a NUL is a trap, as strlen in C would fault.
 */
export function cStrLen(mem: Uint8Array, addr: number, max = Infinity, what = "string"): number {
  if (addr < 0 || addr > mem.length) outOfBounds(addr, 1, what);
  const limit = Math.min(mem.length, addr + max);
  const nul = mem.subarray(addr, limit).indexOf(0);
  if (nul >= 0) return nul;
  if (addr + max <= mem.length) return max;
  return outOfBounds(addr, mem.length - addr + 1, what);
}

/** The bytes of the C string at `addr` (without the NUL). */
export function cStrBytes(mem: Uint8Array, addr: number, max = Infinity, what = "string"): Uint8Array {
  const n = cStrLen(mem, addr, max, what);
  return mem.subarray(addr, addr + n);
}

/** The C string at `addr` decoded as UTF-8 (kernel text is bytes; invalid sequences become U+FFFD). */
export function cString(mem: Uint8Array, addr: number, max = Infinity, what = "string"): string {
  return UTF8.decode(cStrBytes(mem, addr, max, what));
}

/**
 * The C string at `addr` for the kernel's own messages: never traps; NULL or
 * an address outside memory reads as "", and at most `max` bytes are taken.
 */
export function cStringOrEmpty(mem: Uint8Array, addr: number, max: number): string {
  if (addr <= 0 || addr >= mem.length) return "";
  const limit = Math.min(mem.length, addr + max);
  let end = addr;
  while (end < limit && mem[end] !== 0) end++;
  return UTF8.decode(mem.subarray(addr, end));
}

/** Decode kernel output bytes for a console or terminal. */
export function decodeText(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
