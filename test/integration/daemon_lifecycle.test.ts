// The daemon's life through the real binaries: boot (detached and -f),
// EEXIST, status/stat/dmesg, socket permissions, stale sockets, shutdown.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { envFor, run, spawnBin, tempSocketDir } from "../support/bin.js";
import { processGone, waitFor } from "./raw_conn.js";

const tmp = tempSocketDir("kldlife");
const env = envFor(tmp.socket);

afterAll(async () => {
  await run("kld", ["shutdown"], env);
  tmp.remove();
});

describe("without a kernel", () => {
  it("kld stat says the kernel is not running and exits 69", async () => {
    const r = await run("kld", ["stat"], env);
    expect(r.code).toBe(69);
    expect(r.stderr).toBe(`kld: kernel not running (no socket at ${tmp.socket}); start it with 'kld boot'\n`);
    expect(r.stdout).toBe("");
  });
});

describe("a detached kernel", () => {
  let pid = 0;

  beforeAll(async () => {
    const r = await run("kld", ["boot"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = /^kernel running at (\S+) \(pid (\d+)\)\n$/.exec(r.stdout);
    expect(m?.[1]).toBe(tmp.socket);
    pid = Number(m?.[2]);
  });

  it("owns a 0600 socket in a 0700 directory", () => {
    expect(statSync(tmp.socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(tmp.socket)).mode & 0o777).toBe(0o700);
  });

  it("refuses a second boot with EEXIST, naming the socket", async () => {
    const r = await run("kld", ["boot"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kld: kernel already running at ${tmp.socket}: File exists\n`);
    const fg = await run("kld", ["boot", "-f"], env);
    expect(fg.code).toBe(1);
    expect(fg.stderr).toBe(`kld: kernel already running at ${tmp.socket}: File exists\n`);
  });

  it("kld stat shows linker file 1, kernel, in kldstat's columns", async () => {
    const r = await run("kld", ["stat"], env);
    expect(r.code).toBe(0);
    const [header, row, ...rest] = r.stdout.split("\n");
    expect(header).toBe("Id Refs Address        Size Name");
    // "%2d %4d %*p %8zx %s" with a 10-column pointer (wasm32).
    expect(row).toMatch(/^ 1 [ \d]{3}\d [ 0-9a-fx]{9}[0-9a-f] [ \da-f]{7}[\da-f] kernel$/);
    expect(row?.length).toBe(2 + 1 + 4 + 1 + 10 + 1 + 8 + 1 + "kernel".length);
    expect(rest).toEqual([""]);
  });

  it("kld stat --json gives the same file with numeric fields", async () => {
    const r = await run("kld", ["stat", "--json"], env);
    const doc = JSON.parse(r.stdout) as { schema: string; "kld-file-information": unknown[] };
    expect(doc.schema).toBe("kldsim.kldstat/1");
    expect(doc["kld-file-information"]).toHaveLength(1);
    expect(doc["kld-file-information"][0]).toMatchObject({ id: 1, name: "kernel" });
    const f = doc["kld-file-information"][0] as Record<string, unknown>;
    for (const k of ["refs", "address", "size"]) expect(typeof f[k]).toBe("number");
  });

  it("kld status reports state, pid, socket, uptime and the default image", async () => {
    const r = await run("kld", ["status"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("state:    running\n");
    expect(r.stdout).toContain(`pid:      ${pid}\n`);
    expect(r.stdout).toContain(`socket:   ${tmp.socket}\n`);
    expect(r.stdout).toMatch(/uptime:   \d+s\n/);
    expect(r.stdout).toContain("image:    none (core kernel only)\n");
    expect(r.stdout).toContain("machine:  none\n");
    expect(r.stdout).not.toContain("\u001b[");
    const j = JSON.parse((await run("kld", ["status", "--json"], env)).stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ schema: "kldsim.status/1", state: "running", pid, image: null, files: 1 });
  });

  it("colours the state only when asked and never under NO_COLOR", async () => {
    const forced = await run("kld", ["status"], { ...env, FORCE_COLOR: "1" });
    expect(forced.stdout).toContain("\u001b[");
    const both = await run("kld", ["status"], { ...env, FORCE_COLOR: "1", NO_COLOR: "1" });
    expect(both.stdout).not.toContain("\u001b[");
  });

  it("kld dmesg shows the boot banner", async () => {
    const r = await run("kld", ["dmesg"], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^Copyright \(c\) \d{4} The kldsim authors\.$/);
    expect(r.stdout).toMatch(/^kldsim \d+\.\d+\.\d+ #0: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/m);
    expect(r.stdout).toContain('kernel: linker file 1 "kernel"');
    const j = JSON.parse((await run("kld", ["dmesg", "--json"], env)).stdout) as { lines: string[] };
    expect(j.lines[0]).toBe(lines[0]);
  });

  it("kld reboot keeps the settings and the message buffer, marked ---<<BOOT>>---", async () => {
    const r = await run("kld", ["reboot"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`kernel rebooted at ${tmp.socket} (pid ${pid})\n`);
    const d = (await run("kld", ["dmesg"], env)).stdout;
    expect(d).toMatch(/Uptime: \d+s\nRebooting\.\.\.\n---<<BOOT>>---\nCopyright/);
  });

  it("replaces a stale socket left by a killed daemon", async () => {
    process.kill(pid, "SIGKILL");
    expect(await waitFor(() => processGone(pid))).toBe(true);
    expect(existsSync(tmp.socket)).toBe(true);
    const down = await run("kld", ["stat"], env);
    expect(down.code).toBe(69);
    expect(down.stderr).toContain("kernel not running (stale socket at");
    const r = await run("kld", ["boot"], env);
    expect(r.code).toBe(0);
    expect((await run("kld", ["stat"], env)).code).toBe(0);
  });

  it("says a plain file at the socket path is not a socket", async () => {
    const plain = `${tmp.socket}.plain`;
    writeFileSync(plain, "");
    const r = await run("kld", ["stat"], envFor(plain));
    expect(r.code).toBe(69);
    expect(r.stderr).toBe(`kld: kernel not running (${plain} exists and is not a socket)\n`);
  });

  it("kld shutdown stops the daemon and removes its socket", async () => {
    const st = JSON.parse((await run("kld", ["status", "--json"], env)).stdout) as { pid: number };
    const r = await run("kld", ["shutdown"], env);
    expect(r.code).toBe(0);
    expect(existsSync(tmp.socket)).toBe(false);
    expect(await waitFor(() => processGone(st.pid))).toBe(true);
    expect((await run("kld", ["status"], env)).code).toBe(69);
  });
});

describe("a foreground kernel (kld boot -f)", () => {
  it("prints the boot log on stdout and shuts down cleanly on SIGINT", async () => {
    const child = spawnBin("kld", ["boot", "-f"], env);
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    expect(await waitFor(() => err.includes("kernel running at"), 10_000)).toBe(true);
    expect(out).toMatch(/^Copyright \(c\) \d{4} The kldsim authors\.\n/);
    // Other clients see it like a detached one.
    const st = await run("kld", ["status"], env);
    expect(st.stdout).toContain("mode:     foreground\n");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("The operating system has halted.\n");
    expect(existsSync(tmp.socket)).toBe(false);
  });

  it("also ends, exit 0, when another client runs kld shutdown", async () => {
    const child = spawnBin("kld", ["boot", "-f"], env);
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    expect(await waitFor(() => err.includes("kernel running at"), 10_000)).toBe(true);
    expect((await run("kld", ["shutdown"], env)).code).toBe(0);
    expect(await exited).toBe(0);
  });
});
