/**
 * Files the user names, through the real binaries (issue 13, defects 2, 7
 * and 8): devices, FIFOs, binary and oversized files are refused at once
 * with an errno and the path; a failed `kld boot` leaves no daemon and no
 * socket; a module in a directory that cannot be searched is EACCES; an
 * error quotes only a short, escaped piece of a text file.
 */
import { execFile } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, envFor, run, tempSocketDir, type RunResult } from "../support/bin.js";

const tmp = tempSocketDir("kfiles");
const env = envFor(tmp.socket);
afterAll(() => tmp.remove());

/** Pids of live processes whose command line mentions `needle` (a daemon started for this test). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle)) out.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe("files that are not what they should be", () => {
  it("kconfig -n with include \"/dev/zero\" fails at once, naming the file", async () => {
    const conf = join(tmp.dir, "Z");
    writeFileSync(conf, 'machine i386\nident Z\ninclude "/dev/zero"\n');
    const t0 = Date.now();
    const r = await run("kconfig", ["-n", conf], env);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(':3: cannot open include file "/dev/zero" (/dev/zero): Inappropriate file type or format: a configuration file must be a regular file, not a character device');
  });

  it("kconfig refuses a configuration file over 1 MiB with EFBIG", async () => {
    const big = join(tmp.dir, "BIG");
    writeFileSync(big, "");
    truncateSync(big, 2 * 1024 * 1024);
    const r = await run("kconfig", ["-n", big], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kconfig: ${big}: File too large\nkconfig: a configuration file may hold at most 1 MiB (1048576 bytes); this one is 2097152 bytes\n`);
  });

  it.each([
    [["-l", "/dev/zero"], "loader.conf /dev/zero", "a loader.conf file"],
    [["/dev/zero"], "image /dev/zero", "a kernel image"],
    [["-m", "/dev/zero"], "machine /dev/zero", "a machine file"],
  ])("kld boot %j fails at once and leaves no daemon and no socket", async (args, what, kind) => {
    const t0 = Date.now();
    const r = await run("kld", ["boot", ...args], env);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kld: can't boot with ${what}: Inappropriate file type or format\nkld: ${kind} must be a regular file, not a character device\n`);
    expect(existsSync(tmp.socket)).toBe(false);
    expect(processesMentioning(tmp.socket)).toEqual([]);
  });

  it("kld boot -l and -m with a binary file quote nothing of it", async () => {
    const bin = join(tmp.dir, "binary");
    writeFileSync(bin, Buffer.concat([Buffer.from("SECRET=hunter2\n"), Buffer.alloc(8), Buffer.from("more\n")]));
    for (const opt of ["-l", "-m"]) {
      const r = await run("kld", ["boot", opt, bin], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Inappropriate file type or format\nkld: not a (loader\.conf|machine) file: binary data \(a NUL byte at offset 15\)\n$/);
      expect(r.stderr).not.toContain("hunter2");
      expect(processesMentioning(tmp.socket)).toEqual([]);
    }
  });

  it("a bad line of a text file is quoted short, with control characters escaped", async () => {
    const secret = "root:$6$saltsalt$" + "H".repeat(80);
    const lc = join(tmp.dir, "loader.conf");
    writeFileSync(lc, `hello_load="YES"\n${secret}\x1b[2J\n`);
    const r = await run("kld", ["boot", "-l", lc], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`expected NAME="value", found '${secret.slice(0, 40)}...'`);
    expect(r.stderr).not.toContain("H".repeat(41));
    const inc = join(tmp.dir, "INC");
    writeFileSync(inc, `machine i386\nident I\ninclude "${lc}"\n`);
    writeFileSync(lc, `bad\x1b[31mword and more\n`);
    const k = await run("kconfig", ["-n", inc], env);
    expect(k.stderr).toContain("syntax error near 'bad\\x1b[31mword': unknown keyword");
  });
});

/** Run a binary as `uid` (root can reach any file; the test needs someone who cannot). */
function runAs(uid: number, gid: number, bin: string, args: readonly string[], e: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((res) => {
    execFile(process.execPath, [join(ROOT, "bin", `${bin}.js`), ...args], { env: e, cwd: "/", uid, gid, timeout: 20_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("a module in a directory the kernel cannot search", () => {
  const root = process.getuid?.() === 0;
  // root passes every permission check: the daemon runs as nobody (65534) then
  const uid = root ? 65534 : process.getuid!();
  const gid = root ? 65534 : process.getgid!();

  it("is EACCES (Permission denied), as kldload(2) says, not ENOENT", async () => {
    const base = join(tmp.dir, "perm");
    const locked = join(base, "locked");
    mkdirSync(locked, { recursive: true });
    copyFileSync(join(ROOT, "src/sys/modules/hello/hello.ko"), join(locked, "hello.ko"));
    chmodSync(tmp.dir, 0o755);
    chmodSync(base, 0o755);
    chmodSync(locked, root ? 0o700 : 0o000); // owned by root, or unsearchable by its owner
    const sockDir = join(base, "run");
    mkdirSync(sockDir, { mode: 0o700 });
    if (root) chownSync(sockDir, uid, gid);
    const e = { ...envFor(join(sockDir, "s", "kld.sock")), HOME: sockDir };
    const boot = await runAs(uid, gid, "kld", ["boot"], e);
    expect(boot.code, boot.stderr).toBe(0);
    try {
      const r = await runAs(uid, gid, "kld", ["load", join(locked, "hello.ko")], e);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^kld: can't load .*hello\.ko: Permission denied\n/);
      expect(r.stderr).toContain("a directory on the way cannot be searched");
    } finally {
      await runAs(uid, gid, "kld", ["shutdown"], e);
      chmodSync(locked, 0o700);
    }
  });
});
