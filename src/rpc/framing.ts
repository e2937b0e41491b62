/**
 * Line framing for the RPC socket: one UTF-8 JSON text per "\n"-terminated
 * line.  Both the daemon's server and the CLI's client feed socket chunks
 * into a LineSplitter and get whole lines back.  A line longer than the
 * limit is reported once (so the server can answer and hang up) instead of
 * being buffered without bound; bytes that are not valid UTF-8 are reported
 * as such rather than silently replaced.
 * No FreeBSD counterpart (the kernel's syscall ABI needs no framing).
 */

export type Frame =
  | { readonly kind: "line"; readonly text: string }
  | { readonly kind: "invalid-utf8" }
  | { readonly kind: "oversized"; readonly bytes: number };

const NL = 0x0a;

export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;
  private discarding = false;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });

  constructor(private readonly maxLineBytes: number) {}

  /** Feed one chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(NL, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (this.discarding) {
        // The rest of an oversized line: drop it up to its newline.
        if (nl !== -1) this.discarding = false;
      } else if (this.pending + piece.length > this.maxLineBytes) {
        frames.push({ kind: "oversized", bytes: this.pending + piece.length });
        this.parts = [];
        this.pending = 0;
        this.discarding = nl === -1;
      } else {
        if (piece.length > 0) {
          this.parts.push(piece);
          this.pending += piece.length;
        }
        if (nl !== -1) {
          const f = this.take();
          if (f) frames.push(f);
        }
      }
      if (nl === -1) break;
    }
    return frames;
  }

  private take(): Frame | undefined {
    const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.pending = 0;
    // A blank line (or a lone "\r") is not a message: ignore it.
    if (buf.length === 0 || (buf.length === 1 && buf[0] === 0x0d)) return undefined;
    try {
      return { kind: "line", text: this.decoder.decode(buf) };
    } catch {
      return { kind: "invalid-utf8" };
    }
  }
}
