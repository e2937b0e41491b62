/**
 * Novell NE2000: a National DP8390 network interface controller behind
 * Novell's ISA glue ("ASIC").  32 ports at the card's base: 0x00–0x0F are the
 * 8390 registers in four pages selected by CR bits 7–6, base+0x10 is the
 * remote-DMA data port (a true 16-bit port when DCR.WTS selects word
 * transfers), and a read of base+0x1F resets the chip.  The buffer memory seen
 * through remote DMA holds the station-address PROM at 0x0000–0x001F (16
 * bytes, each presented twice on the 16-bit bus: MAC in bytes 0–5, "WW" =
 * 0x57 0x57 in bytes 14–15) and 16 KiB of packet RAM at 0x4000–0x7FFF;
 * everything else reads 0xFF and drops writes, so FreeBSD's probe classifies
 * the card as an NE2000 and not an NE1000 (reference isa-emulation.md §4.2).
 *
 * Transmit sends TBCR bytes from page TPSR to the card's virtual hub
 * (ethernet_hub.ts) after the frame's wire time at 10 Mbit/s, then sets
 * ISR.PTX.  Receive applies the RCR address filter (PAR, MAR hash, broadcast,
 * promiscuous), stores the frame behind a 4-byte header in the PSTART..PSTOP
 * ring at CURR, and sets ISR.PRX, or ISR.OVW when it would cross BNRY.  The
 * IRQ line is (ISR & IMR) != 0, decided in updateIrq() after every change.
 *
 * Created by the machine through the card registry (type "ne2000").
 * Datasheet: National DP8390D NIC Core (1996); register names as FreeBSD's
 * sys/dev/ed/if_edreg.h; probe in sys/dev/ed/if_ed_novell.c.
 */
import { KernelError, hostFileError } from "../../errno/kernel_error.js";
import type { DeviceContext, IrqLine, IsaDevice, RegisterSnapshot, Width } from "../device.js";
import { parseHexBytes } from "./byte_text.js";
import { hubFor, type EthernetHub, type HubPort } from "./ethernet_hub.js";
import { PcapWriter } from "./pcap_writer.js";
import { registerCardType } from "./registry.js";

/* Command register (all pages, offset 0). */
export const ED_CR_STP = 0x01;
export const ED_CR_STA = 0x02;
export const ED_CR_TXP = 0x04;
export const ED_CR_RD0 = 0x08;
export const ED_CR_RD1 = 0x10;
export const ED_CR_RD2 = 0x20;

/* Interrupt status (ISR) and mask (IMR) bits. */
export const ED_ISR_PRX = 0x01;
export const ED_ISR_PTX = 0x02;
export const ED_ISR_RXE = 0x04;
export const ED_ISR_TXE = 0x08;
export const ED_ISR_OVW = 0x10;
export const ED_ISR_CNT = 0x20;
export const ED_ISR_RDC = 0x40;
export const ED_ISR_RST = 0x80;

export const ED_TSR_PTX = 0x01;
export const ED_RSR_PRX = 0x01;
export const ED_RSR_MPA = 0x10;
export const ED_RSR_PHY = 0x20;

export const ED_RCR_AR = 0x02;
export const ED_RCR_AB = 0x04;
export const ED_RCR_AM = 0x08;
export const ED_RCR_PRO = 0x10;
export const ED_RCR_MON = 0x20;

export const ED_TCR_LB0 = 0x02;
export const ED_TCR_LB1 = 0x04;

export const ED_DCR_WTS = 0x01;
export const ED_DCR_BOS = 0x02;

/* Novell ASIC, offsets from the card base. */
export const ED_NOVELL_DATA = 0x10;
export const ED_NOVELL_RESET = 0x1f;

/** Packet RAM: 16 KiB at 0x4000 (pages 0x40–0x7F). */
export const NE2000_RAM_START = 0x4000;
export const NE2000_RAM_SIZE = 0x4000;
const PROM_SIZE = 0x20;
/** Bit time at 10 Mbit/s; a frame also pays 8 bytes of preamble and a 12-byte gap. */
const BYTE_NS = 800;
const WIRE_OVERHEAD_BYTES = 20;
/** Frames kept for the `sent` operation. */
const SENT_LOG_LIMIT = 64;

export interface Ne2000Options {
  readonly port: number;
  /** Absent: no interrupt line. */
  readonly irq?: number;
  /** Station address, six bytes. */
  readonly mac: readonly number[];
  /** Name of the machine's hub this card's cable goes to. */
  readonly hub: string;
  readonly pcap?: string;
}

/** Ethernet CRC-32 (as the 8390 computes it for the multicast hash), LSB first. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** Six address bytes from "52:54:00:12:34:56". */
export function parseMac(text: string): number[] {
  const parts = text.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new KernelError("EINVAL", text, "not an Ethernet address like 52:54:00:12:34:56");
  }
  return parts.map((p) => parseInt(p, 16));
}

/** "52:54:00:12:34:56" for the bytes of an Ethernet address. */
export function formatMac(mac: readonly number[]): string {
  return mac.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** A stable locally administered address for a card without `mac:`: 52:54:00 and three bytes of its name's CRC. */
export function defaultMac(name: string): number[] {
  const c = crc32(new TextEncoder().encode(name));
  return [0x52, 0x54, 0x00, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff];
}

export class Ne2000 implements IsaDevice, HubPort {
  readonly type = "ne2000";
  private readonly base: number;
  private readonly line: IrqLine | null;
  private readonly mac: readonly number[];
  private readonly prom = new Uint8Array(16);
  private readonly ram = new Uint8Array(NE2000_RAM_SIZE);
  private readonly hub: EthernetHub;
  private pcap: PcapWriter | null = null;

  // DP8390 registers.
  private cr = 0;
  private pstart = 0;
  private pstop = 0;
  private bnry = 0;
  private tpsr = 0;
  private tbcr = 0;
  private isr = 0;
  private rsar = 0;
  private rbcr = 0;
  private rcr = 0;
  private tcr = 0;
  private dcr = 0;
  private imr = 0;
  private tsr = 0;
  private ncr = 0;
  private rsr = 0;
  private cntr = [0, 0, 0];
  private crda = 0;
  private clda = 0;
  private curr = 0;
  private readonly par = new Uint8Array(6);
  private readonly mar = new Uint8Array(8);

  private txEvent = 0;
  private txBusy = false;
  private irqLevel = false;
  private readonly sentLog: Uint8Array[] = [];

  constructor(
    readonly name: string,
    options: Ne2000Options,
    private readonly ctx: DeviceContext,
  ) {
    // Host resources first: a failure here leaves nothing claimed or attached.
    if (options.pcap !== undefined) {
      try {
        this.pcap = new PcapWriter(options.pcap);
      } catch (e) {
        throw hostFileError(e, options.pcap, "cannot create pcap file");
      }
    }
    this.base = options.port;
    this.mac = options.mac.slice(0, 6);
    this.line = options.irq === undefined ? null : ctx.irq(options.irq);
    for (let i = 0; i < 6; i++) this.prom[i] = this.mac[i] ?? 0;
    this.prom[14] = 0x57;
    this.prom[15] = 0x57;
    ctx.claimPorts(
      { start: this.base, length: 0x10, widths: [1] },
      { read: (port) => this.readReg(port - this.base), write: (port, v) => this.writeReg(port - this.base, v & 0xff) },
    );
    ctx.claimPorts(
      { start: this.base + ED_NOVELL_DATA, length: 1, widths: [1, 2, 4] },
      { read: (_p, w) => this.readData(w), write: (_p, v, w) => this.writeData(v, w) },
    );
    // 0x11–0x1F: the ASIC decodes them; only 0x1F (reset) does anything.
    ctx.claimPorts(
      { start: this.base + 0x11, length: 0x0f, widths: [1] },
      {
        read: (port) => {
          if (port - this.base === ED_NOVELL_RESET) this.asicReset();
          return port - this.base === ED_NOVELL_RESET ? 0x00 : 0xff;
        },
        write: () => {},
      },
    );
    this.hub = hubFor(ctx.clock, options.hub);
    this.hub.attach(this);
    this.reset();
  }

  /** Power-on: packet RAM cleared, chip in its reset state. */
  reset(): void {
    this.ram.fill(0);
    this.par.fill(0);
    this.mar.fill(0);
    this.pstart = this.pstop = this.bnry = this.curr = this.tpsr = 0;
    this.tbcr = this.rsar = this.rbcr = this.crda = this.clda = 0;
    this.rcr = this.tcr = this.dcr = this.tsr = this.ncr = this.rsr = 0;
    this.cntr = [0, 0, 0];
    this.asicReset();
  }

  /** RESET pin (a read of base+0x1F): the 8390 stops; buffer RAM and addresses survive. */
  private asicReset(): void {
    this.ctx.clock.cancel(this.txEvent);
    this.txBusy = false;
    this.cr = ED_CR_RD2 | ED_CR_STP;
    this.isr = ED_ISR_RST;
    this.imr = 0;
    this.updateIrq();
  }

  close(): void {
    this.hub.detach(this);
    this.pcap?.close();
    this.pcap = null;
  }

  /** Put a frame on this card's segment from the host: every NE2000 on the hub hears it. */
  inject(frame: Uint8Array): void {
    this.hub.send(null, frame);
  }

  /** The last frames this card transmitted (oldest first). */
  sent(): readonly Uint8Array[] {
    return this.sentLog.map((f) => f.slice());
  }

  macAddress(): string {
    return this.mac.map((b) => b.toString(16).padStart(2, "0")).join(":");
  }

  /**
   * Run-time operations: `inject HEX` (a frame onto the hub), `sent` (one hex
   * line per transmitted frame).
   * @throws KernelError EINVAL for a bad frame, EOPNOTSUPP for other ops.
   */
  control(op: string, args: readonly string[]): readonly string[] {
    switch (op) {
      case "inject": {
        const frame = parseHexBytes(args.join(""));
        if (frame.length < 14 || frame.length > 1514) {
          throw new KernelError("EINVAL", this.name, `frame of ${frame.length} bytes: need 14-1514 (header and payload, no CRC)`);
        }
        this.inject(frame);
        return [];
      }
      case "sent":
        return this.sentLog.map((f) => Buffer.from(f).toString("hex"));
      default:
        throw new KernelError("EOPNOTSUPP", this.name, `unknown operation "${op}" (ne2000: inject, sent)`);
    }
  }

  snapshot(): RegisterSnapshot {
    return {
      mac: this.macAddress(),
      CR: this.cr,
      PSTART: this.pstart,
      PSTOP: this.pstop,
      BNRY: this.bnry,
      TPSR: this.tpsr,
      TBCR: this.tbcr,
      ISR: this.isr,
      IMR: this.imr,
      RSAR: this.rsar,
      RBCR: this.rbcr,
      CRDA: this.crda,
      RCR: this.rcr,
      TCR: this.tcr,
      DCR: this.dcr,
      TSR: this.tsr,
      RSR: this.rsr,
      CNTR0: this.cntr[0]!,
      CNTR1: this.cntr[1]!,
      CNTR2: this.cntr[2]!,
      PAR: [...this.par],
      CURR: this.curr,
      MAR: [...this.mar],
      irqLevel: this.irqLevel,
    };
  }

  private updateIrq(): void {
    this.irqLevel = (this.isr & this.imr & 0x7f) !== 0;
    this.line?.set(this.irqLevel);
  }

  // ---- Buffer memory as remote and local DMA see it ----

  private memRead(addr: number): number {
    addr &= 0xffff;
    if (addr < PROM_SIZE) return this.prom[addr >> 1]!;
    if (addr >= NE2000_RAM_START && addr < NE2000_RAM_START + NE2000_RAM_SIZE) return this.ram[addr - NE2000_RAM_START]!;
    return 0xff;
  }

  private memWrite(addr: number, v: number): void {
    addr &= 0xffff;
    if (addr >= NE2000_RAM_START && addr < NE2000_RAM_START + NE2000_RAM_SIZE) this.ram[addr - NE2000_RAM_START] = v;
  }

  private ringValid(): boolean {
    return this.pstart < this.pstop;
  }

  /** Advance a DMA address, wrapping from PSTOP to PSTART inside a valid ring. */
  private nextAddr(addr: number): number {
    addr = (addr + 1) & 0xffff;
    if (this.ringValid() && addr === this.pstop << 8) addr = this.pstart << 8;
    return addr;
  }

  // ---- Register file ----

  private readReg(off: number): number {
    if (off === 0) return this.cr;
    const page = this.cr >> 6;
    if (page === 0) {
      switch (off) {
        case 0x01:
          return this.clda & 0xff;
        case 0x02:
          return this.clda >> 8;
        case 0x03:
          return this.bnry;
        case 0x04:
          return this.tsr;
        case 0x05:
          return this.ncr;
        case 0x06:
          return 0; // FIFO
        case 0x07:
          return this.isr;
        case 0x08:
          return this.crda & 0xff;
        case 0x09:
          return this.crda >> 8;
        case 0x0c:
          return this.rsr;
        case 0x0d:
        case 0x0e:
        case 0x0f: {
          // Tally counters clear when read.
          const i = off - 0x0d;
          const v = this.cntr[i]!;
          this.cntr[i] = 0;
          return v;
        }
        default:
          return 0x00; // 0x0A, 0x0B reserved
      }
    }
    if (page === 1) {
      if (off <= 6) return this.par[off - 1]!;
      if (off === 7) return this.curr;
      return this.mar[off - 8]!;
    }
    if (page === 2) {
      switch (off) {
        case 0x01:
          return this.pstart;
        case 0x02:
          return this.pstop;
        case 0x03:
          return 0; // remote next packet pointer (send-packet command not modelled)
        case 0x04:
          return this.tpsr;
        case 0x05:
          return this.curr; // local next packet pointer
        case 0x06:
          return this.clda >> 8;
        case 0x07:
          return this.clda & 0xff;
        case 0x0c:
          return this.rcr | 0xc0;
        case 0x0d:
          return this.tcr | 0xe0;
        case 0x0e:
          return this.dcr | 0x80;
        case 0x0f:
          return this.imr | 0x80;
        default:
          return 0xff;
      }
    }
    return 0xff; // page 3: no RTL8019 configuration registers on a Novell card
  }

  private writeReg(off: number, v: number): void {
    if (off === 0) {
      this.writeCr(v);
      return;
    }
    const page = this.cr >> 6;
    if (page === 0) {
      switch (off) {
        case 0x01:
          this.pstart = v;
          break;
        case 0x02:
          this.pstop = v;
          break;
        case 0x03:
          this.bnry = v;
          break;
        case 0x04:
          this.tpsr = v;
          break;
        case 0x05:
          this.tbcr = (this.tbcr & 0xff00) | v;
          break;
        case 0x06:
          this.tbcr = (this.tbcr & 0x00ff) | (v << 8);
          break;
        case 0x07:
          this.isr &= ~(v & 0x7f); // write 1 to clear; RST is status only
          break;
        case 0x08:
          this.rsar = (this.rsar & 0xff00) | v;
          this.crda = this.rsar;
          break;
        case 0x09:
          this.rsar = (this.rsar & 0x00ff) | (v << 8);
          this.crda = this.rsar;
          break;
        case 0x0a:
          this.rbcr = (this.rbcr & 0xff00) | v;
          break;
        case 0x0b:
          this.rbcr = (this.rbcr & 0x00ff) | (v << 8);
          break;
        case 0x0c:
          this.rcr = v & 0x3f;
          break;
        case 0x0d:
          this.tcr = v & 0x1f;
          break;
        case 0x0e:
          this.dcr = v & 0x7f;
          break;
        case 0x0f:
          this.imr = v & 0x7f;
          break;
      }
    } else if (page === 1) {
      if (off <= 6) this.par[off - 1] = v;
      else if (off === 7) this.curr = v;
      else this.mar[off - 8] = v;
    }
    // Page 2 writes are diagnostic (local DMA pointers): ignored.  Page 3 does not exist.
    this.updateIrq();
  }

  private writeCr(v: number): void {
    if (v & ED_CR_STP) {
      // Stop: the chip finishes nothing and reports RST (FreeBSD's ed_stop polls for it).
      this.cr = (v & ~(ED_CR_STA | ED_CR_TXP)) | ED_CR_STP;
      this.isr |= ED_ISR_RST;
      this.ctx.clock.cancel(this.txEvent);
      this.txBusy = false;
    } else if (v & ED_CR_STA) {
      this.cr = (v & ~ED_CR_TXP) | (this.txBusy ? ED_CR_TXP : 0);
      this.isr &= ~ED_ISR_RST;
    } else {
      // Neither bit: keep the run state, take page and remote-DMA bits.
      this.cr = (v & 0xf8) | (this.cr & (ED_CR_STP | ED_CR_STA)) | (this.txBusy ? ED_CR_TXP : 0);
    }
    const rd = (v >> 3) & 7;
    if ((rd === 1 || rd === 2) && !(this.cr & ED_CR_STP)) {
      // Remote read or write: start at RSAR for RBCR bytes; a zero count completes at once.
      this.crda = this.rsar;
      if (this.rbcr === 0) this.isr |= ED_ISR_RDC;
    }
    // rd 3 (send packet) is not modelled: XXX FreeBSD's ed never uses it.
    if (v & ED_CR_TXP && this.cr & ED_CR_STA && !this.txBusy) this.startTransmit();
    this.updateIrq();
  }

  // ---- Remote DMA through the data port ----

  private remoteCount(n: number): void {
    if (this.rbcr === 0) return;
    this.rbcr = Math.max(0, this.rbcr - n);
    if (this.rbcr === 0) {
      this.isr |= ED_ISR_RDC;
      this.updateIrq();
    }
  }

  private readWord(): number {
    const a = this.memRead(this.crda);
    this.crda = this.nextAddr(this.crda);
    const b = this.memRead(this.crda);
    this.crda = this.nextAddr(this.crda);
    this.remoteCount(2);
    return this.dcr & ED_DCR_BOS ? (a << 8) | b : a | (b << 8);
  }

  private writeWord(v: number): void {
    const lo = v & 0xff;
    const hi = (v >> 8) & 0xff;
    const [a, b] = this.dcr & ED_DCR_BOS ? [hi, lo] : [lo, hi];
    this.memWrite(this.crda, a);
    this.crda = this.nextAddr(this.crda);
    this.memWrite(this.crda, b);
    this.crda = this.nextAddr(this.crda);
    this.remoteCount(2);
  }

  private readData(width: Width): number {
    if (this.dcr & ED_DCR_WTS) {
      // Word transfers: every bus cycle moves a word; a byte cycle sees its low half.
      if (width === 1) return this.readWord() & 0xff;
      if (width === 2) return this.readWord();
      const lo = this.readWord();
      return (lo | (this.readWord() << 16)) >>> 0;
    }
    let v = 0;
    for (let i = 0; i < width; i++) {
      v |= this.memRead(this.crda) << (8 * i);
      this.crda = this.nextAddr(this.crda);
      this.remoteCount(1);
    }
    return v >>> 0;
  }

  private writeData(v: number, width: Width): void {
    if (this.dcr & ED_DCR_WTS) {
      this.writeWord(v & 0xffff);
      if (width === 4) this.writeWord((v >>> 16) & 0xffff);
      return;
    }
    for (let i = 0; i < width; i++) {
      this.memWrite(this.crda, (v >>> (8 * i)) & 0xff);
      this.crda = this.nextAddr(this.crda);
      this.remoteCount(1);
    }
  }

  // ---- Transmit ----

  private startTransmit(): void {
    const len = this.tbcr;
    const frame = new Uint8Array(len);
    let addr = this.tpsr << 8;
    for (let i = 0; i < len; i++) {
      frame[i] = this.memRead(addr);
      addr = (addr + 1) & 0xffff;
    }
    this.txBusy = true;
    this.cr |= ED_CR_TXP;
    const done = this.ctx.clock.now() + (len + WIRE_OVERHEAD_BYTES) * BYTE_NS;
    this.txEvent = this.ctx.clock.schedule(done, () => {
      this.txBusy = false;
      this.cr &= ~ED_CR_TXP;
      if (this.tcr & (ED_TCR_LB0 | ED_TCR_LB1)) {
        // Loopback: the frame comes back to this receiver and never reaches the cable.
        this.receiveFrame(frame);
      } else {
        if (this.sentLog.length >= SENT_LOG_LIMIT) this.sentLog.shift();
        this.sentLog.push(frame);
        this.capture(frame);
        this.hub.send(this, frame);
      }
      this.tsr = ED_TSR_PTX;
      this.isr |= ED_ISR_PTX;
      this.updateIrq();
    });
  }

  /** Append to the pcap file; a host write error closes the capture, never reaches the guest. */
  private capture(frame: Uint8Array): void {
    if (!this.pcap) return;
    try {
      this.pcap.write(this.ctx.clock.now(), frame);
    } catch (e) {
      this.ctx.log(`pcap: ${hostFileError(e, this.pcap.path, "write failed").message}; capture stopped`);
      try {
        this.pcap.close();
      } catch {
        // the descriptor is gone either way
      }
      this.pcap = null;
    }
  }

  // ---- Receive ----

  private addressMatch(frame: Uint8Array): boolean {
    if (this.rcr & ED_RCR_PRO) return true;
    const dst = frame.subarray(0, 6);
    if (dst.every((b) => b === 0xff)) return (this.rcr & ED_RCR_AB) !== 0;
    if (dst[0]! & 1) {
      if (!(this.rcr & ED_RCR_AM)) return false;
      const bit = crc32(dst) >>> 26; // top six bits index the 64-bit MAR
      return ((this.mar[bit >> 3]! >> (bit & 7)) & 1) !== 0;
    }
    return dst.every((b, i) => b === this.par[i]);
  }

  private tally(i: number): void {
    const v = (this.cntr[i]! + 1) & 0xff;
    this.cntr[i] = v;
    if (v & 0x80) this.isr |= ED_ISR_CNT;
  }

  /** A frame from the cable (hub or loopback). */
  receiveFrame(frame: Uint8Array): void {
    if (!(this.tcr & (ED_TCR_LB0 | ED_TCR_LB1))) this.capture(frame);
    if (this.cr & ED_CR_STP || frame.length < 6) return;
    if (!this.addressMatch(frame)) return;
    if (this.rcr & ED_RCR_MON || !this.ringValid()) {
      this.rsr = ED_RSR_MPA;
      this.tally(2);
      this.updateIrq();
      return;
    }
    const total = frame.length + 4;
    const pages = Math.ceil(total / 256);
    const ring = this.pstop - this.pstart;
    const avail = this.curr < this.bnry ? this.bnry - this.curr : ring - (this.curr - this.bnry);
    if (pages >= avail || this.curr < this.pstart || this.curr >= this.pstop) {
      this.isr |= ED_ISR_OVW;
      this.rsr = ED_RSR_MPA;
      this.tally(2);
      this.updateIrq();
      return;
    }
    let next = this.curr + pages;
    if (next >= this.pstop) next = next - this.pstop + this.pstart;
    const status = ED_RSR_PRX | (frame[0]! & 1 ? ED_RSR_PHY : 0);
    let addr = this.curr << 8;
    for (const b of [status, next, total & 0xff, total >> 8]) {
      this.memWrite(addr, b);
      addr = this.nextAddr(addr);
    }
    for (const b of frame) {
      this.memWrite(addr, b);
      addr = this.nextAddr(addr);
    }
    this.clda = addr;
    this.curr = next;
    this.rsr = status;
    this.isr |= ED_ISR_PRX;
    this.updateIrq();
  }
}

registerCardType("ne2000", {
  description: "Novell NE2000 Ethernet (DP8390 core, 16 KiB buffer, 16-bit data port)",
  options: {
    port: { kind: "port", required: true, description: "I/O base (32 ports), typically 0x280 or 0x300" },
    irq: { kind: "irq", description: "ISA IRQ; absent: no interrupt line" },
    mac: {
      kind: "mac",
      default: (card) => formatMac(defaultMac(card)),
      description: "station address in the PROM (default: 52:54:00 and three bytes derived from the card name)",
    },
    hub: { kind: "string", default: "hub0", description: "virtual hub (segment) the card is cabled to; cards of one machine on the same hub hear each other" },
    pcap: { kind: "path", description: "libpcap file (link type 1) receiving every frame the card sends or hears" },
  },
  create: (name, options, ctx) => new Ne2000(name, { ...options, mac: parseMac(options.mac) }, ctx),
});
