/**
 * The AT's two Intel 8237A DMA controllers, their page registers and the
 * POST / delay ports 0x80–0x8F.
 *
 * DMA1 (channels 0–3, byte transfers) at 0x00–0x0F, DMA2 (channels 4–7, word
 * transfers, channel 4 = cascade) at 0xC0–0xDF with registers on even ports.
 * The page register file at 0x80–0x8F is one 16-byte latch (74LS612 on the
 * AT): eight bytes are the channels' address bits 16–23, the others (0x80 is
 * the BIOS POST code port, 0x84 FreeBSD's delay port) just read back what was
 * written, cheaply and with no side effect.
 *
 * The machine builds one Dma8237Pair and hands devices a DmaChannel view
 * (DeviceContext.dma); the SB16 pulls bytes with readFromMemory() and learns
 * about terminal count.  Single, demand and block modes are all treated as
 * "the device pulls units when it wants them"; autoinitialise, address
 * decrement, TC status bits and the mask-on-TC rule are modelled.
 * Corresponds to FreeBSD sys/x86/isa/isa_dma.c (isa_dmastart: mode, clear
 * flip-flop, address, page, count-1, unmask) and the Intel 8237A datasheet.
 */
import type { DmaChannel, RegisterSnapshot, Width } from "../device.js";

/** Page register port offset (from 0x80) for channels 0..7. */
const PAGE_OFFSET: readonly number[] = [0x7, 0x3, 0x1, 0x2, 0xf, 0xb, 0x9, 0xa];

/** Physical memory as the DMA controller sees it. */
export interface PhysicalMemory {
  memRead8(addr: number): number;
  memWrite8(addr: number, value: number): void;
}

class Channel {
  baseAddr = 0;
  baseCount = 0;
  curAddr = 0;
  curCount = 0;
  mode = 0;
  masked = true;
  tc = false;
  requested = false;
}

class Controller {
  readonly ch = [new Channel(), new Channel(), new Channel(), new Channel()];
  flipflop = false;
  command = 0;
  status = 0;
  temp = 0;

  masterClear(): void {
    this.flipflop = false;
    this.command = 0;
    this.status = 0;
    this.temp = 0;
    for (const c of this.ch) {
      c.masked = true;
      c.requested = false;
    }
  }
}

export class Dma8237Pair {
  readonly name = "dma";
  readonly type = "i8237";
  private readonly ctl = [new Controller(), new Controller()];
  /** Ports 0x80–0x8F. */
  readonly pageRegs = new Uint8Array(16);

  constructor(private readonly mem: PhysicalMemory) {}

  reset(): void {
    for (const c of this.ctl) c.masterClear();
    this.pageRegs.fill(0);
  }

  private chan(n: number): Channel {
    return this.ctl[n >> 2]!.ch[n & 3]!;
  }

  /** Register index 0..15 and controller for a port of either chip. */
  private decode(port: number): { readonly c: Controller; readonly idx: number; readonly hi: number } {
    if (port < 0x10) return { c: this.ctl[0]!, idx: port, hi: 0 };
    return { c: this.ctl[1]!, idx: (port - 0xc0) >> 1, hi: 1 };
  }

  read(port: number, _width: Width): number {
    if (port >= 0x80 && port <= 0x8f) return this.pageRegs[port - 0x80]!;
    if (port >= 0xc0 && (port & 1) === 1) return 0xff; // odd ports of DMA2 are not decoded
    const { c, idx } = this.decode(port);
    if (idx < 8) {
      const ch = c.ch[idx >> 1]!;
      const v = (idx & 1) === 0 ? ch.curAddr : ch.curCount;
      const byte = c.flipflop ? (v >> 8) & 0xff : v & 0xff;
      c.flipflop = !c.flipflop;
      return byte;
    }
    switch (idx) {
      case 8: {
        let req = 0;
        for (let i = 0; i < 4; i++) if (c.ch[i]!.requested) req |= 0x10 << i;
        const v = c.status | req;
        c.status = 0; // reading the status register clears the TC bits
        return v;
      }
      case 0xd:
        return c.temp;
      default:
        return 0xff;
    }
  }

  write(port: number, value: number, _width: Width): void {
    value &= 0xff;
    if (port >= 0x80 && port <= 0x8f) {
      this.pageRegs[port - 0x80] = value;
      return;
    }
    if (port >= 0xc0 && (port & 1) === 1) return;
    const { c, idx } = this.decode(port);
    if (idx < 8) {
      const ch = c.ch[idx >> 1]!;
      const hiByte = c.flipflop;
      c.flipflop = !c.flipflop;
      if ((idx & 1) === 0) {
        ch.baseAddr = hiByte ? (ch.baseAddr & 0xff) | (value << 8) : (ch.baseAddr & 0xff00) | value;
        ch.curAddr = ch.baseAddr;
      } else {
        ch.baseCount = hiByte ? (ch.baseCount & 0xff) | (value << 8) : (ch.baseCount & 0xff00) | value;
        ch.curCount = ch.baseCount;
        ch.tc = false;
      }
      return;
    }
    switch (idx) {
      case 8:
        c.command = value;
        return;
      case 9:
        c.ch[value & 3]!.requested = (value & 4) !== 0;
        return;
      case 0xa:
        c.ch[value & 3]!.masked = (value & 4) !== 0;
        return;
      case 0xb:
        c.ch[value & 3]!.mode = value;
        return;
      case 0xc:
        c.flipflop = false;
        return;
      case 0xd:
        c.masterClear();
        return;
      case 0xe:
        for (const ch of c.ch) ch.masked = false;
        return;
      case 0xf:
        for (let i = 0; i < 4; i++) c.ch[i]!.masked = (value & (1 << i)) !== 0;
        return;
    }
  }

  /** The view a device gets of channel `n` (0–7). */
  channel(n: number): DmaChannel {
    const pair = this;
    const ch = this.chan(n);
    const word = n >= 4;
    return {
      channel: n,
      active: () => !ch.masked && !(ch.tc && (ch.mode & 0x10) === 0),
      readFromMemory: (units: number) => pair.transfer(n, ch, word, Math.max(0, Math.floor(units)), undefined),
      writeToMemory: (data: Uint8Array) => pair.transfer(n, ch, word, word ? data.length >> 1 : data.length, data).length,
      terminalCount: () => ch.tc,
    };
  }

  /** Move up to `units` units; to the device when `data` is undefined, else from `data` to memory. */
  private transfer(n: number, ch: Channel, word: boolean, units: number, data: Uint8Array | undefined): Uint8Array {
    const out: number[] = [];
    const page = this.pageRegs[PAGE_OFFSET[n]!]!;
    const c = this.ctl[n >> 2]!;
    let done = 0;
    while (done < units && !ch.masked && !(ch.tc && (ch.mode & 0x10) === 0)) {
      const phys = word ? ((page & 0xfe) << 16) | ((ch.curAddr & 0xffff) << 1) : (page << 16) | (ch.curAddr & 0xffff);
      const bytes = word ? 2 : 1;
      for (let b = 0; b < bytes; b++) {
        if (data === undefined) out.push(this.mem.memRead8(phys + b));
        else this.mem.memWrite8(phys + b, data[done * bytes + b] ?? 0);
      }
      if (data !== undefined) out.push(0);
      done++;
      ch.curAddr = (ch.mode & 0x20) !== 0 ? (ch.curAddr - 1) & 0xffff : (ch.curAddr + 1) & 0xffff;
      if (ch.curCount === 0) {
        // Terminal count: the count rolled past zero after count+1 units.
        ch.tc = true;
        c.status |= 1 << (n & 3);
        if ((ch.mode & 0x10) !== 0) {
          ch.curAddr = ch.baseAddr;
          ch.curCount = ch.baseCount;
        } else {
          ch.curCount = 0xffff;
          ch.masked = true;
        }
        if ((ch.mode & 0x10) === 0) break;
      } else {
        ch.curCount--;
      }
    }
    return Uint8Array.from(out);
  }

  snapshot(): RegisterSnapshot {
    const out: Record<string, number | string | boolean> = {};
    for (let n = 0; n < 8; n++) {
      if (n === 4) continue;
      const ch = this.chan(n);
      out[`ch${n}.address`] = ch.curAddr;
      out[`ch${n}.count`] = ch.curCount;
      out[`ch${n}.page`] = this.pageRegs[PAGE_OFFSET[n]!]!;
      out[`ch${n}.mode`] = ch.mode;
      out[`ch${n}.masked`] = ch.masked;
      out[`ch${n}.tc`] = ch.tc;
    }
    out["post"] = this.pageRegs[0]!;
    return out;
  }
}
