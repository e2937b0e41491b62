/**
 * A classic libpcap capture file (magic 0xa1b2c3d4, version 2.4, link type 1
 * = Ethernet), written synchronously frame by frame so a crash loses
 * nothing and `tcpdump -r FILE` works while the machine still runs.
 * Timestamps are the machine's virtual time.  Used by ne2000.ts for its
 * `pcap:` option.  Format: pcap-savefile(5) / tcpdump.org "Libpcap File
 * Format"; no FreeBSD kernel counterpart (bpf(4) is the closest).
 */
import { closeSync, openSync, writeSync } from "node:fs";

export const PCAP_MAGIC = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 65535;

export class PcapWriter {
  private fd: number | null;

  /** Create (truncate) `path` and write the global header.  Throws Node's fs error if it cannot. */
  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
    const h = Buffer.alloc(24);
    h.writeUInt32LE(PCAP_MAGIC, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8); // thiszone
    h.writeUInt32LE(0, 12); // sigfigs
    h.writeUInt32LE(PCAP_SNAPLEN, 16);
    h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    writeSync(this.fd, h);
  }

  /** Append one frame captured at virtual time `ns`. */
  write(ns: number, frame: Uint8Array): void {
    if (this.fd === null) return;
    const caplen = Math.min(frame.length, PCAP_SNAPLEN);
    const r = Buffer.alloc(16 + caplen);
    const us = Math.floor(ns / 1000);
    r.writeUInt32LE(Math.floor(us / 1_000_000) >>> 0, 0);
    r.writeUInt32LE(us % 1_000_000, 4);
    r.writeUInt32LE(caplen, 8);
    r.writeUInt32LE(frame.length, 12);
    r.set(frame.subarray(0, caplen), 16);
    writeSync(this.fd, r);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
