/**
 * The contract between the emulated ISA machine and its device models.
 *
 * One file per chip or card lives in src/isa/devices/; each implements
 * IsaDevice and is created by a factory that the machine looks up by card
 * type (devices register themselves; the machine never switches on types).
 * A device sees the bus only through DeviceContext: it claims port ranges,
 * drives IRQ lines, asks DMA channels for bytes and schedules events on the
 * virtual clock.  Nothing under src/isa/ imports kernel code (src/kern,
 * src/bus): chips are models, drivers are modules.
 *
 * Shapes follow v86's port table and Bochs' iodev: every handler is told the
 * access width, unclaimed ports read all ones, a claim names its owner.
 */

/** Access width in bytes: inb/outb = 1, inw/outw = 2, inl/outl = 4. */
export type Width = 1 | 2 | 4;

/** Port handlers are told the port (absolute) and the width of the cycle. */
export interface PortHandler {
  read(port: number, width: Width): number;
  write(port: number, value: number, width: Width): void;
}

export interface PortRange {
  readonly start: number;
  readonly length: number;
  /** Widths the card decodes natively; wider cycles are split into byte cycles, low byte first. */
  readonly widths: readonly Width[];
}

/** An interrupt request line into the 8259 pair (ISA IRQ 0–15), edge-triggered as on ISA. */
export interface IrqLine {
  readonly irq: number;
  /** Drive the line high (true) or low (false). */
  set(level: boolean): void;
}

/** Virtual time in nanoseconds (see src/isa/clock.ts for how it advances). */
export interface Clock {
  now(): number;
  /** Run `fn` when virtual time reaches `atNs`; returns a handle for cancel(). */
  schedule(atNs: number, fn: () => void): number;
  cancel(handle: number): void;
}

/** What a device may ask of its 8237 channel. */
export interface DmaChannel {
  readonly channel: number;
  /** True when the channel is unmasked and has a transfer programmed. */
  active(): boolean;
  /**
   * Move up to `n` units (bytes, or words on 16-bit channels) from memory to
   * the device; returns their bytes (2 per unit on 16-bit channels), fewer
   * when terminal count is reached or the channel is masked.
   */
  readFromMemory(n: number): Uint8Array;
  /** Move device bytes to memory; returns the units stored (stops at terminal count). */
  writeToMemory(data: Uint8Array): number;
  /** Terminal count reached in the current transfer. */
  terminalCount(): boolean;
}

export interface DeviceContext {
  readonly clock: Clock;
  claimPorts(range: PortRange, handler: PortHandler): void;
  irq(line: number): IrqLine;
  dma(channel: number): DmaChannel;
  /** Map a window of ISA memory (0xA0000–0xFFFFF) to this card. */
  claimMemory(start: number, length: number, handler: MemoryHandler): void;
  /** Advisory messages; the machine prefixes the device name ("lpt1: byte 0x41 ... lost"). */
  log(message: string): void;
}

export interface MemoryHandler {
  read(addr: number): number;
  write(addr: number, value: number): void;
}

/** A register snapshot: names as in the datasheet, values as numbers or strings. */
export type RegisterSnapshot = Readonly<Record<string, number | string | boolean | readonly number[]>>;

export interface IsaDevice {
  /** Instance name from the machine file ("com1", "ne0"). */
  readonly name: string;
  /** Card type ("ns16550a", "ne2000", "pic8259", ...). */
  readonly type: string;
  /** Power-on / RESET state. */
  reset(): void;
  snapshot(): RegisterSnapshot;
  /** Release host resources (sockets, files). */
  close?(): void | Promise<void>;
  /**
   * Run-time operation from a test, the kernel's host side or `kld machine`
   * (`card NAME OP ARGS...`).  Conventional operation names: "type" (bytes
   * into a UART), "transmitted", "move" / "press" (joystick), "inject" (a
   * frame into the hub).  Returns lines to print.  Throw KernelError("EINVAL")
   * for a bad argument and KernelError("EOPNOTSUPP") for an unknown op.
   */
  control?(op: string, args: readonly string[]): readonly string[] | void;
}
