// config(8)'s grammar by era, one real line per statement and clause (issue
// 14): what FreeBSD 1.x, 2.x, 3.x/4.x and modern config(8) accepted, kconfig
// accepts, recording what means something and warning where it means
// nothing now.  kconfig(5) has the same table in words.
import { describe, expect, it } from "vitest";
import { fileEra } from "../../src/config/era.js";
import { lexConfig } from "../../src/config/lexer.js";
import type { KernelConfig } from "../../src/config/ast.js";
import { errors, messages, parse } from "./parse_text.js";

interface Row {
  readonly era: "1.x" | "2.x" | "4.x" | "modern";
  readonly what: string;
  /** Lines the row's line needs before it (a parent, an era marker). */
  readonly pre?: string;
  readonly line: string;
  /** What kconfig made of it. */
  readonly check: (cfg: KernelConfig) => void;
  /** A warning it gives, if the construct means nothing now. */
  readonly warns?: RegExp;
}

const last = <T>(xs: readonly T[]): T => xs[xs.length - 1]!;
const dev = (cfg: KernelConfig) => last(cfg.devices);
const OLD = "controller isa0\n"; // a 1.x/2.x file declares its buses as controllers

const ROWS: readonly Row[] = [
  // ---- FreeBSD 1.x (config.y of 4.3BSD-Reno / 386BSD) ----
  { era: "1.x", what: "machine", line: 'machine\t\t"i386"', check: (c) => expect(c.machine).toBe("i386") },
  { era: "1.x", what: "cpu", line: 'cpu\t\t"I386_CPU"', check: (c) => expect(c.cpus).toEqual(["I386_CPU"]) },
  { era: "1.x", what: "ident", line: "ident\t\tLINT", check: (c) => expect(c.ident).toBe("LINT") },
  { era: "1.x", what: "timezone N dst", line: "timezone\t8 dst", check: (c) => expect(c.timezone).toBe("8 dst"), warns: /timezone 8 dst: recorded, no effect/ },
  { era: "1.x", what: "timezone -N.N dst N", line: "timezone\t-5.5 dst 2", check: (c) => expect(c.timezone).toBe("-5.5 dst 2"), warns: /recorded, no effect/ },
  { era: "1.x", what: "maxusers", line: "maxusers\t10", check: (c) => expect(c.maxusers).toBe(10) },
  { era: "1.x", what: "maxfdescs", line: "maxfdescs\t2048", check: (c) => expect(c.maxfdescs).toBe(2048), warns: /maxfdescs 2048: recorded, no effect/ },
  { era: "1.x", what: "hz (obsolete in 1.x already)", line: "hz\t\t100", check: (c) => expect(c.options).toEqual([]), warns: /options HZ=100 sets the clock rate/ },
  { era: "1.x", what: "trace", line: "trace", check: () => {}, warns: /trace: .*ignored/ },
  { era: "1.x", what: 'options "NAME"', line: 'options\t\t"COMPAT_43"', check: (c) => expect(c.options[0]).toMatchObject({ name: "COMPAT_43" }) },
  { era: "1.x", what: "config ... swap on D and D", line: "config\t\t\"386bsd\"\troot on wd0 swap on wd0 and sd0", check: (c) => expect(c.kernels[0]).toMatchObject({ name: "386bsd", root: "wd0", swap: ["wd0", "sd0"] }) },
  { era: "1.x", what: "config ... swap size N, args on D", line: "config\t\tkernel\troot on wd0 swap on wd0 size 20000 args on wd0", check: (c) => expect(c.kernels[0]).toMatchObject({ root: "wd0", swap: ["wd0"] }), warns: /args on wd0: obsolete, ignored/ },
  { era: "1.x", what: "config root on major N minor M", line: "config\t\tkernel\troot on major 0 minor 0", check: (c) => expect(c.kernels[0]?.root).toBe("major 0 minor 0") },
  { era: "1.x", what: "controller ... at isa? bio irq N vector", pre: OLD, line: 'controller\twd0\tat isa? port "IO_WD1" bio irq 14 vector wdintr', check: (c) => expect(dev(c)).toMatchObject({ kind: "controller", name: "wd", unit: 0, intrClass: "bio", irq: 14, vectors: ["wdintr"] }) },
  { era: "1.x", what: "disk at a controller of its own name", pre: OLD + 'controller wd0 at isa? port "IO_WD1" bio irq 14 vector wdintr\n', line: "disk\t\twd0\tat wd0 drive 0", check: (c) => expect(dev(c)).toMatchObject({ kind: "disk", name: "wd", unit: 0, drive: 0 }), warns: /already seen device wd0/ },
  { era: "1.x", what: "device ... tty irq N vector", pre: OLD, line: 'device\t\tsio0\tat isa? port "IO_COM1" tty irq 4 vector siointr', check: (c) => expect(dev(c)).toMatchObject({ intrClass: "tty", vectors: ["siointr"] }) },
  { era: "1.x", what: "device ... net iomem", pre: OLD, line: "device ed0 at isa? port 0x280 net irq 5 iomem 0xd8000 vector edintr", check: (c) => expect(dev(c)).toMatchObject({ intrClass: "net", iomem: 0xd8000 }) },
  { era: "1.x", what: "csr N (4.3BSD bus address)", pre: OLD, line: "device\t\tlpa0\tat isa? csr 0x378", check: (c) => expect(dev(c).name).toBe("lpa"), warns: /'csr' .* no meaning on ISA/ },
  { era: "1.x", what: "master ... / slave N", pre: OLD + "master\t\tmt0\tat isa?\n", line: "tape\t\tmu0\tat mt0 slave 0", check: (c) => expect(dev(c)).toMatchObject({ kind: "tape", slave: 0 }) },
  { era: "1.x", what: "device at nexus?", pre: OLD, line: "device\t\tnpx0\tat nexus? port \"IO_NPX\" irq 13 vector npxintr", check: (c) => expect(dev(c).at).toEqual({ bus: "nexus", unit: "?" }) },
  { era: "1.x", what: "pseudo-device N", line: "pseudo-device\tpty\t16", check: (c) => expect(c.pseudoDevices[0]).toMatchObject({ name: "pty", count: 16 }) },
  { era: "1.x", what: "priority N", pre: OLD, line: "device\t\tpc0\tat isa? port \"IO_KBD\" tty irq 1 vector pcrint priority 5", check: (c) => expect(dev(c).priority).toBe(5) },

  // ---- FreeBSD 2.x (2.0-2.2: config.y 8.1; lines from the 2.2 LINT) ----
  { era: "2.x", what: "machine / config root dumps", line: "config\t\tkernel\troot on wd0 dumps on wd0", check: (c) => expect(c.kernels[0]).toMatchObject({ root: "wd0", dumps: "wd0" }) },
  { era: "2.x", what: "swap generic", line: "config\t\tkernel\tswap generic", check: (c) => expect(c.kernels[0]?.swap).toEqual(["generic"]) },
  { era: "2.x", what: "options NAME=VALUE, quoted", line: 'options\t\t"MAXDSIZ=(256*1024*1024)"', check: (c) => expect(c.options[0]).toEqual(expect.objectContaining({ name: "MAXDSIZ", value: "(256*1024*1024)" })) },
  { era: "2.x", what: "options list", line: "options\t\tINET, FFS", check: (c) => expect(c.options.map((o) => o.name)).toEqual(["INET", "FFS"]) },
  { era: "2.x", what: "makeoptions", line: "makeoptions\tDEBUG=-g", check: (c) => expect(c.makeoptions[0]).toMatchObject({ name: "DEBUG", value: "-g" }) },
  { era: "2.x", what: "controller isa0 (no at)", line: "controller\tisa0", check: (c) => expect(dev(c)).toMatchObject({ kind: "controller", name: "isa", unit: 0 }) },
  { era: "2.x", what: "controller ... irq ? drq N", pre: OLD, line: 'controller\taha0\tat isa? port "IO_AHA0" bio irq ? drq 5 vector ahaintr', check: (c) => expect(dev(c)).toMatchObject({ irq: "?", drq: 5 }) },
  { era: "2.x", what: "iomem / iosiz", pre: OLD, line: "controller\tsea0\tat isa? bio irq 5 iomem 0xdc000 iosiz 0x2000 vector seaintr", check: (c) => expect(dev(c)).toMatchObject({ iomem: 0xdc000, iosiz: 0x2000 }) },
  { era: "2.x", what: "disk at wdc0 drive N", pre: OLD + 'controller wdc0 at isa? port "IO_WD1" bio irq 14 vector wdintr\n', line: "disk\t\twd1\tat wdc0 drive 1", check: (c) => expect(dev(c)).toMatchObject({ kind: "disk", name: "wd", unit: 1, drive: 1 }) },
  { era: "2.x", what: "tape at fdc0 drive N", pre: OLD + "controller fdc0 at isa? port \"IO_FD1\" bio irq 6 drq 2 vector fdintr\n", line: "tape\t\tft0\tat fdc0 drive 2", check: (c) => expect(dev(c)).toMatchObject({ kind: "tape", drive: 2 }) },
  { era: "2.x", what: "port? and port IO_*", pre: OLD, line: "device\t\tlpt0\tat isa? port? tty irq 7 vector lptintr", check: (c) => expect(dev(c).port).toEqual({ kind: "wildcard" }) },
  { era: "2.x", what: "conflicts", pre: OLD, line: 'device\t\tpsm0\tat isa? port "IO_KBD" conflicts tty irq 12 vector psmintr', check: (c) => expect(dev(c).conflicts).toBe(true) },
  { era: "2.x", what: "disable", pre: OLD, line: "device\t\tsio2\tat isa? disable port \"IO_COM3\" tty irq 5 vector siointr", check: (c) => expect(dev(c).disabled).toBe(true) },
  { era: "2.x", what: "flags", pre: OLD, line: 'device\t\tnpx0\tat isa? port "IO_NPX" iosiz 0x0 flags 0x0 irq 13 vector npxintr', check: (c) => expect(dev(c).flags).toBe(0) },
  { era: "2.x", what: "SCSI: target N unit N", pre: OLD + "controller scbus0\n", line: "disk\t\tsd0\tat scbus0 target 0 unit 0", check: (c) => expect(dev(c)).toMatchObject({ target: 0, lun: 0 }) },
  { era: "2.x", what: "SCSI: bus N", pre: OLD + "controller ahc0\n", line: "controller\tscbus1\tat ahc0 bus 1", check: (c) => expect(dev(c).bus).toBe(1) },
  { era: "2.x", what: "device sd0 without at (the unit split off)", pre: OLD, line: "device\t\tsd0", check: (c) => expect(dev(c)).toMatchObject({ name: "sd", unit: 0 }) },
  { era: "2.x", what: "cam interrupt class", pre: OLD, line: "controller\tahc0\tat isa? cam irq ? vector ahcintr", check: (c) => expect(dev(c).intrClass).toBe("cam") },
  { era: "2.x", what: "irq 2 remapped to 9", pre: OLD, line: "device\t\tsio1\tat isa? port \"IO_COM2\" tty irq 2 vector siointr", check: (c) => expect(dev(c).irq).toBe(9), warns: /remapped irq 2 to irq 9/ },

  // ---- FreeBSD 3.x/4.x (every parent a `device`, interrupt words gone) ----
  { era: "4.x", what: "device isa (unit-less bus)", line: "device\t\tisa", check: (c) => expect(dev(c)).toMatchObject({ name: "isa", unit: undefined }) },
  { era: "4.x", what: "device fdc0 / fd0 at fdc0 drive 0", pre: "device fdc0 at isa? port IO_FD1 irq 6 drq 2\n", line: "device\t\tfd0\tat fdc0 drive 0", check: (c) => expect(dev(c)).toMatchObject({ name: "fd", unit: 0, at: { bus: "fdc", unit: 0 } }) },
  { era: "4.x", what: "at atkbdc? (a device parent, wildcard)", pre: "device atkbdc0 at isa? port IO_KBD\n", line: "device\t\tatkbd0\tat atkbdc? irq 1 flags 0x1", check: (c) => expect(dev(c).at).toEqual({ bus: "atkbdc", unit: "?" }) },
  { era: "4.x", what: "at nexus? disable flags", line: "device\t\tapm0\tat nexus? disable flags 0x20", check: (c) => expect(dev(c)).toMatchObject({ disabled: true, flags: 0x20 }) },
  { era: "4.x", what: "sc0 at isa? flags", line: "device\t\tsc0\tat isa? flags 0x100", check: (c) => expect(dev(c).flags).toBe(0x100) },
  { era: "4.x", what: "unit-less drivers", line: "device\t\tmiibus", check: (c) => expect(dev(c).unit).toBeUndefined() },
  { era: "4.x", what: "pseudo-device without count", line: "pseudo-device\tether", check: (c) => expect(c.pseudoDevices[0]?.name).toBe("ether") },
  { era: "4.x", what: "machine i386 (unquoted)", line: "machine\t\ti386", check: (c) => expect(c.machine).toBe("i386") },
  { era: "4.x", what: "maxusers 0 (autosize)", line: "maxusers\t0", check: (c) => expect(c.maxusers).toBe(0) },

  // ---- modern (5.x and later; lines from amd64 GENERIC and NOTES) ----
  { era: "modern", what: "cpu HAMMER / ident", line: "cpu\t\tHAMMER", check: (c) => expect(c.cpus).toEqual(["HAMMER"]) },
  { era: "modern", what: "machine ARCH SUBARCH", line: "machine\t\tamd64 x86_64", check: (c) => expect([c.machine, c.machineSub]).toEqual(["amd64", "x86_64"]) },
  { era: "modern", what: "makeoptions NAME=VALUE", line: "makeoptions\tWITH_CTF=1", check: (c) => expect(c.makeoptions[0]).toMatchObject({ name: "WITH_CTF", value: "1" }) },
  { era: "modern", what: "makeoptions NAME+=VALUE", pre: "makeoptions CONF_CFLAGS=-a\n", line: "makeoptions\tCONF_CFLAGS+=-fno-builtin", check: (c) => expect(c.makeoptions[0]).toMatchObject({ name: "CONF_CFLAGS", value: "-a -fno-builtin" }) },
  { era: "modern", what: "device NAME (whole word, digits kept)", line: "device\t\tmlx5", check: (c) => expect(dev(c)).toMatchObject({ name: "mlx5", unit: undefined }) },
  { era: "modern", what: "device snd_via8233", line: "device\t\tsnd_via8233", check: (c) => expect(dev(c)).toMatchObject({ name: "snd_via8233", unit: undefined }) },
  { era: "modern", what: "device a, b (list)", line: "device\t\tuart, ppc", check: (c) => expect(c.devices.map((d) => d.name)).toEqual(["uart", "ppc"]) },
  { era: "modern", what: "devices", line: "devices\t\tmlx4, mlx5", check: (c) => expect(c.devices.map((d) => d.name)).toEqual(["mlx4", "mlx5"]) },
  { era: "modern", what: "nodevice", pre: "device uart\n", line: "nodevice\tuart", check: (c) => expect(c.devices).toEqual([]) },
  { era: "modern", what: "nooptions", pre: "options INET6\n", line: "nooptions\tINET6", check: (c) => expect(c.options).toEqual([]) },
  { era: "modern", what: "nomakeoptions", pre: "makeoptions DEBUG=-g\n", line: "nomakeoptions\tDEBUG", check: (c) => expect(c.makeoptions).toEqual([]) },
  { era: "modern", what: "nocpu", pre: "cpu HAMMER\n", line: "nocpu\t\tHAMMER", check: (c) => expect(c.cpus).toEqual([]) },
  { era: "modern", what: "include", line: 'include\t"std.debug"', check: (c) => expect(c.options.map((o) => o.name)).toEqual(["INVARIANTS"]) },
  { era: "modern", what: "hints", line: 'hints\t\t"GENERIC.hints"', check: (c) => expect(c.hints[0]).toMatchObject({ driver: "uart", unit: 0, key: "at", value: "isa" }) },
  { era: "modern", what: "files", line: 'files\t\t"../../conf/files.foo"', check: () => {}, warns: /files\(5\) list; ignored/ },
  { era: "modern", what: "env", line: 'env\t\t"loader.env"', check: () => {}, warns: /static environment is not simulated/ },
  { era: "modern", what: "envvar", line: 'envvar\t\thint.uart.0.disabled="1"', check: () => {}, warns: /envvar hint\.uart\.0\.disabled: .*not simulated/ },
  { era: "modern", what: "profile", line: "profile\t\t2", check: () => {}, warns: /profiling is not simulated/ },
  { era: "modern", what: "options (singular)", line: "option\t\tSCHED_ULE", check: (c) => expect(c.options[0]?.name).toBe("SCHED_ULE") },
];

const FILES = { "std.debug": "options INVARIANTS\n", "GENERIC.hints": 'hint.uart.0.at="isa"\n' };

describe("config(8)'s grammar, era by era: one real line each", () => {
  it.each(ROWS.map((r) => [r.era, r.what, r] as const))("%s: %s", (_era, _what, row) => {
    const r = parse(`${row.pre ?? ""}${row.line}\n`, FILES);
    expect(errors(r)).toEqual([]);
    row.check(r.config);
    const warnings = messages(r).filter((m) => m.includes("WARNING"));
    if (row.warns) expect(warnings.some((w) => row.warns!.test(w)), warnings.join("\n")).toBe(true);
    else expect(warnings).toEqual([]);
  });

  it("tells the eras apart by their statements", () => {
    const era = (t: string) => fileEra(lexConfig(t));
    expect(era("timezone 8 dst\ncontroller isa0\n")).toBe("1.x");
    expect(era("controller isa0\ndevice sio0 at isa? port IO_COM1 irq 4\n")).toBe("2.x");
    expect(era("device sio0 at isa? port \"IO_COM1\" tty irq 4 vector siointr\n")).toBe("2.x");
    expect(era("device isa\ndevice fdc0 at isa? port IO_FD1 irq 6 drq 2\n")).toBe("4.x");
    expect(era('device uart\nhints "GENERIC.hints"\n')).toBe("modern");
    expect(era("device uart, ppc\n")).toBe("modern");
  });

  it("a 2.x file (with controllers) still refuses a numbered parent that is no controller, as 2.x config(8) did", () => {
    expect(errors(parse("controller isa0\ndevice fdc0 at isa?\ndisk fd0 at fdc0 drive 0\n"))).toEqual([
      "kconfig: GENERIC:3: fd0 connected to non-controller fdc0 (this file declares controllers, so it is read as 2.x, whose config(8) wanted 'controller fdc0'; 4.x and later accept a device)",
    ]);
    // no era checked the parent's kind on the wildcard path
    expect(errors(parse("controller isa0\ndevice atkbdc0 at isa?\ndevice atkbd0 at atkbdc? irq 1\n"))).toEqual([]);
  });

  it("splits the unit of a name ending in digits on a line with `at`, in every era", () => {
    const r = parse("device mlx5 at isa? port 0x300\n");
    expect(r.config.devices[0]).toMatchObject({ name: "mlx", unit: 5 });
  });
});
