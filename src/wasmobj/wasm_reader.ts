/**
 * A bounds-checked cursor over wasm bytes: bytes, LEB128 integers, names.
 *
 * wasm_object.ts parses objects with it; link_relocatable.ts re-reads code
 * and data through it.  Every read is checked against the end of the
 * current region, so a hostile file can only make it throw ObjectFormatError,
 * which readObject turns into KernelError('ENOEXEC', file, detail).  There
 * is no FreeBSD counterpart (link_elf_obj.c reads fixed-size ELF headers).
 */

/** A format violation; `detail` is the user-visible reason. */
export class ObjectFormatError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "ObjectFormatError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class WasmReader {
  pos: number;

  /**
   * @param bytes the whole file
   * @param start first byte of the region
   * @param end one past the region's last byte
   * @param what the region's name for error messages ("section CODE")
   */
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.pos = start;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(detail: string): never {
    throw new ObjectFormatError(detail);
  }

  private truncated(item: string): never {
    this.fail(`${this.what} is truncated: ${item} at offset ${this.pos} runs past its end`);
  }

  u8(item = "byte"): number {
    if (this.pos >= this.end) this.truncated(item);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128, at most 32 bits. */
  u32(item = "integer"): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.truncated(item);
      const b = this.bytes[this.pos++]!;
      if (i === 4 && (b & 0xf0) !== 0) {
        this.fail(`${this.what}: ${item} at offset ${this.pos - 1} is not a valid 32-bit LEB128`);
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    this.fail(`${this.what}: ${item} at offset ${this.pos - 1} is not a valid 32-bit LEB128`);
  }

  /** Signed LEB128, at most 32 bits. */
  s32(item = "integer"): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.truncated(item);
      const b = this.bytes[this.pos++]!;
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) {
        if (i === 4) {
          // The unused high bits of the last byte must be a sign extension.
          const high = b & 0x70;
          if (high !== 0 && high !== 0x70) {
            this.fail(`${this.what}: ${item} at offset ${this.pos - 1} is not a valid 32-bit LEB128`);
          }
          return result | 0;
        }
        if (b & 0x40) result |= -1 << shift;
        return result | 0;
      }
    }
    this.fail(`${this.what}: ${item} at offset ${this.pos - 1} is not a valid 32-bit LEB128`);
  }

  /** Signed LEB128 of up to 64 bits, skipped (init expressions of i64 globals). */
  skipS64(item = "integer"): void {
    for (let i = 0; i < 10; i++) {
      if ((this.u8(item) & 0x80) === 0) return;
    }
    this.fail(`${this.what}: ${item} at offset ${this.pos - 1} is not a valid 64-bit LEB128`);
  }

  /** A count that prefixes a vector; each element needs at least minBytes bytes. */
  count(item: string, minBytes = 1): number {
    const n = this.u32(`${item} count`);
    if (n * minBytes > this.end - this.pos) {
      this.fail(`${this.what}: ${item} count ${n} is larger than the rest of the section`);
    }
    return n;
  }

  take(n: number, item: string): Uint8Array {
    if (n > this.end - this.pos) this.truncated(item);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, item: string): void {
    if (n > this.end - this.pos) this.truncated(item);
    this.pos += n;
  }

  name(item = "name"): string {
    const len = this.u32(`${item} length`);
    const raw = this.take(len, item);
    // Names are almost always short ASCII: build those without TextDecoder.
    if (len <= 64) {
      let out = "";
      let i = 0;
      for (; i < len; i++) {
        const c = raw[i]!;
        if (c >= 0x80) break;
        out += String.fromCharCode(c);
      }
      if (i === len) return out;
    }
    try {
      return utf8.decode(raw);
    } catch {
      this.fail(`${this.what}: ${item} at offset ${this.pos - len} is not valid UTF-8`);
    }
  }

  /** Fail unless the region was consumed exactly. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      this.fail(`${this.what} has ${this.end - this.pos} unexpected bytes at its end`);
    }
  }
}
