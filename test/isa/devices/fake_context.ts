/**
 * A small stand-in for the machine, for card tests: a 64 K port table where
 * unclaimed ports read all ones, a virtual clock that charges 1 µs per ISA
 * access (as the real machine does) and runs scheduled events in time order,
 * IRQ lines that record their level and rising edges, and 8237-like DMA
 * channels fed from a byte array.  Not a test file itself (no .test.ts).
 */
import type {
  Clock,
  DeviceContext,
  DmaChannel,
  IrqLine,
  MemoryHandler,
  PortHandler,
  PortRange,
  Width,
} from "../../../src/isa/device.js";

const ACCESS_NS = 1_000;

interface Event {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly events = new Map<number, Event>();

  now(): number {
    return this.t;
  }

  schedule(atNs: number, fn: () => void): number {
    const handle = ++this.seq;
    this.events.set(handle, { at: Math.max(atNs, this.t), seq: handle, fn });
    return handle;
  }

  cancel(handle: number): void {
    this.events.delete(handle);
  }

  /** Advance to `t + ns`, running every due event in (time, order) order. */
  advance(ns: number): void {
    const target = this.t + ns;
    for (;;) {
      let next: Event | undefined;
      let nextHandle = 0;
      for (const [h, e] of this.events) {
        if (e.at <= target && (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq))) {
          next = e;
          nextHandle = h;
        }
      }
      if (!next) break;
      this.events.delete(nextHandle);
      this.t = next.at;
      next.fn();
    }
    this.t = target;
  }

  pending(): number {
    return this.events.size;
  }
}

export class FakeIrqLine implements IrqLine {
  level = false;
  edges = 0;
  constructor(readonly irq: number) {}
  set(level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}

export class FakeDma implements DmaChannel {
  /** Bytes the channel will hand out, from `pos`; `masked` makes active() false. */
  memory: Uint8Array = new Uint8Array(0);
  pos = 0;
  masked = false;
  written: number[] = [];
  constructor(readonly channel: number) {}

  program(data: Uint8Array): void {
    this.memory = data;
    this.pos = 0;
    this.masked = false;
  }
  active(): boolean {
    return !this.masked && this.pos < this.memory.length;
  }
  /** `n` units: bytes on channels 0–3, words (two bytes) on 4–7, as on the 8237 pair. */
  readFromMemory(n: number): Uint8Array {
    if (this.masked) return new Uint8Array(0);
    const out = this.memory.slice(this.pos, this.pos + n * (this.channel >= 4 ? 2 : 1));
    this.pos += out.length;
    return out;
  }
  writeToMemory(data: Uint8Array): number {
    this.written.push(...data);
    return data.length;
  }
  terminalCount(): boolean {
    return this.pos >= this.memory.length;
  }
}

interface Claim {
  readonly handler: PortHandler;
  readonly range: PortRange;
}

export class FakeContext implements DeviceContext {
  readonly clock = new FakeClock();
  readonly lines = new Map<number, FakeIrqLine>();
  readonly channels = new Map<number, FakeDma>();
  readonly logs: string[] = [];
  private readonly ports: (Claim | undefined)[] = new Array<Claim | undefined>(65536);

  claimPorts(range: PortRange, handler: PortHandler): void {
    for (let p = range.start; p < range.start + range.length; p++) {
      this.ports[p & 0xffff] = { handler, range };
    }
  }
  irq(line: number): FakeIrqLine {
    let l = this.lines.get(line);
    if (!l) {
      l = new FakeIrqLine(line);
      this.lines.set(line, l);
    }
    return l;
  }
  dma(channel: number): FakeDma {
    let c = this.channels.get(channel);
    if (!c) {
      c = new FakeDma(channel);
      this.channels.set(channel, c);
    }
    return c;
  }
  claimMemory(_start: number, _length: number, _handler: MemoryHandler): void {}
  log(message: string): void {
    this.logs.push(message);
  }

  private read(port: number, width: Width): number {
    this.clock.advance(ACCESS_NS);
    const c = this.ports[port & 0xffff];
    if (!c) return width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
    if (c.range.widths.includes(width)) return c.handler.read(port & 0xffff, width);
    let v = 0;
    for (let i = 0; i < width; i++) v |= this.read(port + i, 1) << (8 * i);
    return v >>> 0;
  }
  private write(port: number, value: number, width: Width): void {
    this.clock.advance(ACCESS_NS);
    const c = this.ports[port & 0xffff];
    if (!c) return;
    if (c.range.widths.includes(width)) {
      c.handler.write(port & 0xffff, value, width);
      return;
    }
    for (let i = 0; i < width; i++) this.write(port + i, (value >>> (8 * i)) & 0xff, 1);
  }

  inb(port: number): number {
    return this.read(port, 1);
  }
  inw(port: number): number {
    return this.read(port, 2);
  }
  outb(port: number, value: number): void {
    this.write(port, value & 0xff, 1);
  }
  outw(port: number, value: number): void {
    this.write(port, value & 0xffff, 2);
  }
  now(): number {
    return this.clock.now();
  }
  /** DELAY(us): advance virtual time exactly. */
  delay(us: number): void {
    this.clock.advance(us * 1_000);
  }
}
