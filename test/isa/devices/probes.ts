/**
 * FreeBSD's ISA probe sequences, replayed at the register level (reference
 * isa-emulation.md §4): sio, ed (Novell), joy, lpt / ppc, sbc.  Each takes a
 * bus with inb/outb/inw/outw/delay so the same replay runs against the fake
 * context and against a real Machine.  They return what the driver would
 * conclude, and the driver's intermediate readings for assertions.
 */

export interface ProbeBus {
  inb(port: number): number;
  outb(port: number, value: number): void;
  inw(port: number): number;
  outw(port: number, value: number): void;
  /** DELAY(us) */
  delay(us: number): void;
  /** Virtual time in ns (nanotime()). */
  now(): number;
}

// ---------------------------------------------------------------- sio ----

export interface SioProbeResult {
  /** 3.x / 4.x verdict: tests 0, 1, 2, 4, 6, 7, 9 all pass. */
  readonly found: boolean;
  readonly failures: readonly boolean[];
  /** IRQ line levels sampled where the 2.x driver reads the IRR: irqmap[0..3]. */
  readonly irqmap: readonly boolean[];
}

/**
 * sioprobe() (sys/dev/sio/sio.c).  `irqLevel` samples the card's IRQ as the
 * 8259's IRR would show it (the 2.x tests 3/5/8 use it).
 */
export function sioProbe(bus: ProbeBus, base: number, irqLevel: () => boolean): SioProbeResult {
  const failures: boolean[] = new Array<boolean>(10).fill(false);
  const irqmap: boolean[] = [];
  bus.outb(base + 3, 0x83); // CFCR_DLAB | CFCR_8BITS
  bus.outb(base + 0, 12); // 9600 bps
  bus.outb(base + 1, 0);
  bus.outb(base + 3, 0x03);
  bus.delay(17_708);
  bus.outb(base + 4, 0x08); // MCR_IENABLE
  bus.outb(base + 1, 0);
  bus.delay(1000);
  irqmap.push(irqLevel());
  bus.outb(base + 4, 0x18); // MCR_IENABLE | MCR_LOOPBACK
  bus.outb(base + 1, 0x02); // IER_ETXRDY
  bus.outb(base + 0, 0);
  bus.delay(3125);
  bus.outb(base + 4, 0x08);
  bus.outb(base + 3, 0x03);
  failures[0] = bus.inb(base + 3) !== 0x03;
  failures[1] = bus.inb(base + 1) !== 0x02;
  failures[2] = bus.inb(base + 4) !== 0x08;
  bus.delay(10_000);
  irqmap.push(irqLevel());
  failures[3] = !irqmap[1];
  failures[4] = (bus.inb(base + 2) & 0x0f) !== 0x02; // IIR_TXRDY
  bus.delay(1000);
  irqmap.push(irqLevel());
  failures[5] = irqmap[2]!;
  failures[6] = (bus.inb(base + 2) & 0x0f) !== 0x01; // IIR_NOPEND
  bus.outb(base + 1, 0);
  bus.outb(base + 3, 0x03);
  failures[7] = bus.inb(base + 1) !== 0;
  bus.delay(1000);
  irqmap.push(irqLevel());
  failures[8] = irqmap[3]!;
  failures[9] = (bus.inb(base + 2) & 0x0f) !== 0x01;
  const found = [0, 1, 2, 4, 6, 7, 9].every((i) => !failures[i]);
  if (!found) bus.outb(base + 4, 0);
  return { found, failures, irqmap };
}

/** sioattach()'s chip identification: scratch test, then FIFO bits of IIR after FCR 0xC1. */
export function sioIdentify(bus: ProbeBus, base: number): string {
  const scr = bus.inb(base + 7);
  bus.outb(base + 7, 0xa5);
  const a = bus.inb(base + 7);
  bus.outb(base + 7, 0x5a);
  const b = bus.inb(base + 7);
  bus.outb(base + 7, scr);
  if (a !== 0xa5 || b !== 0x5a) return "8250";
  bus.outb(base + 2, 0xc1);
  bus.delay(100);
  const kind = ["16450", "16450?", "16550?", "16550A"][(bus.inb(base + 2) & 0xc0) >> 6]!;
  bus.outb(base + 2, 0);
  return kind;
}

// ------------------------------------------------------------ ed Novell ----

export const ED_TEST_PATTERN = new TextEncoder().encode("THIS is A memory TEST pattern\0\0\0");

function edRemoteWrite(bus: ProbeBus, base: number, addr: number, data: Uint8Array, word: boolean): boolean {
  bus.outb(base, 0x22);
  bus.outb(base + 7, 0x40);
  bus.outb(base + 0x0a, data.length & 0xff);
  bus.outb(base + 0x0b, data.length >> 8);
  bus.outb(base + 0x08, addr & 0xff);
  bus.outb(base + 0x09, addr >> 8);
  bus.outb(base, 0x12);
  if (word) for (let i = 0; i < data.length; i += 2) bus.outw(base + 0x10, data[i]! | (data[i + 1]! << 8));
  else for (const b of data) bus.outb(base + 0x10, b);
  for (let i = 0; i < 100; i++) if (bus.inb(base + 7) & 0x40) return true;
  return false;
}

function edRemoteRead(bus: ProbeBus, base: number, addr: number, len: number, word: boolean): Uint8Array {
  bus.outb(base, 0x22);
  bus.outb(base + 0x0a, len & 0xff);
  bus.outb(base + 0x0b, len >> 8);
  bus.outb(base + 0x08, addr & 0xff);
  bus.outb(base + 0x09, addr >> 8);
  bus.outb(base, 0x0a);
  const out = new Uint8Array(len);
  if (word) {
    for (let i = 0; i < len; i += 2) {
      const w = bus.inw(base + 0x10);
      out[i] = w & 0xff;
      out[i + 1] = w >> 8;
    }
  } else {
    for (let i = 0; i < len; i++) out[i] = bus.inb(base + 0x10);
  }
  return out;
}

export interface EdNovellResult {
  readonly kind: "NE1000" | "NE2000" | null;
  readonly mac?: string;
  /** The WD80x3 and 3Com probes that run first at the same base. */
  readonly wdAccepted: boolean;
  readonly threeComAccepted: boolean;
}

/** ed_probe_WD80x3's first test and ed_probe_3Com's config registers, then ed_probe_Novell_generic. */
export function edProbe(bus: ProbeBus, base: number): EdNovellResult {
  let sum = 0;
  for (let i = 8; i < 16; i++) sum += bus.inb(base + i);
  const wdAccepted = (sum & 0xff) === 0xff || (bus.inb(base + 0x0e) === 0x03 && bus.inb(base + 0x0f) === 0);
  const bcfr = bus.inb(base + 0x403);
  const pcfr = bus.inb(base + 0x404);
  const oneBit = (v: number): boolean => v !== 0 && (v & (v - 1)) === 0;
  const threeComAccepted = oneBit(bcfr) && oneBit(pcfr);

  const v = bus.inb(base + 0x1f);
  bus.outb(base + 0x1f, v);
  bus.delay(5000);
  bus.outb(base, 0x21);
  bus.delay(5000);
  if ((bus.inb(base) & 0x27) !== 0x21 || !(bus.inb(base + 7) & 0x80)) {
    return { kind: null, wdAccepted, threeComAccepted };
  }
  bus.outb(base + 0x0c, 0x20);
  bus.outb(base + 0x0e, 0x48);
  bus.outb(base + 0x01, 0x20);
  bus.outb(base + 0x02, 0x40);
  edRemoteWrite(bus, base, 0x2000, ED_TEST_PATTERN, false);
  const back8 = edRemoteRead(bus, base, 0x2000, 32, false);
  let kind: "NE1000" | "NE2000" | null = null;
  let word = false;
  if (back8.every((b, i) => b === ED_TEST_PATTERN[i])) {
    kind = "NE1000";
  } else {
    bus.outb(base + 0x0e, 0x49);
    bus.outb(base + 0x01, 0x40);
    bus.outb(base + 0x02, 0x80);
    edRemoteWrite(bus, base, 0x4000, ED_TEST_PATTERN, true);
    const back16 = edRemoteRead(bus, base, 0x4000, 32, true);
    if (back16.every((b, i) => b === ED_TEST_PATTERN[i])) {
      kind = "NE2000";
      word = true;
    }
  }
  if (kind === null) return { kind, wdAccepted, threeComAccepted };
  const rom = edRemoteRead(bus, base, 0, 16, word);
  const mac: string[] = [];
  for (let i = 0; i < 6; i++) mac.push(rom[word ? i * 2 : i]!.toString(16).padStart(2, "0"));
  bus.outb(base + 7, 0xff);
  return { kind, mac: mac.join(":"), wdAccepted, threeComAccepted };
}

// ----------------------------------------------------------------- joy ----

/** joy.c's WANT_JOYSTICK_CONNECTED probe: some axis one-shot has timed out after 10 ms. */
export function joyProbeConnected(bus: ProbeBus, port: number): boolean {
  bus.outb(port, 0xff);
  bus.delay(10_000);
  return (bus.inb(port) & 0x0f) !== 0x0f;
}

export interface JoyReading {
  readonly x: number;
  readonly y: number;
  readonly b1: boolean;
  readonly b2: boolean;
}

/** 5.x joyread(): fire the one-shots, time bits 0/1 (or 2/3) falling with nanotime(); 0x80000000 on timeout. */
export function joyRead(bus: ProbeBus, port: number, unit: 0 | 1, timeoutUs = 2000): JoyReading {
  const shift = unit * 2;
  const t0 = bus.now();
  bus.outb(port, 0xff);
  let x = 0x80000000;
  let y = 0x80000000;
  let state = 0;
  for (;;) {
    const t = bus.now();
    state = bus.inb(port);
    if (x === 0x80000000 && !(state & (1 << shift))) x = Math.round((t - t0) / 1000);
    if (y === 0x80000000 && !(state & (2 << shift))) y = Math.round((t - t0) / 1000);
    if ((x !== 0x80000000 && y !== 0x80000000) || t - t0 > timeoutUs * 1000) break;
  }
  return { x, y, b1: !(state & (0x10 << shift)), b2: !(state & (0x20 << shift)) };
}

// ------------------------------------------------------------ lpt / ppc ----

/** lptprobe() (1994): 0x55, 0xAA, walking zero and walking one, each polled 10 000 × DELAY(10). */
export function lptProbe(bus: ProbeBus, port: number): boolean {
  const tryByte = (v: number): boolean => {
    bus.outb(port, v);
    for (let i = 0; i < 10_000; i++) {
      if (bus.inb(port) === v) return true;
      bus.delay(10);
    }
    return false;
  };
  const values = [0x55, 0xaa];
  for (let i = 0; i < 8; i++) values.push(~(1 << i) & 0xff);
  for (let i = 0; i < 8; i++) values.push(1 << i);
  let ok = true;
  for (const v of values) {
    if (!tryByte(v)) {
      ok = false;
      break;
    }
  }
  bus.outb(port, 0);
  bus.outb(port + 2, 0);
  return ok;
}

/** ppc_detect_port(): control ← 0x0C, data ← 0xAA, must read back. */
export function ppcDetectPort(bus: ProbeBus, port: number): boolean {
  bus.outb(port + 2, 0x0c);
  bus.outb(port, 0xaa);
  return bus.inb(port) === 0xaa;
}

/** lptopen(): prime, then wait up to 4 s for (status & 0xB8) == 0x98. */
export function lptOpen(bus: ProbeBus, port: number): "ok" | "EBUSY" {
  bus.outb(port + 2, 0);
  bus.delay(500);
  bus.outb(port + 2, 0x0c);
  for (let waited = 0; waited < 4_000_000; waited += 10_000) {
    if ((bus.inb(port + 1) & 0xb8) === 0x98) return "ok";
    bus.delay(10_000);
  }
  return "EBUSY";
}

// ----------------------------------------------------------------- sbc ----

function sbGetByte(bus: ProbeBus, base: number): number {
  for (let i = 0; i < 1000; i++) {
    if (bus.inb(base + 0x0e) & 0x80) return bus.inb(base + 0x0a);
    bus.delay(20);
  }
  return 0xffff;
}

function sbWrite(bus: ProbeBus, base: number, v: number): boolean {
  for (let i = 0; i < 1000; i++) {
    if (!(bus.inb(base + 0x0c) & 0x80)) {
      bus.outb(base + 0x0c, v);
      return true;
    }
    bus.delay(20);
  }
  return false;
}

export interface SbcProbeResult {
  readonly found: boolean;
  readonly version?: number;
}

/** newpcm sbc_probe(): sb_reset_dsp (3, DELAY(100), 0, 0xAA), then sb_identify_board (E1h). */
export function sbcProbe(bus: ProbeBus, base: number, resetValue = 3): SbcProbeResult {
  bus.outb(base + 6, resetValue);
  bus.delay(100);
  bus.outb(base + 6, 0);
  if (sbGetByte(bus, base) !== 0xaa) return { found: false };
  if (!sbWrite(bus, base, 0xe1)) return { found: false };
  const major = sbGetByte(bus, base);
  const minor = sbGetByte(bus, base);
  const version = ((major & 0xff) << 8) | (minor & 0xff);
  if (version < 0x100 || version > 0x4ff) return { found: false };
  return { found: true, version };
}

/** sb16 attach: mixer 0x80 ← IRQ code, 0x81 ← DMA bits. */
export function sbcSetResources(bus: ProbeBus, base: number, irq: number, dl: number, dh: number): boolean {
  const code = ({ 5: 2, 7: 4, 9: 1, 10: 8 } as Record<number, number>)[irq];
  if (code === undefined) return false;
  bus.outb(base + 4, 0x80);
  bus.outb(base + 5, code);
  bus.outb(base + 4, 0x81);
  bus.outb(base + 5, (1 << dh) | (1 << dl));
  return true;
}
