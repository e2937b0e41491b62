/**
 * The emulated PC: ISA port space, ISA memory, virtual clock, the 8259 pair,
 * the 8237 pair and the cards of a machine description.
 *
 * A Machine is built from a MachineDescription (src/isa/machine_yaml.ts turns
 * configs/machines/*.yaml into one).  It creates the fabric itself (PIC pair,
 * DMA pair with page and POST registers), then every platform device the
 * registry knows (8254 PIT with port 0x61, MC146818 RTC), then the cards in
 * file order, each through its registered factory with a DeviceContext that
 * routes port claims, IRQ lines, DMA channels and memory windows here.  It
 * fills the BIOS data area (COM bases at 0x400, LPT bases at 0x408) from the
 * cards whose type says the BIOS would find them.
 *
 * Callers: the kernel's isa bus (later, via port-I/O host functions and
 * onInterrupt/acknowledge), `kld machine` (src/isa/script.ts), tests and
 * bench/isa.bench.ts.  Nothing here imports kernel code.  The role is that of
 * QEMU's hw/i386/pc.c board setup with its ISA bus, or v86's cpu.js I/O glue.
 */
import { KernelError } from "../errno/kernel_error.js";
import { VirtualClock } from "./clock.js";
import type {
  DeviceContext,
  DmaChannel,
  IrqLine,
  IsaDevice,
  MemoryHandler,
  PortRange,
  RegisterSnapshot,
} from "./device.js";
import { Dma8237Pair } from "./devices/i8237.js";
import { PicPair, type IrqState } from "./devices/i8259.js";
import "./devices/index.js";
import { cardType, cardTypes, validateCardOptions, type CardOptions } from "./devices/registry.js";
import { PortSpace, type PortConflict } from "./ports.js";

export type { IrqState } from "./devices/i8259.js";

/** First and last+1 address of the ISA memory hole. */
export const ISA_MEM_START = 0xa0000;
export const ISA_MEM_END = 0x100000;
/** BIOS data area: COM1–COM4 base words, then LPT1–LPT3 (and a fourth word). */
export const BDA_COM = 0x400;
export const BDA_LPT = 0x408;
/** The BIOS probes these, in this order. */
const BIOS_COM_PORTS: readonly number[] = [0x3f8, 0x2f8, 0x3e8, 0x2e8];
const BIOS_LPT_PORTS: readonly number[] = [0x3bc, 0x378, 0x278];

export interface CardDescription {
  readonly name: string;
  readonly type: string;
  readonly options: CardOptions;
  /** Where the card was described, for messages ("pc97.yaml:12"). */
  readonly where?: string;
}

export interface MachineDescription {
  readonly name: string;
  readonly description?: string;
  /** RAM in KiB, from address 0 (the ISA hole 0xA0000–0xFFFFF is never RAM). */
  readonly memoryKiB: number;
  readonly cards: readonly CardDescription[];
  /** Options of platform devices, by type. */
  readonly platform?: Readonly<Record<string, CardOptions>>;
  /** The file it came from, if any. */
  readonly file?: string;
}

/** A resource decoded by more than one card. */
export interface Conflict {
  readonly kind: "port" | "irq" | "drq" | "iomem";
  readonly start: number;
  readonly end: number;
  readonly owners: readonly string[];
}

interface MemoryWindow {
  readonly start: number;
  readonly end: number;
  readonly owner: string;
  readonly handler: MemoryHandler;
}

/** Port I/O as free functions (what the kernel's inb/outb services call). */
export interface PortFunctions {
  readonly inb: (port: number) => number;
  readonly outb: (port: number, value: number) => void;
  readonly inw: (port: number) => number;
  readonly outw: (port: number, value: number) => void;
  readonly inl: (port: number) => number;
  readonly outl: (port: number, value: number) => void;
}

/** ISA "IRQ2" is the slave's IR1 on an AT: a card jumpered for 2 interrupts as 9. */
function isaIrq(line: number): number {
  return line === 2 ? 9 : line;
}

export class Machine {
  readonly name: string;
  readonly clock = new VirtualClock();
  readonly ports = new PortSpace(this.clock);
  readonly pic = new PicPair();
  readonly dma: Dma8237Pair;
  /** Conventional and extended RAM (the hole reads through ISA memory instead); see attachRam(). */
  ram: Uint8Array;
  private readonly devices: IsaDevice[] = [];
  private readonly cardNames = new Set<string>(["pic", "dma"]);
  private readonly windows: MemoryWindow[] = [];
  private readonly irqOwners = new Map<number, Set<string>>();
  private readonly drqOwners = new Map<number, Set<string>>();
  private readonly logListeners: ((m: string) => void)[] = [];
  private closed = false;

  /**
   * Build the machine.  A factory that throws unwinds the devices already
   * created (closed in reverse order) and the error propagates.
   * @throws KernelError ENXIO for an unknown card type, EEXIST for a duplicate name,
   *   EINVAL for invalid options, or whatever a card factory throws.
   */
  constructor(readonly description: MachineDescription) {
    this.name = description.name;
    this.ram = new Uint8Array(Math.max(0, Math.floor(description.memoryKiB)) * 1024);
    this.dma = new Dma8237Pair(this);
    try {
      this.ports.claim("pic", { start: 0x20, length: 2, widths: [1] }, this.pic);
      this.ports.claim("pic", { start: 0xa0, length: 2, widths: [1] }, this.pic);
      this.ports.claim("dma", { start: 0x00, length: 0x10, widths: [1] }, this.dma);
      this.ports.claim("dma", { start: 0xc0, length: 0x20, widths: [1] }, this.dma);
      this.ports.claim("dma", { start: 0x80, length: 0x10, widths: [1] }, this.dma);
      for (const type of cardTypes()) {
        const spec = cardType(type)!;
        if (!spec.platform) continue;
        const raw = description.platform?.[type] ?? {};
        const name = spec.instanceName ?? type;
        const { options, problems } = validateCardOptions(spec, raw, name);
        if (problems.length > 0) {
          const p = problems[0]!;
          throw new KernelError("EINVAL", `platform.${type}${p.key ? "." + p.key : ""}`, p.message);
        }
        this.addDevice(name, type, options);
      }
      for (const card of description.cards) {
        const spec = cardType(card.type);
        if (!spec) throw new KernelError("ENXIO", card.where ?? card.name, `unknown card type "${card.type}"`);
        if (spec.platform) {
          throw new KernelError("EINVAL", card.where ?? card.name, `"${card.type}" is a platform device and always present`);
        }
        if (this.cardNames.has(card.name)) {
          throw new KernelError("EEXIST", card.where ?? card.name, `duplicate card name "${card.name}"`);
        }
        // Checked here too: a description built in code has not been through
        // the YAML loader, and a card's factory trusts its option table.
        const { options, problems } = validateCardOptions(spec, card.options, card.name);
        if (problems.length > 0) {
          const p = problems[0]!;
          throw new KernelError("EINVAL", card.where ?? card.name, `${card.name}: ${p.key ? p.key + ": " : ""}${p.message}`);
        }
        try {
          this.addDevice(card.name, card.type, options);
        } catch (e) {
          // Name the card and where it was described; keep the card's errno.
          if (!(e instanceof KernelError)) throw e;
          const why = e.detail ?? e.info.text;
          throw new KernelError(e.info.name, card.where ?? card.name, `${card.name}: ${why}`);
        }
      }
    } catch (e) {
      this.unwind();
      throw e;
    }
    this.fillBda();
  }

  private addDevice(name: string, type: string, options: CardOptions): void {
    const spec = cardType(type)!;
    this.cardNames.add(name);
    const dev = spec.create(name, options, this.contextFor(name));
    this.devices.push(dev);
    if (typeof options["irq"] === "number") this.noteOwner(this.irqOwners, isaIrq(options["irq"]), name);
    for (const k of ["drq", "hdrq"]) {
      if (typeof options[k] === "number") this.noteOwner(this.drqOwners, options[k], name);
    }
  }

  private noteOwner(map: Map<number, Set<string>>, key: number, name: string): void {
    const s = map.get(key) ?? new Set<string>();
    s.add(name);
    map.set(key, s);
  }

  private unwind(): void {
    for (const d of [...this.devices].reverse()) {
      try {
        void d.close?.();
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
  }

  private contextFor(owner: string): DeviceContext {
    const m = this;
    return {
      clock: m.clock,
      claimPorts(range: PortRange, handler) {
        m.ports.claim(owner, range, handler);
      },
      irq(line: number): IrqLine {
        const irq = isaIrq(line & 15);
        m.noteOwner(m.irqOwners, irq, owner);
        let level = false;
        return {
          irq,
          set(high: boolean) {
            if (high === level) return;
            level = high;
            m.pic.driveLine(irq, high);
          },
        };
      },
      dma(channel: number): DmaChannel {
        m.noteOwner(m.drqOwners, channel & 7, owner);
        return m.dma.channel(channel & 7);
      },
      claimMemory(start: number, length: number, handler: MemoryHandler) {
        m.windows.push({ start, end: start + length, owner, handler });
      },
      log(message: string) {
        m.log(`${owner}: ${message}`);
      },
    };
  }

  private fillBda(): void {
    const com: number[] = [];
    const lpt: number[] = [];
    const ports = (kind: "com" | "lpt"): number[] =>
      this.description.cards
        .filter((c) => cardType(c.type)?.bios === kind && typeof c.options["port"] === "number")
        .map((c) => c.options["port"] as number);
    const comPorts = ports("com");
    const lptPorts = ports("lpt");
    for (const p of BIOS_COM_PORTS) if (comPorts.includes(p) && com.length < 4) com.push(p);
    for (const p of BIOS_LPT_PORTS) if (lptPorts.includes(p) && lpt.length < 3) lpt.push(p);
    for (let i = 0; i < 4; i++) this.writeWord(BDA_COM + 2 * i, com[i] ?? 0);
    for (let i = 0; i < 3; i++) this.writeWord(BDA_LPT + 2 * i, lpt[i] ?? 0);
  }

  private writeWord(addr: number, v: number): void {
    if (addr + 1 < this.ram.length) {
      this.ram[addr] = v & 0xff;
      this.ram[addr + 1] = (v >> 8) & 0xff;
    }
  }

  // ---- port I/O (each is one or more ISA bus cycles of ~1 µs virtual time) ----

  inb(port: number): number {
    return this.ports.inb(port);
  }
  inw(port: number): number {
    return this.ports.inw(port);
  }
  inl(port: number): number {
    return this.ports.inl(port);
  }
  outb(port: number, value: number): void {
    this.ports.outb(port, value);
  }
  outw(port: number, value: number): void {
    this.ports.outw(port, value);
  }
  outl(port: number, value: number): void {
    this.ports.outl(port, value);
  }

  /**
   * The six port-I/O functions as free functions, for WebAssembly imports
   * (the kernel's inb/outb/... host functions).  inb/outb take the
   * allocation-free fast path of PortSpace.byteFunctions().
   */
  ioFunctions(): PortFunctions {
    const ports = this.ports;
    return {
      ...ports.byteFunctions(),
      inw: (p) => ports.inw(p),
      outw: (p, v) => ports.outw(p, v),
      inl: (p) => ports.inl(p),
      outl: (p, v) => ports.outl(p, v),
    };
  }

  // ---- memory ----

  /** Physical byte read: RAM, an ISA card window, or 0xFF for nothing. */
  memRead8(addr: number): number {
    addr = Math.floor(addr);
    if (addr >= ISA_MEM_START && addr < ISA_MEM_END) {
      for (const w of this.windows) if (addr >= w.start && addr < w.end) return w.handler.read(addr) & 0xff;
      return 0xff;
    }
    if (addr >= 0 && addr < this.ram.length) return this.ram[addr]!;
    return 0xff;
  }

  memWrite8(addr: number, value: number): void {
    addr = Math.floor(addr);
    if (addr >= ISA_MEM_START && addr < ISA_MEM_END) {
      for (const w of this.windows) if (addr >= w.start && addr < w.end) w.handler.write(addr, value & 0xff);
      return;
    }
    if (addr >= 0 && addr < this.ram.length) this.ram[addr] = value & 0xff;
  }

  /**
   * Use `ram` as the machine's physical memory from now on (the kernel passes
   * a view of its WebAssembly.Memory so that DMA reaches its buffers).  The
   * BIOS data area is written into it again.
   */
  attachRam(ram: Uint8Array): void {
    this.ram = ram;
    this.fillBda();
  }

  // ---- time ----

  /** DELAY(us): advance virtual time by exactly `us` microseconds, running due events. */
  delay(us: number): void {
    if (!(us > 0)) return;
    this.clock.advance(Math.round(us * 1000));
  }

  /** Let virtual time follow wall time while idle (the kernel daemon does this; tests do not). */
  followWallTime(periodMs?: number): void {
    this.clock.followWallTime(periodMs);
  }

  // ---- interrupts ----

  /** `listener` runs (synchronously, inside whatever caused it) each time INTR rises. Returns an unsubscribe function. */
  onInterrupt(listener: () => void): () => void {
    return this.pic.onInterrupt(listener);
  }

  /** The INTA cycle: the vector of the highest-priority request (IR7/IR15 of the base if spurious). */
  acknowledge(): number {
    return this.pic.acknowledge();
  }

  irqState(): IrqState {
    return this.pic.state();
  }

  // ---- cards ----

  /** Every device: "pic", "dma", the platform devices, then the cards in file order. */
  cards(): readonly { readonly name: string; readonly type: string }[] {
    return [
      { name: this.pic.name, type: this.pic.type },
      { name: this.dma.name, type: this.dma.type },
      ...this.devices.map((d) => ({ name: d.name, type: d.type })),
    ];
  }

  device(name: string): IsaDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }

  /** @throws KernelError ENXIO if there is no such card. */
  snapshot(cardName: string): RegisterSnapshot {
    if (cardName === this.pic.name) return this.pic.snapshot();
    if (cardName === this.dma.name) return this.dma.snapshot();
    const d = this.device(cardName);
    if (!d) throw new KernelError("ENXIO", cardName, "no such card in this machine");
    return d.snapshot();
  }

  /**
   * Run-time operation on a card (type into a UART, move a joystick, ...).
   * @throws KernelError ENXIO (no such card), EOPNOTSUPP (card has no such operation), or the card's own error.
   */
  control(cardName: string, op: string, args: readonly string[]): readonly string[] {
    const d = this.device(cardName);
    if (!d) throw new KernelError("ENXIO", cardName, "no such card in this machine");
    if (!d.control) throw new KernelError("EOPNOTSUPP", cardName, `${d.type} has no run-time operations`);
    return d.control(op, args) ?? [];
  }

  /** Ports, IRQs and DRQs decoded by more than one device. */
  conflicts(): readonly Conflict[] {
    const out: Conflict[] = this.ports.conflicts().map((c: PortConflict) => ({ kind: "port" as const, ...c }));
    for (const [kind, map] of [["irq", this.irqOwners], ["drq", this.drqOwners]] as const) {
      for (const [n, owners] of [...map.entries()].sort((a, b) => a[0] - b[0])) {
        if (owners.size > 1) out.push({ kind, start: n, end: n, owners: [...owners] });
      }
    }
    for (let i = 0; i < this.windows.length; i++) {
      for (let j = i + 1; j < this.windows.length; j++) {
        const a = this.windows[i]!;
        const b = this.windows[j]!;
        if (a.owner !== b.owner && a.start < b.end && b.start < a.end) {
          out.push({ kind: "iomem", start: Math.max(a.start, b.start), end: Math.min(a.end, b.end) - 1, owners: [a.owner, b.owner] });
        }
      }
    }
    return out;
  }

  // ---- messages ----

  /** An advisory message from a device ("com1: receiver overrun"), to every onLog listener. */
  log(message: string): void {
    for (const l of this.logListeners) l(message);
  }

  /** Where device messages go: the kernel's message buffer, or `kld machine`'s stderr. */
  onLog(listener: (m: string) => void): void {
    this.logListeners.push(listener);
  }

  /** Power-cycle every device (RESET), keeping the description. */
  reset(): void {
    this.pic.reset();
    this.dma.reset();
    for (const d of this.devices) d.reset();
  }

  /** Stop wall-time following and release host resources of every card (sockets, files), in reverse order. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.stopFollowingWallTime();
    for (const d of [...this.devices].reverse()) await d.close?.();
  }
}

/** A machine description with only the platform devices. */
export function bareDescription(memoryKiB = 1024): MachineDescription {
  return { name: "bare", memoryKiB, cards: [] };
}
