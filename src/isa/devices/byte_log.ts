/**
 * ByteLog: the last `limit` bytes a card emitted (what a UART transmitted,
 * a printer printed, an SB16 played), for the run-time operations and
 * snapshots.  Appending is O(1) amortised: the oldest bytes are dropped in
 * one chunk when the store reaches twice the limit, not one at a time
 * (shifting a full 1 MiB array per byte cost ~140 µs a byte).
 * Used by ns16550.ts, lpt.ts and sb16.ts.
 */
export class ByteLog {
  private data: number[] = [];

  constructor(private readonly limit: number) {}

  push(byte: number): void {
    if (this.data.length >= 2 * this.limit) this.data.splice(0, this.data.length - this.limit);
    this.data.push(byte);
  }

  /** How many bytes are kept (at most the limit). */
  get length(): number {
    return Math.min(this.data.length, this.limit);
  }

  /** The kept bytes, oldest first. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.data.length > this.limit ? this.data.slice(-this.limit) : this.data);
  }

  clear(): void {
    this.data = [];
  }
}
