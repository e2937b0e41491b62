/**
 * Issue 13 through the real binaries: idle connections cannot lock clients
 * out and a turned-away client is told why (defect 6); `kld status` answers
 * while the kernel is busy; dmesg and status stay readable after a panic
 * (defect 10).  The daemon runs with a small connection cap and idle time
 * ($KLD_MAX_CONNECTIONS, $KLD_IDLE_TIMEOUT_MS) so the test stays small.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envFor, run, tempSocketDir } from "../support/bin.js";
import { RawConn, request, waitFor } from "./raw_conn.js";

const tmp = tempSocketDir("kldhard");
const env = envFor(tmp.socket, { KLD_MAX_CONNECTIONS: "2", KLD_IDLE_TIMEOUT_MS: "1000" });

beforeAll(async () => {
  const r = await run("kld", ["boot"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await run("kld", ["shutdown"], env);
  tmp.remove();
});

describe("connection limits", () => {
  it("a client turned away by idle connections is told why, and served once they time out", async () => {
    const idle = [await RawConn.open(tmp.socket), await RawConn.open(tmp.socket)];
    const refused = await run("kld", ["stat"], env);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toBe(
      `kld: kernel at ${tmp.socket}: Resource temporarily unavailable\n` +
        "kld: the kernel daemon already serves 2 connections, its limit; try again\n",
    );
    expect(await waitFor(() => idle.every((c) => c.closed), 5000)).toBe(true);
    const served = await run("kld", ["stat"], env);
    expect(served.stderr).toBe("");
    expect(served.code).toBe(0);
  });

  it("refuses a bad limit in the environment as a usage error", async () => {
    const r = await run("kld", ["boot"], { ...env, KLD_MAX_CONNECTIONS: "0" });
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("kld: invalid connection limit '0' (KLD_MAX_CONNECTIONS): expected a count between 1 and 65536\n");
  });
});

describe("a busy kernel", () => {
  it("kld status answers while a request runs, naming it", async () => {
    const c = await RawConn.open(tmp.socket);
    try {
      c.write(request(1, "debug.spin", { ms: 3000 }));
      await new Promise((r) => setTimeout(r, 200));
      const r = await run("kld", ["status", "--json"], env);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as { state: string; busy?: { method: string } };
      expect(s.state).toBe("running");
      // Only a status given while the spin ran can name it.
      expect(s.busy?.method).toBe("debug.spin");
      expect(await c.next()).toMatchObject({ id: 1, result: { ok: true } });
    } finally {
      c.close();
    }
    const after = await run("kld", ["status"], env);
    expect(after.stdout).not.toContain("busy:");
    expect(after.stdout).toMatch(/files: +1\n/);
  });
});

describe("after a panic", () => {
  it("kld dmesg and kld status still answer, until reboot", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.panic", { message: "test panic for dmesg" }));
    expect(await c.next()).toMatchObject({ id: 1, error: { code: -32001 } });
    c.close();

    const dmesg = await run("kld", ["dmesg"], env);
    expect(dmesg.stderr).toBe("");
    expect(dmesg.code).toBe(0);
    expect(dmesg.stdout).toContain("kldsim ");
    expect(dmesg.stdout).toContain("panic: test panic for dmesg\n");
    const json = await run("kld", ["dmesg", "--json"], env);
    expect((JSON.parse(json.stdout) as { lines: string[] }).lines).toContain("panic: test panic for dmesg");

    const status = await run("kld", ["status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("state:    panicked\n");
    expect(status.stdout).toContain("panic:    test panic for dmesg\n");

    const stat = await run("kld", ["stat"], env);
    expect(stat.code).toBe(69);

    expect((await run("kld", ["reboot", "-q"], env)).code).toBe(0);
    const again = await run("kld", ["dmesg"], env);
    expect(again.stdout).toContain("---<<BOOT>>---\n");
    expect(again.stdout.indexOf("panic: test panic for dmesg")).toBeLessThan(again.stdout.indexOf("---<<BOOT>>---"));
  });
});
