/**
 * The kernel message buffer: everything the kernel printf(9)s, boot banner
 * first, kept in a bounded buffer that drops the oldest whole lines when
 * full.  `kld dmesg` reads it.  Like FreeBSD's, it survives a reboot: the
 * daemon hands the old contents to the new kernel, which marks the seam with
 * "---<<BOOT>>---".
 * Caller: src/kern/kernel.ts.  FreeBSD: sys/kern/subr_msgbuf.c (msgbuf_addstr,
 * msgbuf_getbytes) and sys/kern/subr_prf.c (msgbufinit's BOOT marker).
 */

/** FreeBSD's default MSGBUF_SIZE on amd64 is 96 KiB; we keep characters. */
export const MSGBUF_SIZE = 96 * 1024;

export class MsgBuf {
  private chunks: string[] = [];
  private length = 0;

  constructor(readonly size: number = MSGBUF_SIZE) {}

  /** msgbuf_addstr: append text (partial lines allowed). */
  append(text: string): void {
    if (text.length === 0) return;
    this.chunks.push(text);
    this.length += text.length;
    if (this.length > this.size) this.trim();
  }

  /** The contents, oldest first. */
  text(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join("")];
    return this.chunks[0] ?? "";
  }

  clear(): void {
    this.chunks = [];
    this.length = 0;
  }

  // Drop from the front, at a line boundary, until under the size.
  private trim(): void {
    let all = this.chunks.join("");
    let cut = all.length - this.size;
    const nl = all.indexOf("\n", cut);
    cut = nl === -1 ? cut : nl + 1;
    all = all.slice(cut);
    this.chunks = [all];
    this.length = all.length;
  }
}
