/**
 * Creative Sound Blaster 16: the DSP (reset handshake, command/data ports,
 * version 4.xx, speaker, sample rate, 8-bit DMA playback) and the CT1745
 * mixer (volume registers and the IRQ/DMA configuration registers 0x80 and
 * 0x81).  16 ports at the card's base:
 *
 *   +0..+3, +8, +9  OPL3 FM (not modelled: status reads 0, writes ignored)
 *   +4 / +5         mixer index / data
 *   +6              DSP reset (write 1 — any value with bit 0 — then 0)
 *   +0xA            DSP read data
 *   +0xC            DSP write: command and data; read: bit 7 = busy
 *   +0xE            read: bit 7 = data available; the read acknowledges the 8-bit IRQ
 *   +0xF            read: acknowledges the 16-bit IRQ
 *
 * Reset: after the 1 → 0 sequence the DSP puts 0xAA in its read FIFO
 * RESET_READY_NS later (FreeBSD polls base+0xE for it).  Command E1h answers
 * the version bytes, major first.  Playback commands 14h (single cycle),
 * 1Ch/90h/91h and the SB16 C0h family read the sample bytes from the 8-bit
 * DMA channel, the B0h family words from the 16-bit channel, through the
 * machine's 8237 at the programmed rate on virtual time; each raises its IRQ
 * at the end of the block (mixer 0x82 bit 0 for 8-bit, bit 1 for 16-bit)
 * until base+0xE (8-bit) or base+0xF (16-bit) is read.  Recording commands
 * are accepted and ignored: XXX not modelled (no host audio input).
 *
 * Created through the card registry (type "sb16").  Sources: Creative "Sound
 * Blaster Series Hardware Programming Guide"; driver side FreeBSD
 * sys/dev/sound/isa/sbc.c, sb16.c and sb.h (register names DSP_RESET,
 * DSP_READ, DSP_WRITE, DSP_DATA_AVAIL, IRQ_ACK16).
 */
import { ByteLog } from "./byte_log.js";
import { KernelError } from "../../errno/kernel_error.js";
import type { DeviceContext, DmaChannel, IrqLine, IsaDevice, RegisterSnapshot } from "../device.js";
import { registerCardType } from "./registry.js";

/* Port offsets (sb.h). */
export const SB_MIX_ADDR = 0x4;
export const SB_MIX_DATA = 0x5;
export const DSP_RESET = 0x6;
export const DSP_READ = 0xa;
export const DSP_WRITE = 0xc;
export const DSP_DATA_AVAIL = 0xe;
export const IRQ_ACK16 = 0xf;

/* DSP commands. */
export const DSP_CMD_DAC8 = 0x10;
export const DSP_CMD_DMA8_SINGLE = 0x14;
export const DSP_CMD_DMA8_AUTO = 0x1c;
export const DSP_CMD_TCONST = 0x40;
export const DSP_CMD_OUT_RATE = 0x41;
export const DSP_CMD_IN_RATE = 0x42;
export const DSP_CMD_BLOCKSIZE = 0x48;
export const DSP_CMD_HS_AUTO = 0x90;
export const DSP_CMD_HS_SINGLE = 0x91;
export const DSP_CMD_PAUSE8 = 0xd0;
export const DSP_CMD_SPKON = 0xd1;
export const DSP_CMD_SPKOFF = 0xd3;
export const DSP_CMD_CONT8 = 0xd4;
export const DSP_CMD_PAUSE16 = 0xd5;
export const DSP_CMD_CONT16 = 0xd6;
export const DSP_CMD_SPKSTATUS = 0xd8;
export const DSP_CMD_EXIT_AUTO16 = 0xd9;
export const DSP_CMD_EXIT_AUTO8 = 0xda;
export const DSP_CMD_INVERT = 0xe0;
export const DSP_CMD_GETVER = 0xe1;
export const DSP_CMD_GETID = 0xe3;
export const DSP_CMD_TEST_WRITE = 0xe4;
export const DSP_CMD_TEST_READ = 0xe8;
export const DSP_CMD_IRQ8 = 0xf2;
export const DSP_CMD_IRQ16 = 0xf3;

/* Mixer registers. */
export const MIX_RESET = 0x00;
export const IRQ_NR = 0x80;
export const DMA_NR = 0x81;
export const IRQ_STAT = 0x82;

/** 0xAA appears this long after the reset port goes back to 0 (real DSP: within ~100 µs). */
export const RESET_READY_NS = 20_000;
const READ_FIFO_DEPTH = 64;
/** Bytes fetched from the 8237 per playback step. */
const DMA_CHUNK = 64;
const PLAYED_LIMIT = 1 << 20;
const COPYRIGHT = "COPYRIGHT (C) CREATIVE TECHNOLOGY LTD, 1992.";

/** IRQ ↔ mixer 0x80 code, as the SB16 documents and FreeBSD's sb16 attach uses. */
const IRQ_CODES: ReadonlyArray<readonly [number, number]> = [
  [9, 0x01],
  [5, 0x02],
  [7, 0x04],
  [10, 0x08],
];

export interface Sb16Options {
  readonly port: number;
  /** 2 (delivered as 9), 5, 7 or 10. */
  readonly irq: number;
  /** 8-bit DMA channel: 0, 1 or 3. */
  readonly drq: number;
  /** 16-bit DMA channel: 5, 6 or 7. */
  readonly hdrq: number;
  /** DSP version major.minor, e.g. [4, 5]. */
  readonly version: readonly [number, number];
}

/** Number of argument bytes each DSP command takes. */
function argCount(cmd: number): number {
  if (cmd >= 0xb0 && cmd <= 0xcf) return 3;
  switch (cmd) {
    case DSP_CMD_DAC8:
    case DSP_CMD_TCONST:
    case DSP_CMD_INVERT:
    case DSP_CMD_TEST_WRITE:
      return 1;
    case DSP_CMD_DMA8_SINGLE:
    case DSP_CMD_OUT_RATE:
    case DSP_CMD_IN_RATE:
    case DSP_CMD_BLOCKSIZE:
      return 2;
    default:
      return 0;
  }
}

/** One DMA playback, counted in 8237 units (bytes on the 8-bit channel, words on the 16-bit one). */
interface Transfer {
  readonly wide: boolean;
  remaining: number;
  readonly block: number;
  auto: boolean;
  paused: boolean;
  /** Units per sample frame: 2 for stereo. */
  readonly unitsPerFrame: number;
  event: number;
}

export class Sb16 implements IsaDevice {
  readonly type = "sb16";
  private readonly base: number;
  private readonly version: readonly [number, number];
  private line: IrqLine | null = null;
  private dma8: DmaChannel | null = null;
  private dma16: DmaChannel | null = null;

  // DSP.
  private resetArmed = false;
  private resetting = false;
  private resetEvent = 0;
  private readFifo: number[] = [];
  private lastRead = 0xaa;
  private cmd: number | null = null;
  private args: number[] = [];
  private testReg = 0;
  private speaker = false;
  private rateHz = 11025;
  private timeConstant = 0;
  private blockSize = 0x7ff;
  /** Playback in progress on the 8-bit [0] and the 16-bit [1] channel. */
  private readonly transfers: [Transfer | null, Transfer | null] = [null, null];
  private irq8 = false;
  private irq16 = false;
  private readonly playedBytes = new ByteLog(PLAYED_LIMIT);
  private irqLevel = false;

  // Mixer.
  private readonly mixer = new Uint8Array(256);
  private mixIndex = 0;

  constructor(
    readonly name: string,
    private readonly options: Sb16Options,
    private readonly ctx: DeviceContext,
  ) {
    this.base = options.port;
    this.version = options.version;
    ctx.claimPorts(
      { start: this.base, length: 16, widths: [1] },
      { read: (port) => this.read(port - this.base), write: (port, v) => this.write(port - this.base, v & 0xff) },
    );
    this.reset();
  }

  /** Power-on: DSP idle with nothing to read, mixer at defaults, jumpers in 0x80/0x81. */
  reset(): void {
    this.dspReset();
    this.readFifo = [];
    this.resetArmed = false;
    this.resetting = false;
    this.mixerReset();
    this.mixIndex = 0;
    const code = IRQ_CODES.find(([irq]) => irq === (this.options.irq === 2 ? 9 : this.options.irq))?.[1] ?? 0;
    this.setIrqSelect(code);
    this.setDmaSelect((1 << this.options.drq) | (1 << this.options.hdrq));
  }

  /** Sample bytes the DSP has fetched by DMA since power-on (the last MiB). */
  played(): Uint8Array {
    return this.playedBytes.bytes();
  }

  /**
   * Run-time operation `played`: how many bytes were played.
   * @throws KernelError EOPNOTSUPP for other ops.
   */
  control(op: string, _args: readonly string[]): readonly string[] {
    if (op === "played") return [`${this.playedBytes.length} bytes played`];
    throw new KernelError("EOPNOTSUPP", this.name, `unknown operation "${op}" (sb16: played)`);
  }

  snapshot(): RegisterSnapshot {
    return {
      version: `${this.version[0]}.${String(this.version[1]).padStart(2, "0")}`,
      resetting: this.resetting || this.resetArmed,
      readFifo: [...this.readFifo],
      command: this.cmd ?? -1,
      speaker: this.speaker,
      rateHz: this.rateHz,
      timeConstant: this.timeConstant,
      blockSize: this.blockSize,
      dma8Remaining: this.transfers[0]?.remaining ?? 0,
      dma8Auto: this.transfers[0]?.auto ?? false,
      dma8Paused: this.transfers[0]?.paused ?? false,
      dma16Remaining: this.transfers[1]?.remaining ?? 0,
      dma16Auto: this.transfers[1]?.auto ?? false,
      dma16Paused: this.transfers[1]?.paused ?? false,
      mixerIndex: this.mixIndex,
      IRQ_NR: this.mixer[IRQ_NR]!,
      DMA_NR: this.mixer[DMA_NR]!,
      IRQ_STAT: this.irqStat(),
      irq: this.line?.irq ?? -1,
      drq: this.dma8?.channel ?? -1,
      hdrq: this.dma16?.channel ?? -1,
      irqLevel: this.irqLevel,
    };
  }

  private irqStat(): number {
    return (this.irq8 ? 0x01 : 0) | (this.irq16 ? 0x02 : 0);
  }

  private updateIrq(): void {
    const level = this.irq8 || this.irq16;
    this.irqLevel = level;
    this.line?.set(level);
  }

  // ---- ports ----

  private read(off: number): number {
    switch (off) {
      case 0x0:
      case 0x8:
        return 0x00; // OPL status: no timer expired
      case SB_MIX_ADDR:
        return this.mixIndex;
      case SB_MIX_DATA:
        return this.mixIndex === IRQ_STAT ? this.irqStat() : this.mixer[this.mixIndex]!;
      case DSP_READ: {
        const b = this.readFifo.shift();
        if (b !== undefined) this.lastRead = b;
        return this.lastRead;
      }
      case DSP_WRITE:
        return this.resetting || this.resetArmed ? 0xff : 0x7f;
      case DSP_DATA_AVAIL:
        this.irq8 = false;
        this.updateIrq();
        return (this.readFifo.length > 0 ? 0x80 : 0) | 0x7f;
      case IRQ_ACK16:
        this.irq16 = false;
        this.updateIrq();
        return 0xff;
      default:
        return 0xff;
    }
  }

  private write(off: number, v: number): void {
    switch (off) {
      case SB_MIX_ADDR:
        this.mixIndex = v;
        break;
      case SB_MIX_DATA:
        this.mixerWrite(this.mixIndex, v);
        break;
      case DSP_RESET:
        if (v & 1) {
          this.resetArmed = true;
          this.ctx.clock.cancel(this.resetEvent);
          this.resetting = false;
        } else if (this.resetArmed) {
          this.resetArmed = false;
          this.resetting = true;
          this.dspReset();
          this.readFifo = [];
          this.resetEvent = this.ctx.clock.schedule(this.ctx.clock.now() + RESET_READY_NS, () => {
            this.resetting = false;
            this.readFifo = [0xaa];
          });
        }
        break;
      case DSP_WRITE:
        if (!this.resetting && !this.resetArmed) this.dspByte(v);
        break;
      default:
        break; // OPL FM and unused offsets
    }
  }

  // ---- DSP ----

  private dspReset(): void {
    for (const w of [0, 1] as const) {
      const t = this.transfers[w];
      if (t) this.ctx.clock.cancel(t.event);
      this.transfers[w] = null;
    }
    this.cmd = null;
    this.args = [];
    this.speaker = false;
    this.irq8 = false;
    this.irq16 = false;
    this.updateIrq();
  }

  private reply(...bytes: number[]): void {
    for (const b of bytes) {
      if (this.readFifo.length >= READ_FIFO_DEPTH) this.readFifo.shift();
      this.readFifo.push(b & 0xff);
    }
  }

  private dspByte(v: number): void {
    if (this.cmd === null) {
      this.cmd = v;
      this.args = [];
    } else {
      this.args.push(v);
    }
    if (this.args.length < argCount(this.cmd)) return;
    const cmd = this.cmd;
    const a = this.args;
    this.cmd = null;
    this.args = [];
    this.execute(cmd, a);
  }

  /** Run a complete DSP command: a DMA transfer command, else a control command. */
  private execute(cmd: number, a: readonly number[]): void {
    if (!this.executeTransfer(cmd, a)) this.executeControl(cmd, a);
  }

  /** Start, pause, continue or end a DMA transfer; false if `cmd` is not one of those. */
  private executeTransfer(cmd: number, a: readonly number[]): boolean {
    const a0 = a[0] ?? 0;
    const a1 = a[1] ?? 0;
    const a2 = a[2] ?? 0;
    if (cmd >= 0xc0 && cmd <= 0xcf) {
      // SB16 8-bit transfer: cmd bit 3 = input, bit 2 = auto-init; mode bit 5 = stereo.
      if (!(cmd & 0x08)) this.startTransfer(false, a1 + (a2 << 8) + 1, (cmd & 0x04) !== 0, a0 & 0x20 ? 2 : 1);
      return true;
    }
    if (cmd >= 0xb0 && cmd <= 0xbf) {
      // SB16 16-bit transfer, same layout; the length counts words.
      if (!(cmd & 0x08)) this.startTransfer(true, a1 + (a2 << 8) + 1, (cmd & 0x04) !== 0, a0 & 0x20 ? 2 : 1);
      return true;
    }
    switch (cmd) {
      case DSP_CMD_DMA8_SINGLE:
        this.startTransfer(false, a0 + (a1 << 8) + 1, false, 1);
        return true;
      case DSP_CMD_DMA8_AUTO:
      case DSP_CMD_HS_AUTO:
        this.startTransfer(false, this.blockSize + 1, true, 1);
        return true;
      case DSP_CMD_HS_SINGLE:
        this.startTransfer(false, this.blockSize + 1, false, 1);
        return true;
      case DSP_CMD_PAUSE8:
      case DSP_CMD_PAUSE16: {
        const t = this.transfers[cmd === DSP_CMD_PAUSE16 ? 1 : 0];
        if (t) t.paused = true;
        return true;
      }
      case DSP_CMD_CONT8:
      case DSP_CMD_CONT16: {
        const t = this.transfers[cmd === DSP_CMD_CONT16 ? 1 : 0];
        if (t?.paused) {
          t.paused = false;
          this.ctx.clock.cancel(t.event);
          this.pump(t);
        }
        return true;
      }
      case DSP_CMD_EXIT_AUTO8:
      case DSP_CMD_EXIT_AUTO16: {
        const t = this.transfers[cmd === DSP_CMD_EXIT_AUTO16 ? 1 : 0];
        if (t) t.auto = false;
        return true;
      }
      default:
        return false;
    }
  }

  /** Rates, block size, speaker, identification and test registers, interrupts. */
  private executeControl(cmd: number, a: readonly number[]): void {
    const a0 = a[0] ?? 0;
    const a1 = a[1] ?? 0;
    switch (cmd) {
      case DSP_CMD_TCONST:
        this.timeConstant = a0;
        this.rateHz = Math.round(1_000_000 / (256 - a0));
        break;
      case DSP_CMD_OUT_RATE:
      case DSP_CMD_IN_RATE:
        this.rateHz = Math.max(1, (a0 << 8) | a1);
        break;
      case DSP_CMD_BLOCKSIZE:
        this.blockSize = a0 | (a1 << 8);
        break;
      case DSP_CMD_SPKON:
        this.speaker = true;
        break;
      case DSP_CMD_SPKOFF:
        this.speaker = false;
        break;
      case DSP_CMD_SPKSTATUS:
        this.reply(this.speaker ? 0xff : 0x00);
        break;
      case DSP_CMD_INVERT:
        this.reply(~a0);
        break;
      case DSP_CMD_GETVER:
        this.reply(this.version[0], this.version[1]);
        break;
      case DSP_CMD_GETID:
        this.reply(...new TextEncoder().encode(COPYRIGHT), 0);
        break;
      case DSP_CMD_TEST_WRITE:
        this.testReg = a0;
        break;
      case DSP_CMD_TEST_READ:
        this.reply(this.testReg);
        break;
      case DSP_CMD_IRQ8:
        this.irq8 = true;
        this.updateIrq();
        break;
      case DSP_CMD_IRQ16:
        this.irq16 = true;
        this.updateIrq();
        break;
      default:
        break; // direct DAC, unknown and unmodelled commands: accepted, no effect
    }
  }

  // ---- DMA playback ----

  private startTransfer(wide: boolean, units: number, auto: boolean, unitsPerFrame: number): void {
    const old = this.transfers[wide ? 1 : 0];
    if (old) this.ctx.clock.cancel(old.event);
    const t: Transfer = { wide, remaining: units, block: units, auto, paused: false, unitsPerFrame, event: 0 };
    this.transfers[wide ? 1 : 0] = t;
    this.pump(t);
  }

  /** Fetch the next chunk from the 8237 and schedule the moment it has been played. */
  private pump(t: Transfer): void {
    if (this.transfers[t.wide ? 1 : 0] !== t || t.paused) return;
    const bytesPerUnit = t.wide ? 2 : 1;
    const nsPerUnit = 1e9 / (this.rateHz * t.unitsPerFrame);
    const want = Math.min(DMA_CHUNK / bytesPerUnit, t.remaining);
    const ch = t.wide ? this.dma16 : this.dma8;
    const data = ch && ch.active() ? ch.readFromMemory(want) : new Uint8Array(0);
    const n = Math.min(Math.floor(data.length / bytesPerUnit), t.remaining);
    for (let i = 0; i < n * bytesPerUnit; i++) {
      this.playedBytes.push(data[i]!);
    }
    t.remaining -= n;
    // With the channel masked or exhausted, DREQ stays up: try again one chunk later.
    const wait = Math.max(1, Math.round((n > 0 ? n : want) * nsPerUnit));
    t.event = this.ctx.clock.schedule(this.ctx.clock.now() + wait, () => {
      if (this.transfers[t.wide ? 1 : 0] !== t || t.paused) return;
      if (t.remaining === 0) {
        if (t.wide) this.irq16 = true;
        else this.irq8 = true;
        this.updateIrq();
        if (!t.auto) {
          this.transfers[t.wide ? 1 : 0] = null;
          return;
        }
        t.remaining = t.block;
      }
      this.pump(t);
    });
  }

  // ---- mixer ----

  private mixerReset(): void {
    const keepIrq = this.mixer[IRQ_NR]!;
    const keepDma = this.mixer[DMA_NR]!;
    this.mixer.fill(0);
    for (const r of [0x04, 0x22, 0x26]) this.mixer[r] = 0xcc;
    for (let r = 0x30; r <= 0x35; r++) this.mixer[r] = 0xc0;
    this.mixer[0x3c] = 0x1f;
    this.mixer[0x3d] = 0x15;
    this.mixer[0x3e] = 0x0b;
    for (let r = 0x44; r <= 0x47; r++) this.mixer[r] = 0x80;
    this.mixer[IRQ_NR] = keepIrq;
    this.mixer[DMA_NR] = keepDma;
  }

  private mixerWrite(index: number, v: number): void {
    switch (index) {
      case MIX_RESET:
        this.mixerReset();
        break;
      case IRQ_NR:
        this.setIrqSelect(v & 0x0f);
        break;
      case DMA_NR:
        this.setDmaSelect(v & 0xeb);
        break;
      case IRQ_STAT:
        break; // read-only
      default:
        this.mixer[index] = v;
    }
  }

  /** Mixer 0x80: the lowest selected code picks the line; none selected drives none. */
  private setIrqSelect(code: number): void {
    this.mixer[IRQ_NR] = code;
    const irq = IRQ_CODES.find(([, c]) => code & c)?.[0];
    if (irq === this.line?.irq) return;
    this.line?.set(false);
    this.line = irq === undefined ? null : this.ctx.irq(irq);
    this.updateIrq();
  }

  /** Mixer 0x81: bits 0, 1, 3 choose the 8-bit channel, bits 5, 6, 7 the 16-bit one (lowest wins). */
  private setDmaSelect(bits: number): void {
    this.mixer[DMA_NR] = bits;
    const ch8 = [0, 1, 3].find((c) => bits & (1 << c));
    if (ch8 !== this.dma8?.channel) this.dma8 = ch8 === undefined ? null : this.ctx.dma(ch8);
    const ch16 = [5, 6, 7].find((c) => bits & (1 << c));
    if (ch16 !== this.dma16?.channel) this.dma16 = ch16 === undefined ? null : this.ctx.dma(ch16);
  }
}

registerCardType("sb16", {
  description: "Creative Sound Blaster 16 (DSP 4.xx, CT1745 mixer, 8- and 16-bit DMA playback)",
  options: {
    port: { kind: "port", default: 0x220, description: "I/O base (16 ports): 0x220, 0x240, 0x260 or 0x280" },
    irq: { kind: "irq", default: 5, description: "ISA IRQ: 2 (as 9), 5, 7 or 10" },
    drq: { kind: "drq", default: 1, description: "8-bit DMA channel: 0, 1 or 3" },
    hdrq: { kind: "drq", default: 5, description: "16-bit DMA channel: 5, 6 or 7" },
    version: { kind: "string", default: "4.05", pattern: /^4\.\d{2}$/, description: "DSP version answered to command E1h, 4.xx" },
  },
  create(name, { port, irq, drq, hdrq, version }, ctx) {
    // The card's jumpers allow fewer values than the ISA ranges the table checks.
    if (![2, 5, 7, 9, 10].includes(irq)) throw new KernelError("EINVAL", name, `irq ${irq}: an SB16 can use 2 (9), 5, 7 or 10`);
    if (![0, 1, 3].includes(drq)) throw new KernelError("EINVAL", name, `drq ${drq}: the 8-bit channel must be 0, 1 or 3`);
    if (![5, 6, 7].includes(hdrq)) throw new KernelError("EINVAL", name, `hdrq ${hdrq}: the 16-bit channel must be 5, 6 or 7`);
    // The table's pattern guarantees "4.xx".
    const [maj, min] = version.split(".").map(Number) as [number, number];
    return new Sb16(name, { port, irq, drq, hdrq, version: [maj, min] }, ctx);
  },
});
