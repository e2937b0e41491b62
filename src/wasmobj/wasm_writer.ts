/**
 * A growable byte buffer for writing wasm: bytes, LEB128, names, sections,
 * and the padded fields that relocations patch in place.
 *
 * Used by emit.ts (the final module the kernel instantiates) and by
 * link_relocatable.ts (ld -r output).  No FreeBSD counterpart.
 */

const utf8 = new TextEncoder();

/** The 8-byte preamble of every wasm binary: `\0asm` and version 1. */
export const WASM_HEADER: Uint8Array = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Smallest buffer a writer starts with, whatever size hint it is given. */
const MIN_CAPACITY = 64;

export class WasmWriter {
  private buf: Uint8Array<ArrayBuffer>;
  len = 0;

  /** @param initial a size hint; any value (0, negative, NaN) gives a working writer. */
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial >= MIN_CAPACITY ? Math.floor(initial) : MIN_CAPACITY);
  }

  /**
   * Make room for n more bytes.  One step, no loop: the new size is at
   * least what is needed, so a writer that started empty cannot spin
   * (issue 13: doubling a 0-byte buffer never reached the size needed).
   */
  private reserve(n: number): void {
    const needed = this.len + n;
    if (needed <= this.buf.length) return;
    const next = new Uint8Array(Math.max(needed, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(b: number): this {
    this.reserve(1);
    this.buf[this.len++] = b;
    return this;
  }

  u32(v: number): this {
    this.reserve(5);
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
    return this;
  }

  s32(v: number): this {
    this.reserve(5);
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.buf[this.len++] = b;
        return this;
      }
      this.buf[this.len++] = b | 0x80;
    }
  }

  /** A 5-byte padded unsigned LEB (relocatable field). */
  paddedU32(v: number): this {
    this.reserve(5);
    writePaddedU32(this.buf, this.len, v);
    this.len += 5;
    return this;
  }

  u32le(v: number): this {
    this.reserve(4);
    writeU32le(this.buf, this.len, v);
    this.len += 4;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  name(s: string): this {
    // ASCII (nearly every C symbol) is written without TextEncoder.
    const n = s.length;
    let ascii = n < 128;
    for (let i = 0; ascii && i < n; i++) if (s.charCodeAt(i) >= 0x80) ascii = false;
    if (!ascii) {
      const b = utf8.encode(s);
      return this.u32(b.length).bytes(b);
    }
    this.reserve(n + 1);
    this.buf[this.len++] = n;
    for (let i = 0; i < n; i++) this.buf[this.len++] = s.charCodeAt(i);
    return this;
  }

  /** Append a section: id, payload size, payload. */
  section(id: number, payload: WasmWriter | Uint8Array): this {
    const p = payload instanceof WasmWriter ? payload.finish() : payload;
    return this.u8(id).u32(p.length).bytes(p);
  }

  /** Append a custom section with `name`. */
  custom(name: string, payload: WasmWriter | Uint8Array): this {
    const p = payload instanceof WasmWriter ? payload.finish() : payload;
    const head = new WasmWriter(name.length + 5).name(name).finish();
    return this.u8(0).u32(head.length + p.length).bytes(head).bytes(p);
  }

  /** The bytes written so far (a view; copy if you keep writing). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.len);
  }
}

/** Overwrite 5 bytes at `at` with a padded unsigned LEB of v. */
export function writePaddedU32(buf: Uint8Array, at: number, v: number): void {
  v >>>= 0;
  buf[at] = (v & 0x7f) | 0x80;
  buf[at + 1] = ((v >>> 7) & 0x7f) | 0x80;
  buf[at + 2] = ((v >>> 14) & 0x7f) | 0x80;
  buf[at + 3] = ((v >>> 21) & 0x7f) | 0x80;
  buf[at + 4] = (v >>> 28) & 0x0f;
}

/** Overwrite 5 bytes at `at` with a padded signed LEB of v. */
export function writePaddedS32(buf: Uint8Array, at: number, v: number): void {
  v |= 0;
  buf[at] = (v & 0x7f) | 0x80;
  buf[at + 1] = ((v >> 7) & 0x7f) | 0x80;
  buf[at + 2] = ((v >> 14) & 0x7f) | 0x80;
  buf[at + 3] = ((v >> 21) & 0x7f) | 0x80;
  buf[at + 4] = (v >> 28) & 0x7f;
}

export function writeU32le(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}

