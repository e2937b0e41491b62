/**
 * The PC game port (IBM Game Control Adapter, 0x201): one read/write port
 * decoded across 0x200–0x207.  A write of any value fires the four one-shots
 * of the 558 quad timer; each axis bit (0–3: X1, Y1, X2, Y2) then reads 1
 * until a time set by its joystick potentiometer has passed, and 0 after.
 * Bits 4–7 are the buttons (A1, A2, B1, B2), active low.  The timing is
 * evaluated on the machine's virtual clock when the port is read, so the
 * driver's polling loop sees the bit fall at `write time + delay`.
 *
 * Axis positions are 0–255 (128 = centred), taken as a potentiometer of
 * position/255 × 100 kΩ, and IBM's formula for the adapter gives the one-shot
 * time: 24.2 µs + 0.011 µs/Ω × R, so 24.2 µs – 1124.2 µs (reference
 * isa-emulation.md §3.3; Bochs uses 25 µs + value/60, the same range).  An
 * axis with no stick plugged in never times out: its bit stays 1 after a
 * write, which is how FreeBSD's joy(4) reports 0x80000000 for it.  The port
 * has no IRQ.
 *
 * Created through the card registry (type "gameport").  Corresponds to
 * Bochs iodev/gameport.cc in role; driver: FreeBSD sys/dev/joy/joy.c.
 */
import { KernelError } from "../../errno/kernel_error.js";
import type { DeviceContext, IsaDevice, RegisterSnapshot } from "../device.js";
import { registerCardType } from "./registry.js";

export const GAMEPORT_AXES = 4;
export const GAMEPORT_BUTTONS = 4;
/** One-shot time at position 0, and per ohm of potentiometer (IBM Technical Reference). */
export const ONESHOT_BASE_NS = 24_200;
export const ONESHOT_NS_PER_OHM = 11;
export const POT_MAX_OHMS = 100_000;
export const AXIS_CENTRE = 128;

export interface GameportOptions {
  readonly port: number;
  /** Sticks plugged in: 0, 1 (axes X1/Y1, buttons A1/A2) or 2 (all four axes and buttons). */
  readonly joysticks: number;
}

export class Gameport implements IsaDevice {
  readonly type = "gameport";
  private readonly base: number;
  private readonly joysticks: number;
  private readonly axes = new Array<number>(GAMEPORT_AXES).fill(AXIS_CENTRE);
  private readonly pressed = new Array<boolean>(GAMEPORT_BUTTONS).fill(false);
  /** Virtual time of the last write (the one-shots' trigger), or null before the first. */
  private firedAt: number | null = null;

  constructor(
    readonly name: string,
    options: GameportOptions,
    private readonly ctx: DeviceContext,
  ) {
    this.base = options.port & ~7;
    this.joysticks = Math.max(0, Math.min(2, options.joysticks));
    ctx.claimPorts(
      { start: this.base, length: 8, widths: [1] },
      { read: () => this.status(), write: () => this.fire() },
    );
  }

  reset(): void {
    this.firedAt = null;
  }

  /** Set axis 0–3 to a position 0–255.  @throws KernelError EINVAL out of range. */
  move(axis: number, value: number): void {
    if (!Number.isInteger(axis) || axis < 0 || axis >= GAMEPORT_AXES) {
      throw new KernelError("EINVAL", this.name, `axis ${axis}: must be 0-3 (X1 Y1 X2 Y2)`);
    }
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new KernelError("EINVAL", this.name, `position ${value}: must be 0-255`);
    }
    this.axes[axis] = value;
  }

  /** Press (down = true) or release button 0–3.  @throws KernelError EINVAL out of range. */
  press(button: number, down: boolean): void {
    if (!Number.isInteger(button) || button < 0 || button >= GAMEPORT_BUTTONS) {
      throw new KernelError("EINVAL", this.name, `button ${button}: must be 0-3 (A1 A2 B1 B2)`);
    }
    this.pressed[button] = down;
  }

  /** How long axis `i`'s one-shot stays high, in ns, or Infinity with no stick on that axis. */
  oneShotNs(axis: number): number {
    if (!this.connected(axis)) return Infinity;
    const ohms = ((this.axes[axis] ?? AXIS_CENTRE) * POT_MAX_OHMS) / 255;
    return ONESHOT_BASE_NS + Math.round(ONESHOT_NS_PER_OHM * ohms);
  }

  /**
   * Run-time operations: `move AXIS POS`, `press BUTTON`, `release BUTTON`.
   * @throws KernelError EINVAL for bad arguments, EOPNOTSUPP for other ops.
   */
  control(op: string, args: readonly string[]): readonly string[] {
    const n = (i: number): number => {
      const s = args[i];
      const v = s === undefined || s.trim() === "" ? NaN : Number(s);
      if (!Number.isInteger(v)) throw new KernelError("EINVAL", this.name, `${op}: argument ${i + 1} "${s ?? ""}" is not a number`);
      return v;
    };
    switch (op) {
      case "move":
        this.move(n(0), n(1));
        return [];
      case "press":
        this.press(n(0), true);
        return [];
      case "release":
        this.press(n(0), false);
        return [];
      default:
        throw new KernelError("EOPNOTSUPP", this.name, `unknown operation "${op}" (gameport: move, press, release)`);
    }
  }

  snapshot(): RegisterSnapshot {
    return {
      joysticks: this.joysticks,
      status: this.status(),
      axes: [...this.axes],
      buttons: this.pressed.map((p) => (p ? 1 : 0)),
      firedAt: this.firedAt ?? -1,
    };
  }

  private connected(axis: number): boolean {
    return axis < this.joysticks * 2;
  }

  private fire(): void {
    this.firedAt = this.ctx.clock.now();
  }

  private status(): number {
    let v = 0;
    for (let b = 0; b < GAMEPORT_BUTTONS; b++) {
      // A stick owns two buttons; unplugged buttons read released (1).
      const down = this.pressed[b] === true && b < this.joysticks * 2;
      if (!down) v |= 0x10 << b;
    }
    if (this.firedAt !== null) {
      const elapsed = this.ctx.clock.now() - this.firedAt;
      for (let a = 0; a < GAMEPORT_AXES; a++) if (elapsed < this.oneShotNs(a)) v |= 1 << a;
    }
    return v;
  }
}

registerCardType("gameport", {
  description: "PC game port (IBM Game Control Adapter): four one-shot axes, four buttons, no IRQ",
  options: {
    port: { kind: "port", default: 0x201, description: "I/O port (the card decodes the 8 ports around it, 0x200-0x207)" },
    joysticks: { kind: "integer", min: 0, max: 2, default: 1, description: "sticks plugged in: 0, 1 (axes X1 Y1, buttons A1 A2) or 2" },
  },
  create: (name, options, ctx) => new Gameport(name, options, ctx),
});
