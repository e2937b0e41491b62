// Hostile and unusual input over the real socket: every case gets a clear
// JSON-RPC error and leaves the daemon healthy.  Also ordering, uprintf
// routing, the watchdog and recovery with kld reboot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { envFor, run, tempSocketDir } from "../support/bin.js";
import { RawConn, request } from "./raw_conn.js";

const tmp = tempSocketDir("kldbad");
const env = envFor(tmp.socket, { KLD_WATCHDOG_MS: "1500" });

type Reply = { id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };

async function healthy(): Promise<void> {
  const c = await RawConn.open(tmp.socket);
  c.write(request(99, "kernel.stat"));
  const r = (await c.next()) as Reply;
  c.close();
  expect(r.error).toBeUndefined();
  expect((r.result?.["files"] as unknown[]).length).toBeGreaterThan(0);
}

beforeAll(async () => {
  const r = await run("kld", ["boot"], env);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await run("kld", ["shutdown"], env);
  tmp.remove();
});

describe("bad input on the socket", () => {
  it("garbage bytes get a parse error", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(Buffer.from([0x01, 0x02, 0x7b, 0x7b, 0x0a]));
    const r = (await c.next()) as Reply;
    expect(r).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    expect(r.error?.message).toMatch(/^Parse error/);
    // The connection stays usable.
    c.write(request(1, "kernel.stat"));
    expect(((await c.next()) as Reply).id).toBe(1);
    c.close();
    await healthy();
  });

  it("invalid UTF-8 gets a parse error naming it", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    const r = (await c.next()) as Reply;
    expect(r.error).toEqual({ code: -32700, message: "Parse error: invalid UTF-8" });
    c.close();
    await healthy();
  });

  it("a 2 MiB line gets an error and a closed connection", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(Buffer.alloc(2 * 1024 * 1024, 0x61));
    c.write("\n");
    const r = (await c.next()) as Reply;
    expect(r.error?.code).toBe(-32002);
    expect(r.error?.message).toContain("exceeds 1048576 bytes");
    expect(await c.waitClosed()).toBe(true);
    await healthy();
  });

  it("[1,2,3] gets one invalid-request error per member", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write("[1,2,3]\n");
    const r = (await c.next()) as Reply[];
    expect(r).toHaveLength(3);
    for (const m of r) expect(m).toMatchObject({ id: null, error: { code: -32600 } });
    c.close();
  });

  it("a mixed batch answers each member in order", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(JSON.stringify([{ jsonrpc: "2.0", id: "a", method: "kernel.stat" }, 7, { jsonrpc: "2.0", id: "b", method: "nope" }]) + "\n");
    const r = (await c.next()) as Reply[];
    expect(r.map((m) => m.id)).toEqual(["a", null, "b"]);
    expect(r[0]?.result).toBeDefined();
    expect(r[1]?.error?.code).toBe(-32600);
    expect(r[2]?.error).toEqual({ code: -32601, message: "Method not found: nope" });
    c.close();
  });

  it("params of the wrong type get invalid params, naming the field", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.spin", { ms: "lots" }));
    c.write(request(2, "kernel.stat", { verbose: true }));
    c.write(request(3, "kernel.stat", "x"));
    const r1 = (await c.next()) as Reply;
    const r2 = (await c.next()) as Reply;
    const r3 = (await c.next()) as Reply;
    expect(r1.error).toEqual({ code: -32602, message: "Invalid params: params.ms: expected integer, got string" });
    expect(r2.error?.code).toBe(-32602);
    expect(r3.error?.code).toBe(-32600);
    c.close();
    await healthy();
  });

  it("an unknown method gets method not found", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(5, "constructor"));
    expect(((await c.next()) as Reply).error?.code).toBe(-32601);
    c.close();
  });

  it("50 clients connecting at once are all answered", async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => RawConn.open(tmp.socket)));
    conns.forEach((c, i) => c.write(request(i, "kernel.stat")));
    const replies = (await Promise.all(conns.map((c) => c.next()))) as Reply[];
    replies.forEach((r, i) => {
      expect(r.id).toBe(i);
      expect(r.result).toBeDefined();
    });
    for (const c of conns) c.close();
  });

  it("a client that disconnects mid-request does not disturb the daemon", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.spin", { ms: 300 }));
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    await healthy();
  });
});

describe("requests and the kernel", () => {
  it("answer a client that shut down its write side, then close", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "kernel.stat"));
    c.write(request(2, "debug.spin", { ms: 100 }));
    c.socket.end();
    expect(((await c.next()) as Reply).id).toBe(1);
    expect(((await c.next()) as Reply).id).toBe(2);
    expect(await c.waitClosed()).toBe(true);
  });

  it("are served in arrival order across clients", async () => {
    const a = await RawConn.open(tmp.socket);
    const b = await RawConn.open(tmp.socket);
    const order: string[] = [];
    a.write(request(1, "debug.spin", { ms: 300 }));
    await new Promise((r) => setTimeout(r, 30));
    b.write(request(2, "kernel.stat"));
    await Promise.all([a.next().then(() => order.push("spin")), b.next().then(() => order.push("stat"))]);
    expect(order).toEqual(["spin", "stat"]);
    a.close();
    b.close();
  });

  it("send uprintf text to the requesting client only, before its response", async () => {
    const a = await RawConn.open(tmp.socket);
    const b = await RawConn.open(tmp.socket);
    a.write(request(1, "debug.uprintf", { text: "to you\n" }));
    const n = (await a.next()) as { method: string; params: unknown };
    expect(n).toEqual({ jsonrpc: "2.0", method: "kernel.uprintf", params: { id: 1, text: "to you\n" } });
    expect(((await a.next()) as Reply).result).toEqual({ ok: true });
    b.write(request(2, "kernel.stat"));
    expect(((await b.next()) as Reply).id).toBe(2);
    a.close();
    b.close();
  });
});

describe("the watchdog", () => {
  it("panics a kernel stuck in a request; kld reboot recovers", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.spin", { ms: 60_000 }));
    const r = (await c.next()) as Reply;
    expect(r.error).toMatchObject({
      code: -32001,
      message: "kernel panicked: panic: watchdog timeout in kernel:debug_spin",
      data: { errno: "ENXIO", code: 6 },
    });
    c.close();

    const stat = await run("kld", ["stat"], env);
    expect(stat.code).toBe(69);
    expect(stat.stderr).toBe(
      "kld: kernel panicked: panic: watchdog timeout in kernel:debug_spin\nkld: run 'kld reboot' to start a new kernel\n",
    );
    const status = await run("kld", ["status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("state:    panicked\npanic:    watchdog timeout in kernel:debug_spin\n");
    // How long it ran before the panic, though its worker is gone.
    expect(status.stdout).toMatch(/\nbooted:   \d{4}-\d\d-\d\dT.*\nuptime:   /);

    const rb = await run("kld", ["reboot"], env);
    expect(rb.code, rb.stderr).toBe(0);
    expect((await run("kld", ["stat"], env)).code).toBe(0);
    const dmesg = (await run("kld", ["dmesg"], env)).stdout;
    expect(dmesg).toContain("panic: watchdog timeout in kernel:debug_spin\n---<<BOOT>>---\n");
  });

  it("a kernel panic(9) is reported the same way", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.panic", { message: "going down" }));
    expect(((await c.next()) as Reply).error?.message).toBe("kernel panicked: panic: going down");
    c.close();
    expect((await run("kld", ["reboot", "-q"], env)).stdout).toBe("");
    await healthy();
  });

  it("kld shutdown still stops a panicked kernel's daemon", async () => {
    const c = await RawConn.open(tmp.socket);
    c.write(request(1, "debug.panic", { message: "last one" }));
    await c.next();
    c.close();
    const r = await run("kld", ["shutdown"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(tmp.socket)).toBe(false);
  });
});
