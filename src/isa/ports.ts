/**
 * The ISA I/O port space: 65 536 ports, a flat table of claims.
 *
 * Devices claim ranges through DeviceContext.claimPorts (the machine forwards
 * here) naming the widths they decode natively.  Reads of an unclaimed port
 * return all ones by width (0xFF, 0xFFFF, 0xFFFFFFFF: the pulled-up ISA data
 * lines), writes to nothing are dropped.  A wider cycle to a port whose claim
 * does not accept that width is split as the AT bus does: a 32-bit cycle into
 * two 16-bit halves, a 16-bit cycle into two byte cycles, low part first at
 * the lower port.  Byte cycles always reach the card.  Two cards decoding the
 * same port both see writes and a read returns the AND of their outputs (open
 * collector contention on a real bus); the conflict is recorded so the
 * machine can report it.
 *
 * Every bus cycle charges ISA_ACCESS_NS of virtual time.  inb/outb are the
 * hot path: a table load, a width test and a call, no allocation.
 * Corresponds to v86's io.js port table and Bochs' iodev/devices.cc inp/outp.
 */
import type { PortHandler, PortRange, Width } from "./device.js";
import { ISA_ACCESS_NS, type VirtualClock } from "./clock.js";
import { KernelError } from "../errno/kernel_error.js";

/**
 * One port's decoder: who owns it, which widths it takes natively (bit mask
 * 1|2|4), and the handler's methods bound once at claim time.  Calling a
 * bound function held in a field of one class keeps the dispatch site
 * monomorphic however many device classes sit on the bus (measured ~10%
 * cheaper than `handler.read(...)` on a megamorphic handler).
 */
export class PortSlot {
  readonly read: (port: number, width: Width) => number;
  readonly write: (port: number, value: number, width: Width) => void;
  constructor(
    readonly owner: string,
    readonly handler: PortHandler,
    readonly widths: number,
  ) {
    this.read = handler.read.bind(handler);
    this.write = handler.write.bind(handler);
  }
}

/** A port decoded by several cards: writes go to all, reads AND the outputs. */
class ContendedPort implements PortHandler {
  constructor(readonly slots: readonly PortSlot[]) {}
  read(port: number, width: Width): number {
    let v = -1;
    for (const s of this.slots) v &= s.read(port, width);
    return v;
  }
  write(port: number, value: number, width: Width): void {
    for (const s of this.slots) s.write(port, value, width);
  }
}

/** Ports where more than one card answers. */
export interface PortConflict {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
  readonly owners: readonly string[];
}

export class PortSpace {
  private readonly slots: (PortSlot | undefined)[] = new Array<PortSlot | undefined>(0x10000).fill(undefined);
  /** Per port, every claim in claim order (only for ports with more than one). */
  private readonly shared = new Map<number, PortSlot[]>();

  constructor(private readonly clock: VirtualClock) {}

  /** Claim `range` for `owner`.  Overlap with another owner is allowed and recorded. */
  claim(owner: string, range: PortRange, handler: PortHandler): void {
    if (range.start < 0 || range.length < 1 || range.start + range.length > 0x10000) {
      const last = range.start + range.length - 1;
      throw new KernelError("EINVAL", owner, `its registers at 0x${range.start.toString(16)}-0x${last.toString(16)} would lie past the end of the I/O space (0x0-0xffff): lower its port`);
    }
    let mask = 0;
    for (const w of range.widths) mask |= w;
    mask |= 1;
    const mine = new PortSlot(owner, handler, mask);
    for (let i = 0; i < range.length; i++) {
      const port = (range.start + i) & 0xffff;
      const cur = this.slots[port];
      if (cur === undefined) {
        this.slots[port] = mine;
        continue;
      }
      const list = this.shared.get(port) ?? [cur];
      list.push(mine);
      this.shared.set(port, list);
      let common = 7;
      for (const s of list) common &= s.widths;
      this.slots[port] = new PortSlot(list.map((s) => s.owner).join("+"), new ContendedPort(list), common);
    }
  }

  /** Who decodes `port` (names joined with "+" under contention), or undefined. */
  owner(port: number): string | undefined {
    return this.slots[port & 0xffff]?.owner;
  }

  /** Contended ports merged into runs with the same owners. */
  conflicts(): readonly PortConflict[] {
    const ports = [...this.shared.keys()].sort((a, b) => a - b);
    const out: PortConflict[] = [];
    for (const p of ports) {
      const owners = [...new Set(this.shared.get(p)!.map((s) => s.owner))];
      if (owners.length < 2) continue; // one card claiming a port twice is not contention
      const prev = out[out.length - 1];
      if (prev && prev.end === p - 1 && prev.owners.join() === owners.join()) {
        out[out.length - 1] = { ...prev, end: p };
      } else {
        out.push({ start: p, end: p, owners });
      }
    }
    return out;
  }

  /**
   * inb/outb as free functions for WebAssembly imports (the kernel's port-I/O
   * host functions and bench/isa.bench.ts): the same semantics as the
   * methods, with the table and clock captured so each call is a handful of
   * loads, one compare and the handler call.
   */
  byteFunctions(): { readonly inb: (port: number) => number; readonly outb: (port: number, value: number) => void } {
    const slots = this.slots;
    const clock = this.clock;
    return {
      inb(port: number): number {
        const t = clock.nowNs + ISA_ACCESS_NS;
        clock.nowNs = t;
        if (t >= clock.nextDue) clock.runDue();
        const p = port & 0xffff;
        const s = slots[p];
        return s === undefined ? 0xff : s.read(p, 1) & 0xff;
      },
      outb(port: number, value: number): void {
        const t = clock.nowNs + ISA_ACCESS_NS;
        clock.nowNs = t;
        if (t >= clock.nextDue) clock.runDue();
        const p = port & 0xffff;
        const s = slots[p];
        if (s !== undefined) s.write(p, value & 0xff, 1);
      },
    };
  }

  inb(port: number): number {
    this.clock.tick(ISA_ACCESS_NS);
    const s = this.slots[port & 0xffff];
    return s === undefined ? 0xff : s.read(port & 0xffff, 1) & 0xff;
  }

  outb(port: number, value: number): void {
    this.clock.tick(ISA_ACCESS_NS);
    const s = this.slots[port & 0xffff];
    if (s !== undefined) s.write(port & 0xffff, value & 0xff, 1);
  }

  inw(port: number): number {
    port &= 0xffff;
    const s = this.slots[port];
    if (s !== undefined && (s.widths & 2) !== 0) {
      this.clock.tick(ISA_ACCESS_NS);
      return s.read(port, 2) & 0xffff;
    }
    const lo = this.inb(port);
    return lo | (this.inb((port + 1) & 0xffff) << 8);
  }

  outw(port: number, value: number): void {
    port &= 0xffff;
    const s = this.slots[port];
    if (s !== undefined && (s.widths & 2) !== 0) {
      this.clock.tick(ISA_ACCESS_NS);
      s.write(port, value & 0xffff, 2);
      return;
    }
    this.outb(port, value & 0xff);
    this.outb((port + 1) & 0xffff, (value >>> 8) & 0xff);
  }

  inl(port: number): number {
    port &= 0xffff;
    const s = this.slots[port];
    if (s !== undefined && (s.widths & 4) !== 0) {
      this.clock.tick(ISA_ACCESS_NS);
      return s.read(port, 4) >>> 0;
    }
    const lo = this.inw(port);
    return (lo | (this.inw((port + 2) & 0xffff) << 16)) >>> 0;
  }

  outl(port: number, value: number): void {
    port &= 0xffff;
    const s = this.slots[port];
    if (s !== undefined && (s.widths & 4) !== 0) {
      this.clock.tick(ISA_ACCESS_NS);
      s.write(port, value >>> 0, 4);
      return;
    }
    this.outw(port, value & 0xffff);
    this.outw((port + 2) & 0xffff, (value >>> 16) & 0xffff);
  }
}
