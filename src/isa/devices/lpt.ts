/**
 * A standard (SPP) PC parallel port with a printer on its cable.
 *
 * Three registers: base+0 the data latch (reads back what was written),
 * base+1 status (nBUSY, nACK, PE, SELECT, nERROR; read-only), base+2 control
 * (STROBE, AUTOFD, nINIT, SELECTIN, and bit 4 = IRQ enable; bits 7–5 read
 * as 1).  The printer speaks the Centronics handshake on virtual time: when
 * the host raises STROBE (control bit 0, 0 → 1) the printer latches the data
 * byte and goes BUSY; PRINT_NS later it pulses nACK low for ACK_NS and drops
 * BUSY at the end of the pulse.  The card's IRQ line is high while nACK is
 * low and control bit 4 is set (one rising edge per byte: FreeBSD's lpt
 * interrupt-driven output).  nINIT low holds the printer in reset.  Printed
 * bytes go to an optional host file (`output:`) and to printed().
 *
 * With no printer (`printer: false`) the status inputs float: nBUSY reads 0
 * (busy) and the rest 1, so FreeBSD's lptopen() times out with EBUSY, while
 * the data latch still passes the lpt/ppc probes, as on real hardware.
 *
 * Created through the card registry (type "lpt").  Register names follow
 * FreeBSD sys/dev/ppbus/lptreg.h / sys/dev/ppc/ppcreg.h; probes in
 * sys/i386/isa/lpt.c (lptprobe) and sys/dev/ppc/ppc.c (ppc_detect_port).
 */
import { ByteLog } from "./byte_log.js";
import { closeSync, openSync, writeSync } from "node:fs";
import { KernelError, hostFileError } from "../../errno/kernel_error.js";
import type { DeviceContext, IrqLine, IsaDevice, RegisterSnapshot } from "../device.js";
import { formatEscapedBytes } from "./byte_text.js";
import { registerCardType } from "./registry.js";

/* Status register (base+1). */
export const LPS_NERR = 0x08;
export const LPS_SEL = 0x10;
export const LPS_OUT = 0x20; // paper end
export const LPS_NACK = 0x40;
export const LPS_NBSY = 0x80;
/** Bits 2–0 are not driven on an SPP port and read 1. */
const STATUS_UNDRIVEN = 0x07;

/* Control register (base+2). */
export const LPC_STB = 0x01;
export const LPC_AUTOL = 0x02;
export const LPC_NINIT = 0x04;
export const LPC_SEL = 0x08;
export const LPC_ENA = 0x10; // IRQ enable
export const LPC_DIR = 0x20;

/** Time from STROBE to the start of the ACK pulse, and the pulse width. */
export const PRINT_NS = 10_000;
export const ACK_NS = 10_000;
const PRINTED_LIMIT = 1 << 20;

export interface LptOptions {
  readonly port: number;
  /** Absent: no interrupt line. */
  readonly irq?: number;
  /** A printer on the cable (online, paper loaded). */
  readonly printer: boolean;
  /** Host file receiving every printed byte (created or truncated at power-on). */
  readonly output?: string;
}

export class Lpt implements IsaDevice {
  readonly type = "lpt";
  private readonly base: number;
  private readonly line: IrqLine | null;
  private printerPresent: boolean;
  private online = true;
  private fd: number | null = null;
  private outputPath = "";

  private data = 0;
  private ctrl = 0;
  private busy = false;
  private ackLow = false;
  private event = 0;
  private readonly printedBytes = new ByteLog(PRINTED_LIMIT);
  private dropped = 0;
  private irqLevel = false;

  constructor(
    readonly name: string,
    options: LptOptions,
    private readonly ctx: DeviceContext,
  ) {
    this.base = options.port;
    this.printerPresent = options.printer;
    this.line = options.irq === undefined ? null : ctx.irq(options.irq);
    if (options.output !== undefined) {
      try {
        this.fd = openSync(options.output, "w");
        this.outputPath = options.output;
      } catch (e) {
        throw hostFileError(e, options.output, "cannot create printer output");
      }
    }
    ctx.claimPorts(
      { start: this.base, length: 3, widths: [1] },
      { read: (port) => this.read(port - this.base), write: (port, v) => this.write(port - this.base, v & 0xff) },
    );
    this.reset();
  }

  reset(): void {
    this.ctx.clock.cancel(this.event);
    this.data = 0;
    this.ctrl = LPC_NINIT; // the BIOS leaves the printer out of reset
    this.busy = false;
    this.ackLow = false;
    this.updateIrq();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Everything printed since power-on (the last MiB). */
  printed(): Uint8Array {
    return this.printedBytes.bytes();
  }

  /** Take the printer off line (SELECT drops, BUSY rises) or back on line. */
  setOnline(on: boolean): void {
    this.online = on;
  }

  /**
   * Run-time operations: `printed` (one escaped line), `online`, `offline`.
   * (The control register is `ctrl` inside this class: `control` is this method.)
   * @throws KernelError EOPNOTSUPP for other ops.
   */
  control(op: string, _args: readonly string[]): readonly string[] {
    switch (op) {
      case "printed":
        return [formatEscapedBytes(this.printed())];
      case "online":
        this.setOnline(true);
        return [];
      case "offline":
        this.setOnline(false);
        return [];
      default:
        throw new KernelError("EOPNOTSUPP", this.name, `unknown operation "${op}" (lpt: printed, online, offline)`);
    }
  }

  snapshot(): RegisterSnapshot {
    return {
      DATA: this.data,
      STATUS: this.status(),
      CONTROL: this.ctrl | 0xe0,
      printer: this.printerPresent ? (this.online ? "online" : "offline") : "none",
      printed: this.printedBytes.length,
      dropped: this.dropped,
      irqLevel: this.irqLevel,
    };
  }

  private ready(): boolean {
    return this.printerPresent && this.online && (this.ctrl & LPC_NINIT) !== 0;
  }

  private status(): number {
    if (!this.printerPresent) return STATUS_UNDRIVEN | LPS_NERR | LPS_SEL | LPS_OUT | LPS_NACK;
    let v = STATUS_UNDRIVEN | LPS_NERR;
    if (this.online) v |= LPS_SEL;
    if (!this.busy && this.ready()) v |= LPS_NBSY;
    if (!this.ackLow) v |= LPS_NACK;
    return v;
  }

  private updateIrq(): void {
    this.irqLevel = this.ackLow && (this.ctrl & LPC_ENA) !== 0;
    this.line?.set(this.irqLevel);
  }

  private read(off: number): number {
    if (off === 0) return this.data;
    if (off === 1) return this.status();
    return (this.ctrl & 0x1f) | 0xe0;
  }

  private write(off: number, v: number): void {
    if (off === 0) {
      this.data = v;
    } else if (off === 2) {
      const old = this.ctrl;
      this.ctrl = v & 0x3f;
      if (!(this.ctrl & LPC_NINIT) && old & LPC_NINIT) {
        // INIT: the printer drops what it was doing.
        this.ctx.clock.cancel(this.event);
        this.busy = false;
        this.ackLow = false;
      }
      if (this.ctrl & LPC_STB && !(old & LPC_STB)) this.strobe();
    }
    // Status (off 1) is read-only.
    this.updateIrq();
  }

  private strobe(): void {
    if (!this.ready()) return;
    if (this.busy) {
      this.dropped++;
      this.ctx.log(`byte 0x${this.data.toString(16)} strobed while the printer was busy, lost`);
      return;
    }
    const byte = this.data;
    this.busy = true;
    this.print(byte);
    const t = this.ctx.clock.now();
    this.event = this.ctx.clock.schedule(t + PRINT_NS, () => {
      this.ackLow = true;
      this.updateIrq();
      this.event = this.ctx.clock.schedule(t + PRINT_NS + ACK_NS, () => {
        this.ackLow = false;
        this.busy = false;
        this.updateIrq();
      });
    });
  }

  private print(byte: number): void {
    this.printedBytes.push(byte);
    if (this.fd !== null) {
      try {
        writeSync(this.fd, Uint8Array.of(byte));
      } catch (e) {
        this.ctx.log(`printer output: ${hostFileError(e, this.outputPath, "write failed").message}; output closed`);
        this.close();
      }
    }
  }
}

registerCardType("lpt", {
  description: "standard parallel port (SPP) with an optional printer",
  bios: "lpt",
  options: {
    port: { kind: "port", required: true, description: "I/O base (3 ports): 0x378 LPT1, 0x278 LPT2, 0x3bc" },
    irq: { kind: "irq", description: "ISA IRQ, raised on the printer's ACK while control bit 4 is set; absent: none" },
    printer: { kind: "boolean", default: true, description: "a printer is on the cable and online" },
    output: { kind: "path", description: "host file receiving the printed bytes (truncated at power-on)" },
  },
  create: (name, options, ctx) => new Lpt(name, options, ctx),
});
