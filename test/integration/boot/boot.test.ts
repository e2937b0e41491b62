/**
 * Booting kernel images through the real daemon and CLI: static modules in
 * file 1 with one sorted SYSINIT list, a failing static module and its
 * dependent, loader.conf preloading, the machine's port I/O, options,
 * shutdown event handlers and the shutdown order read from the shutdown log
 * after the daemon has gone; damaged images and loader.conf files refused.
 */
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, envFor, run, tempSocketDir, type RunResult } from "../../support/bin.js";

const tmp = tempSocketDir("kboot");
const env = envFor(tmp.socket);
const kld = (...args: string[]): Promise<RunResult> => run("kld", args, env);
const logPath = join(dirname(tmp.socket), "shutdown.log");
const imageDir = join(tmp.dir, "compile");
const image = join(imageDir, "kernel");
const pc97 = join(ROOT, "configs", "machines", "pc97.yaml");

const CONFIG = `# boot test kernel
machine "i386"
ident BOOTTEST
maxusers 4
options HZ=250
options BOOTVERBOSE
options INCLUDE_CONFIG_FILE
options WITNESS
module hello
module kdep_lib
module evdemo
module evdemo_dep
module badload
module badload_user
module boottrap
`;

/** Positions of `needles` in `text`, each required to be present. */
function positions(text: string, needles: readonly string[]): number[] {
  return needles.map((n) => {
    const i = text.indexOf(n);
    expect(i, `missing: ${n}`).toBeGreaterThanOrEqual(0);
    return i;
  });
}

function increasing(xs: readonly number[]): boolean {
  return xs.every((x, i) => i === 0 || xs[i - 1]! < x);
}

beforeAll(async () => {
  writeFileSync(join(tmp.dir, "BOOTTEST"), CONFIG);
  writeFileSync(join(tmp.dir, "loader.conf"), '# preloaded before the SYSINITs run\nsysinit_demo_load="YES"  # step 3 joins the kernel list\nkld_list="nosuch"\n');
  const k = await run("kconfig", ["-d", imageDir, "-M", join(ROOT, "test", "fixtures", "modules"), join(tmp.dir, "BOOTTEST")], env);
  expect(k.stderr).toBe("");
  expect(k.code).toBe(0);
});

afterAll(async () => {
  await kld("shutdown");
  tmp.remove();
});

describe("kld boot IMAGE", () => {
  let dmesg = "";

  it("boots the image with loader.conf and the pc97 machine; says which preload failed", async () => {
    const r = await kld("boot", "-m", pc97, "-l", join(tmp.dir, "loader.conf"), image);
    // The boot goes on without the module, as loader(8)'s does, but kld boot says so (issue 13).
    expect(r.stderr).toBe(`kld: can't preload nosuch (${join(tmp.dir, "loader.conf")}:3): No such file or directory: module not found in the module path\n`);
    expect(r.code).toBe(0);
    dmesg = (await kld("dmesg")).stdout;
    expect(dmesg).toContain("ident BOOTTEST, machine i386, maxusers 4, hz 250, bootverbose");
    expect(dmesg).toContain("options: HZ=250 BOOTVERBOSE INCLUDE_CONFIG_FILE WITNESS");
    expect(dmesg).toMatch(/config: \d+ lines of configuration text kept/);
    expect(dmesg).toContain("isa0: <ISA bus>");
    expect(dmesg).toContain(`shutdown log: ${logPath}`);
    expect(dmesg).toContain(`loader: can't preload nosuch (${join(tmp.dir, "loader.conf")}:3): No such file or directory: module not found in the module path`);
  });

  it("runs one SYSINIT list sorted by subsystem across static and preloaded modules", () => {
    const order = positions(dmesg, [
      "preloaded: sysinit_demo.ko",
      "badload: SYSINIT", // SI_SUB_KLD, SI_ORDER_FIRST
      "sysinit_demo: step 1", // preloaded, SI_SUB_KLD
      "Hello, world!", // hello's MOD_LOAD at SI_SUB_KLD
      "evdemo: SYSINIT at SI_SUB_KLD",
      "sysinit_demo: step 3", // SI_SUB_DRIVERS, order 0
      "evdemo_dep: MOD_LOAD", // SI_SUB_DRIVERS, MIDDLE
      "evdemo: SYSINIT at SI_SUB_CONFIGURE",
      "evdemo: MOD_LOAD", // SI_SUB_PSEUDO
    ]);
    expect(increasing(order)).toBe(true);
  });

  it("reports a failing static module, drops its dependent with the chain, and goes on", () => {
    expect(dmesg).toContain("kernel: static module badload failed: MOD_LOAD of badload failed: Device not configured (error 6); continuing without it");
    expect(dmesg).toContain("kernel: static module badload_user failed: depends on badload: badload_user -> badload");
    expect(dmesg).toContain("badload: SYSUNINIT");
    expect(dmesg).toContain("eventhandler: shutdown_final handler badload_final of badload deregistered: module failed");
    expect(dmesg).not.toContain("badload_user: SYSINIT");
    expect(dmesg).toMatch(/kernel: static module boottrap failed: trap in kernel:boottrap_init: .*; continuing without it/);
    expect(dmesg).not.toContain("boottrap: MOD_LOAD");
    expect(dmesg).not.toContain("boottrap: MOD_UNLOAD");
    expect(dmesg).toContain("kernel: 4 of 7 static modules running");
  });

  it("gives modules the machine's ports, DELAY and the configured hz", () => {
    expect(dmesg).toContain("evdemo: MOD_LOAD, COM1 LSR 0x60, hz 250, ticks ");
  });

  it("lists the static modules under file 1 and finds their symbols in kernel", async () => {
    const stat = await kld("stat", "-v");
    const file1 = stat.stdout.split(/\n(?= *2 )/)[0]!;
    for (const m of ["hello", "kdep_lib", "evdemo", "evdemo_dep"]) expect(file1).toMatch(new RegExp(`\\d ${m}(\\n|$)`));
    expect(file1).toContain(`kernel (${image})`);
    expect(stat.stdout).not.toMatch(/ badload| boottrap/);
    expect(stat.stdout).toContain("sysinit_demo.ko");
    const sym = await kld("sym", "kdep_lib_add");
    expect(sym.stdout).toMatch(/kdep_lib_add .* func kernel \(id 1\)/);
  });

  it("refuses to load a static module again, links a dynamic one against it", async () => {
    const again = await kld("load", "evdemo.ko");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("File exists");
    const user = await kld("load", "kdep_user");
    expect(user.stderr).toBe("");
    expect(user.code).toBe(0);
    expect((await kld("dmesg")).stdout).toContain("kdep_user: kdep_lib_add(2, 3) = 5");
  });

  it("keeps the configuration text (INCLUDE_CONFIG_FILE) for kld conftxt", async () => {
    const r = await kld("conftxt");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(CONFIG);
  });

  it("names the shutdown log in kld status", async () => {
    const s = await kld("status");
    expect(s.stdout).toContain(`shutdown log: ${logPath}`);
  });

  it("shuts down: handlers, then modules in inverse dependency order, into the log", async () => {
    const r = await kld("shutdown");
    expect(r.code).toBe(0);
    expect(existsSync(tmp.socket)).toBe(false);
    const log = readFileSync(logPath, "utf8");
    const tail = log.slice(log.lastIndexOf("evdemo: shutdown_pre_sync"));
    const at = (needle: string): number => {
      const i = tail.indexOf(needle);
      expect(i, `missing: ${needle}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const shut = (m: string): number => at(`shutdown: ${m}: MOD_SHUTDOWN`);
    // Event handlers first, in their order, then the modules.
    expect(increasing([
      at("evdemo: shutdown_pre_sync (howto 0x8)"),
      at("evdemo: shutdown_post_sync (howto 0x8)"),
      at("evdemo: shutdown_final (howto 0x8, arg evdemo)"),
      at("shutdown: module order:"),
    ])).toBe(true);
    // Every module before what it depends on, static or dynamic...
    expect(shut("kdep_user")).toBeLessThan(shut("kdep_lib"));
    expect(shut("evdemo_dep")).toBeLessThan(shut("evdemo")); // although evdemo_dep's SI_SUB_DRIVERS < SI_SUB_PSEUDO
    // ...and more fundamental subsystems last: hello is at SI_SUB_KLD.
    for (const m of ["kdep_user", "kdep_lib", "sysinit_demo", "evdemo_dep", "evdemo"]) expect(shut(m)).toBeLessThan(shut("hello"));
    // MOD_UNLOAD follows every MOD_SHUTDOWN, in the same order; the log ends with the halt.
    expect(shut("hello")).toBeLessThan(at("shutdown: kdep_user: MOD_UNLOAD"));
    expect(at("shutdown: kdep_user: MOD_UNLOAD")).toBeLessThan(at("Goodbye, world!"));
    expect(tail.trimEnd().endsWith("The operating system has halted.")).toBe(true);
    expect(log).not.toContain("badload: shutdown_final");
  });
});

describe("bad boot input", () => {
  it("refuses a truncated image: exit 1, no daemon left", async () => {
    const bytes = readFileSync(image);
    const cut = join(tmp.dir, "truncated");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    const r = await kld("boot", cut);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated kernel image/);
    expect(existsSync(tmp.socket)).toBe(false);
    expect((await kld("status")).code).not.toBe(0);
  });

  it("refuses an altered image (checksum)", async () => {
    const bytes = Buffer.from(readFileSync(image));
    bytes[bytes.length - 10]! ^= 0x40;
    const bad = join(tmp.dir, "altered");
    writeFileSync(bad, bytes);
    const r = await kld("boot", bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("checksum mismatch");
    expect(existsSync(tmp.socket)).toBe(false);
  });

  it("refuses a file that is not an image", async () => {
    const r = await kld("boot", join(ROOT, "configs", "GENERIC"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not a kldsim kernel image");
  });

  it("refuses a bad machine file with every problem as FILE:LINE: KEY, before starting a daemon", async () => {
    const m = join(tmp.dir, "bad-machine.yaml");
    writeFileSync(m, "name: bad\nfoo: 1\ncards:\n  - {name: x, type: nope, port: 0x100}\n");
    const r = await kld("boot", "-m", m, "none");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`kld: ${m}:2: foo: unknown key`);
    expect(r.stderr).toContain(`${m}:4: cards[0].type: unknown card type "nope"`);
    expect(existsSync(tmp.socket)).toBe(false);
  });

  it("refuses a malformed loader.conf naming file and line", async () => {
    const conf = join(tmp.dir, "bad.conf");
    writeFileSync(conf, '# ok\nhello_load="YES"\nkld_list="a b\n');
    const r = await kld("boot", "-l", conf, "none");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${conf}:3: unterminated quoted value for kld_list`);
    expect(existsSync(tmp.socket)).toBe(false);
  });
});

describe("event handlers of an unloaded file", () => {
  it("are deregistered with the file and never called", async () => {
    const b = await kld("boot", "none");
    expect(b.code).toBe(0);
    expect((await kld("load", "evdemo")).code).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect((await kld("unload", "evdemo")).code).toBe(0);
    const d = (await kld("dmesg")).stdout;
    expect(d).toContain("evdemo: MOD_LOAD, COM1 LSR 0xff, hz 1000"); // no machine: all ones
    // ticks (hz 1000) is brought up to date before each request.
    const loadTicks = Number(/MOD_LOAD, COM1 LSR 0xff, hz 1000, ticks (\d+)/.exec(d)?.[1]);
    const unloadTicks = Number(/evdemo: MOD_UNLOAD \(ticks (\d+)\)/.exec(d)?.[1]);
    expect(unloadTicks - loadTicks).toBeGreaterThanOrEqual(200);
    const c = await kld("conftxt");
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("the kernel was booted without an image");
    expect(d).toContain("eventhandler: shutdown_post_sync handler evdemo_post_sync of evdemo.ko deregistered: file unloaded");
    expect(d).toContain("eventhandler: shutdown_final handler evdemo_final of evdemo.ko deregistered: file unloaded");
    expect(d).not.toContain("shutdown_pre_sync handler"); // its MOD_UNLOAD deregistered that one
    expect((await kld("shutdown")).code).toBe(0);
    const log = readFileSync(logPath, "utf8");
    expect(log.slice(log.lastIndexOf("---<<BOOT>>---") + 1)).not.toContain("evdemo: shutdown_");
  });
});

describe("default boot (npm start's kld boot -f, here detached)", () => {
  it("rebuilds a stale compile/GENERIC/kernel and boots it on pc97", async () => {
    const generic = join(ROOT, "compile", "GENERIC", "kernel");
    if (existsSync(generic)) utimesSync(generic, new Date(0), new Date(0));
    const denv = envFor(tmp.socket, { KLD_IMAGE: undefined, KLD_MACHINE: undefined });
    const b = await run("kld", ["boot"], denv);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain("kconfig: WARNING: no module sio.ko for device sio0");
    expect(b.stderr).toContain(`kld: built ${generic} from ${join(ROOT, "configs", "GENERIC")}`);
    const s = await run("kld", ["status"], denv);
    expect(s.stdout).toContain(`image:    ${generic}\n`);
    expect(s.stdout).toContain(`machine:  ${join(ROOT, "configs", "machines", "pc97.yaml")}\n`);
    const d = (await run("kld", ["dmesg"], denv)).stdout;
    expect(d).toContain("ident GENERIC");
    expect(d).toContain("sio0 at isa? port IO_COM1 irq 4: not probed: no driver module");
    expect((await run("kld", ["stat", "-v"], denv)).stdout).toMatch(/ 1 hello\n/);
    expect((await run("kld", ["shutdown"], denv)).code).toBe(0);
    // Up to date now: the next boot does not build again.
    const again = await run("kld", ["boot"], denv);
    expect(again.stderr).toBe("");
    expect((await run("kld", ["shutdown"], denv)).code).toBe(0);
  });
});
