/**
 * NS16550A UART (and its 8250 and 16450 ancestors) as found on a PC serial
 * card: eight registers at the card's base, the divisor latch behind LCR.DLAB,
 * 16-byte receive and transmit FIFOs with the four receive trigger levels,
 * the IIR interrupt priority scheme, LSR/MSR status with their read-to-clear
 * bits, the scratch register, and loopback (MCR.LOOP) wiring the outputs back
 * to the inputs.  Characters take their real time at the programmed baud rate
 * on the machine's virtual clock, both ways.
 *
 * The card drives its ISA IRQ line only while MCR.OUT2 is set and loopback is
 * off — the PC serial card's gate that FreeBSD's sio probe relies on.
 *
 * Created by the machine through the card registry (type "ns16550"); the host
 * side is a Unix-domain socket (uart_socket.ts) or the run-time operations
 * typeBytes() / transmitted().  Datasheet: National Semiconductor PC16550D
 * (June 1995); FreeBSD sys/dev/ic/ns16550.h names; sio probe in
 * sys/dev/sio/sio.c.
 */
import { ByteLog } from "./byte_log.js";
import { KernelError } from "../../errno/kernel_error.js";
import type { DeviceContext, IrqLine, IsaDevice, RegisterSnapshot } from "../device.js";
import { formatEscapedBytes, parseEscapedBytes } from "./byte_text.js";
import { registerCardType } from "./registry.js";
import { UartSocket } from "./uart_socket.js";

/** Register offsets (DLAB = 0 unless noted). */
export const com_data = 0; // RBR / THR; DLL with DLAB
export const com_ier = 1; // IER; DLM with DLAB
export const com_iir = 2; // IIR (read) / FCR (write)
export const com_lcr = 3;
export const com_mcr = 4;
export const com_lsr = 5;
export const com_msr = 6;
export const com_scr = 7;

export const IER_ERXRDY = 0x01;
export const IER_ETXRDY = 0x02;
export const IER_ERLS = 0x04;
export const IER_EMSC = 0x08;

export const IIR_NOPEND = 0x01;
export const IIR_MLSC = 0x00;
export const IIR_TXRDY = 0x02;
export const IIR_RXRDY = 0x04;
export const IIR_RLS = 0x06;
export const IIR_RXTOUT = 0x0c;
export const IIR_FIFO_MASK = 0xc0;

export const FIFO_ENABLE = 0x01;
export const FIFO_RCV_RST = 0x02;
export const FIFO_XMT_RST = 0x04;

export const CFCR_DLAB = 0x80;
export const CFCR_SBREAK = 0x40;
export const CFCR_PENAB = 0x08;
export const CFCR_STOPB = 0x04;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_IENABLE = 0x08; // OUT2
export const MCR_LOOPBACK = 0x10;

export const LSR_RXRDY = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_TXRDY = 0x20; // THRE
export const LSR_TSRE = 0x40; // TEMT
export const LSR_RCV_FIFO = 0x80;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

/** The UART's reference clock: 1.8432 MHz, divided by 16 × divisor. */
export const UART_CLOCK_HZ = 1_843_200;
const FIFO_DEPTH = 16;
const RX_TRIGGER = [1, 4, 8, 14] as const;
/** Cap on the host-visible transmit log, so a chatty guest cannot grow it without bound. */
const TX_LOG_LIMIT = 1 << 20;
/** Cap on bytes typed but not yet delivered. */
const TYPE_QUEUE_LIMIT = 1 << 20;

export type UartVariant = "8250" | "16450" | "16550a";

export interface Ns16550Options {
  readonly port: number;
  /** ISA IRQ the card is jumpered to, or null for none. */
  /** Absent: no interrupt line. */
  readonly irq?: number;
  readonly uart: UartVariant;
  /** Unix-domain socket path for the host end of the line. */
  readonly socket?: string;
}

export class Ns16550 implements IsaDevice {
  readonly type = "ns16550";
  private readonly base: number;
  private readonly variant: UartVariant;
  private readonly line: IrqLine | null;

  // Registers.
  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0; // OE | PE | FE | BI, cleared by reading LSR
  private msrDelta = 0;
  private scr = 0;
  private dll = 12; // as the BIOS leaves it: 9600 bps
  private dlm = 0;
  private rbrHold = 0;

  // Receiver and transmitter.
  private rx: number[] = [];
  private tx: number[] = [];
  private tsrBusy = false;
  private tsrEvent = 0;
  private threPending = false;
  private timeoutPending = false;
  private timeoutEvent = 0;

  // Host side.
  private externalInputs = 0; // CTS | DSR | RI | DCD as driven by the host
  private inputs = 0; // what MSR bits 7–4 show (host lines, or MCR in loopback)
  private readonly typed: number[] = [];
  private typedEvent = 0;
  private readonly txLog = new ByteLog(TX_LOG_LIMIT);
  private socket: UartSocket | null = null;
  private irqLevel = false;

  constructor(
    readonly name: string,
    options: Ns16550Options,
    private readonly ctx: DeviceContext,
  ) {
    this.base = options.port;
    this.variant = options.uart;
    this.line = options.irq === undefined ? null : ctx.irq(options.irq);
    ctx.claimPorts(
      { start: this.base, length: 8, widths: [1] },
      {
        read: (port) => this.read(port - this.base),
        write: (port, value) => this.write(port - this.base, value & 0xff),
      },
    );
    this.reset();
    if (options.socket !== undefined) {
      this.socket = new UartSocket(options.socket, this, (m) => ctx.log(m));
    }
  }

  /** The host socket, if the card has one (tests await its listening()). */
  hostSocket(): UartSocket | null {
    return this.socket;
  }

  async close(): Promise<void> {
    this.ctx.clock.cancel(this.typedEvent);
    this.typedEvent = 0;
    this.typed.length = 0;
    await this.socket?.close();
    this.socket = null;
  }

  /**
   * Run-time operations: `type TEXT` (C escapes allowed), `transmitted`
   * (one line, escaped), `break` (the host holds the line in break for a
   * character time), `modem BITS` (MSR bits 7–4 driven by the host).
   * @throws KernelError EINVAL for bad arguments, EOPNOTSUPP for other ops.
   */
  control(op: string, args: readonly string[]): readonly string[] {
    switch (op) {
      case "type":
        this.typeBytes(parseEscapedBytes(args.join(" ")));
        return [];
      case "transmitted":
        return [formatEscapedBytes(this.transmitted())];
      case "break":
        this.sendBreak();
        return [];
      case "modem": {
        const v = Number(args[0]);
        if (args.length !== 1 || !Number.isInteger(v) || v < 0 || v > 0xff) {
          throw new KernelError("EINVAL", this.name, "modem takes one number 0-0xff (MSR bits: 0x10 CTS, 0x20 DSR, 0x40 RI, 0x80 DCD)");
        }
        this.setModemInputs(v);
        return [];
      }
      default:
        throw new KernelError("EOPNOTSUPP", this.name, `unknown operation "${op}" (ns16550: type, transmitted, break, modem)`);
    }
  }

  /** MR (master reset): everything but the divisor latch and scratch register. */
  reset(): void {
    this.ier = 0;
    this.fcr = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsrErrors = 0;
    this.msrDelta = 0;
    this.rx = [];
    this.tx = [];
    this.tsrBusy = false;
    this.ctx.clock.cancel(this.tsrEvent);
    this.ctx.clock.cancel(this.timeoutEvent);
    this.threPending = false;
    this.timeoutPending = false;
    this.inputs = this.externalInputs;
    this.updateIrq();
  }

  /**
   * Host → line (the `type` operation; the method cannot be called type()
   * because IsaDevice.type is the card type): queue bytes that arrive one character time apart at the
   * programmed rate (dropped while in loopback, as the receiver is cut off).
   */
  typeBytes(bytes: Uint8Array | readonly number[] | string): void {
    const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    for (const b of data) {
      if (this.typed.length >= TYPE_QUEUE_LIMIT) {
        this.ctx.log(`host input queue full, byte dropped`);
        break;
      }
      this.typed.push(b & 0xff);
    }
    this.pumpTyped();
  }

  /** Host → line: a break condition one character time from now (LSR.BI with a NUL character). */
  sendBreak(): void {
    this.ctx.clock.schedule(this.ctx.clock.now() + this.charTimeNs(), () => {
      if (!(this.mcr & MCR_LOOPBACK)) this.receive(0, LSR_BI);
    });
  }

  /** Bytes the guest has transmitted on the line (not in loopback), oldest first. */
  transmitted(): Uint8Array {
    return this.txLog.bytes();
  }

  /** Host modem lines: DCD/DSR/CTS/RI as MSR bits 7–4 (e.g. carrier on when a socket client connects). */
  setModemInputs(bits: number): void {
    this.externalInputs = bits & 0xf0;
    if (!(this.mcr & MCR_LOOPBACK)) this.setInputs(this.externalInputs);
    this.updateIrq();
  }

  /** Nanoseconds one character takes at the current divisor and LCR framing. */
  charTimeNs(): number {
    const divisor = this.divisor() || 65536;
    const wordLen = 5 + (this.lcr & 0x03);
    const parity = this.lcr & CFCR_PENAB ? 1 : 0;
    const stop = this.lcr & CFCR_STOPB ? (wordLen === 5 ? 1.5 : 2) : 1;
    const bits = 1 + wordLen + parity + stop;
    return Math.round((bits * divisor * 16 * 1e9) / UART_CLOCK_HZ);
  }

  baud(): number {
    const divisor = this.divisor() || 65536;
    return UART_CLOCK_HZ / 16 / divisor;
  }

  snapshot(): RegisterSnapshot {
    return {
      variant: this.variant,
      RBR: this.rx[0] ?? this.rbrHold,
      IER: this.ier,
      IIR: this.iir(),
      FCR: this.fcr,
      LCR: this.lcr,
      MCR: this.mcr,
      LSR: this.lsr(),
      MSR: this.inputs | this.msrDelta,
      SCR: this.variant === "8250" ? 0xff : this.scr,
      DLL: this.dll,
      DLM: this.dlm,
      baud: Math.round(this.baud()),
      rxFifo: [...this.rx],
      txFifoLevel: this.tx.length,
      irqLevel: this.irqLevel,
    };
  }

  private divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  private fifoEnabled(): boolean {
    return this.variant === "16550a" && (this.fcr & FIFO_ENABLE) !== 0;
  }

  private lsr(): number {
    let v = this.lsrErrors;
    if (this.rx.length > 0) v |= LSR_RXRDY;
    if (this.tx.length === 0) v |= LSR_TXRDY;
    if (this.tx.length === 0 && !this.tsrBusy) v |= LSR_TSRE;
    if (this.fifoEnabled() && this.lsrErrors & (LSR_PE | LSR_FE | LSR_BI)) v |= LSR_RCV_FIFO;
    return v;
  }

  /** The IIR value (no side effects), by the datasheet's priority order. */
  private iir(): number {
    const fifo = this.fifoEnabled() ? IIR_FIFO_MASK : 0;
    if (this.ier & IER_ERLS && this.lsrErrors & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)) return fifo | IIR_RLS;
    if (this.ier & IER_ERXRDY) {
      const trigger = this.fifoEnabled() ? RX_TRIGGER[(this.fcr >> 6) & 3]! : 1;
      if (this.rx.length >= trigger) return fifo | IIR_RXRDY;
      if (this.timeoutPending && this.rx.length > 0) return fifo | IIR_RXTOUT;
    }
    if (this.ier & IER_ETXRDY && this.threPending) return fifo | IIR_TXRDY;
    if (this.ier & IER_EMSC && this.msrDelta) return fifo | IIR_MLSC;
    return fifo | IIR_NOPEND;
  }

  /** Decide the ISA line: an interrupt pending, OUT2 gate open, not in loopback. */
  private updateIrq(): void {
    const level =
      (this.iir() & IIR_NOPEND) === 0 && (this.mcr & MCR_IENABLE) !== 0 && (this.mcr & MCR_LOOPBACK) === 0;
    this.irqLevel = level;
    this.line?.set(level);
  }

  private read(off: number): number {
    const dlab = (this.lcr & CFCR_DLAB) !== 0;
    switch (off) {
      case com_data: {
        if (dlab) return this.dll;
        const b = this.rx.shift();
        if (b !== undefined) this.rbrHold = b;
        this.timeoutPending = false;
        this.armTimeout();
        this.updateIrq();
        return this.rbrHold;
      }
      case com_ier:
        return dlab ? this.dlm : this.ier;
      case com_iir: {
        const v = this.iir();
        if ((v & 0x0f) === IIR_TXRDY) {
          this.threPending = false;
          this.updateIrq();
        }
        return v;
      }
      case com_lcr:
        return this.lcr;
      case com_mcr:
        return this.mcr;
      case com_lsr: {
        const v = this.lsr();
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case com_msr: {
        const v = this.inputs | this.msrDelta;
        this.msrDelta = 0;
        this.updateIrq();
        return v;
      }
      default:
        // The 8250 has no scratch register: the bus floats.
        return this.variant === "8250" ? 0xff : this.scr;
    }
  }

  private write(off: number, v: number): void {
    const dlab = (this.lcr & CFCR_DLAB) !== 0;
    switch (off) {
      case com_data:
        if (dlab) this.dll = v;
        else this.transmit(v);
        break;
      case com_ier:
        if (dlab) {
          this.dlm = v;
        } else {
          const old = this.ier;
          this.ier = v & 0x0f;
          // THRE interrupt fires when ETXRDY goes 0 → 1 with the holding register empty.
          if (!(old & IER_ETXRDY) && this.ier & IER_ETXRDY && this.tx.length === 0) this.threPending = true;
        }
        break;
      case com_iir:
        this.writeFcr(v);
        break;
      case com_lcr: {
        const old = this.lcr;
        this.lcr = v;
        // Loopback: a break the guest sends arrives at its own receiver a character time later.
        if (v & CFCR_SBREAK && !(old & CFCR_SBREAK) && this.mcr & MCR_LOOPBACK) {
          this.ctx.clock.schedule(this.ctx.clock.now() + this.charTimeNs(), () => {
            if (this.lcr & CFCR_SBREAK && this.mcr & MCR_LOOPBACK) this.receive(0, LSR_BI);
          });
        }
        break;
      }
      case com_mcr:
        this.mcr = v & 0x1f;
        this.setInputs(this.mcr & MCR_LOOPBACK ? this.loopbackInputs() : this.externalInputs);
        break;
      case com_lsr:
      case com_msr:
        break; // read-only (factory test mode writes are ignored)
      default:
        if (this.variant !== "8250") this.scr = v;
    }
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    if (this.variant !== "16550a") return;
    const wasEnabled = (this.fcr & FIFO_ENABLE) !== 0;
    const enable = (v & FIFO_ENABLE) !== 0;
    const hadTx = this.tx.length > 0;
    if (enable !== wasEnabled) {
      this.rx = [];
      this.tx = [];
      this.timeoutPending = false;
    }
    if (enable) {
      if (v & FIFO_RCV_RST) {
        this.rx = [];
        this.timeoutPending = false;
      }
      if (v & FIFO_XMT_RST) this.tx = [];
      this.fcr = v & 0xc9; // trigger level, DMA mode, enable
    } else {
      this.fcr = 0;
    }
    // Flushing a non-empty transmit FIFO empties the holding register: THRE.
    if (hadTx && this.tx.length === 0) this.threPending = true;
  }

  /** MSR inputs seen in loopback: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD. */
  private loopbackInputs(): number {
    let v = 0;
    if (this.mcr & MCR_DTR) v |= MSR_DSR;
    if (this.mcr & MCR_RTS) v |= MSR_CTS;
    if (this.mcr & MCR_OUT1) v |= MSR_RI;
    if (this.mcr & MCR_IENABLE) v |= MSR_DCD;
    return v;
  }

  private setInputs(next: number): void {
    const changed = this.inputs ^ next;
    if (changed & MSR_CTS) this.msrDelta |= MSR_DCTS;
    if (changed & MSR_DSR) this.msrDelta |= MSR_DDSR;
    if (changed & MSR_DCD) this.msrDelta |= MSR_DDCD;
    if (this.inputs & MSR_RI && !(next & MSR_RI)) this.msrDelta |= MSR_TERI;
    this.inputs = next;
  }

  private transmit(v: number): void {
    this.threPending = false;
    const depth = this.fifoEnabled() ? FIFO_DEPTH : 1;
    if (this.tx.length >= depth) {
      // Writing a full holding register/FIFO overwrites: the byte is lost.
      this.tx[this.tx.length - 1] = v;
    } else {
      this.tx.push(v);
    }
    this.startShift();
  }

  /** Move the next byte from THR/FIFO into the shift register; THRE rises when the FIFO empties. */
  private startShift(): void {
    if (this.tsrBusy) return;
    const b = this.tx.shift();
    if (b === undefined) return;
    this.tsrBusy = true;
    if (this.tx.length === 0) this.threPending = true;
    this.tsrEvent = this.ctx.clock.schedule(this.ctx.clock.now() + this.charTimeNs(), () => {
      this.tsrBusy = false;
      this.shiftedOut(b);
      this.startShift();
      this.updateIrq();
    });
  }

  private shiftedOut(b: number): void {
    const mask = (1 << (5 + (this.lcr & 0x03))) - 1;
    if (this.mcr & MCR_LOOPBACK) {
      this.receive(b & mask);
      return;
    }
    this.txLog.push(b & mask);
    this.socket?.send(Uint8Array.of(b & mask));
  }

  /** A character completed in the receive shift register (with LSR error bits, e.g. BI for a break). */
  private receive(b: number, errors = 0): void {
    this.lsrErrors |= errors;
    const depth = this.fifoEnabled() ? FIFO_DEPTH : 1;
    if (this.rx.length >= depth) {
      this.lsrErrors |= LSR_OE;
      // 16450: the new character overwrites RBR; 16550A FIFO: the new one is lost.
      if (depth === 1) this.rx[0] = b;
    } else {
      this.rx.push(b);
    }
    this.timeoutPending = false;
    this.armTimeout();
    this.updateIrq();
  }

  /** Character timeout (FIFO mode): data sat four character times with no arrival or read. */
  private armTimeout(): void {
    this.ctx.clock.cancel(this.timeoutEvent);
    if (!this.fifoEnabled() || this.rx.length === 0) return;
    this.timeoutEvent = this.ctx.clock.schedule(this.ctx.clock.now() + 4 * this.charTimeNs(), () => {
      this.timeoutPending = this.rx.length > 0;
      this.updateIrq();
    });
  }

  private pumpTyped(): void {
    if (this.typedEvent !== 0 || this.typed.length === 0) return;
    this.typedEvent = this.ctx.clock.schedule(this.ctx.clock.now() + this.charTimeNs(), () => {
      this.typedEvent = 0;
      const b = this.typed.shift();
      // In loopback the serial input pin is disconnected: the character is lost.
      if (b !== undefined && !(this.mcr & MCR_LOOPBACK)) this.receive(b);
      this.pumpTyped();
    });
  }
}

registerCardType("ns16550", {
  description: "NS16550A UART serial port (also 8250 and 16450)",
  bios: "com",
  options: {
    port: { kind: "port", required: true, description: "I/O base (8 ports): 0x3f8 COM1, 0x2f8 COM2, 0x3e8 COM3, 0x2e8 COM4" },
    irq: { kind: "irq", description: "ISA IRQ (driven only while MCR.OUT2 is set); absent: no interrupt line" },
    uart: { kind: "enum", values: ["8250", "16450", "16550a"], default: "16550a", description: "chip: 8250 (no scratch register), 16450 (no FIFO), 16550a (16-byte FIFOs)" },
    socket: { kind: "path", description: "Unix-domain socket for the host end of the line (socat - UNIX-CONNECT:PATH)" },
  },
  create: (name, options, ctx) => new Ns16550(name, options, ctx),
});
