// RpcServer and KernelClient over a real Unix socket, with a stand-in
// handler instead of the kernel: error mapping, notifications, batches,
// uprintf routing, and random hostile bytes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelError } from "../../src/errno/kernel_error.js";
import { KernelClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/rpc_error.js";
import { RpcServer } from "../../src/rpc/server.js";
import { ParamError } from "../../src/rpc/validate.js";

const dir = mkdtempSync(join(tmpdir(), "kldrpc-"));
const path = join(dir, "s.sock");
const seen: string[] = [];
const server = new RpcServer(
  async (req, notify) => {
    seen.push(req.method);
    switch (req.method) {
      case "echo":
        return req.params;
      case "say":
        notify("kernel.uprintf", { id: req.id ?? null, text: "said\n" });
        return "done";
      case "busy":
        throw new KernelError("EBUSY", "foo.ko", "held by bar.ko");
      case "bad":
        throw new ParamError("params.x", "integer", "s");
      case "refuse":
        throw new RpcError(-32601, "Method not found: refuse");
      default:
        throw new Error("boom");
    }
  },
  { maxLineBytes: 4096 },
);

beforeAll(() => server.listen(path));
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function rawExchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(path);
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("close", () => resolve(out));
    s.on("error", () => resolve(out));
    s.end(bytes);
  });
}

describe("RpcServer with KernelClient", () => {
  it("returns results and maps each kind of error", async () => {
    const c = await KernelClient.connect(path);
    expect(await c.callRaw("echo", { a: [1, "x"] })).toEqual({ a: [1, "x"] });
    const busy = await c.callRaw("busy", {}).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RpcError);
    expect((busy as RpcError).code).toBe(-32000);
    expect((busy as RpcError).data).toEqual({ errno: "EBUSY", code: 16, subject: "foo.ko", detail: "held by bar.ko" });
    expect((busy as RpcError).kernelError()?.info.text).toBe("Device busy");
    await expect(c.callRaw("bad", {})).rejects.toMatchObject({ code: -32602 });
    await expect(c.callRaw("refuse", {})).rejects.toMatchObject({ code: -32601 });
    await expect(c.callRaw("other", {})).rejects.toMatchObject({ code: -32603, message: "Internal error: boom" });
    c.close();
  });

  it("routes uprintf text to the call it belongs to", async () => {
    const c = await KernelClient.connect(path);
    const got: string[] = [];
    const [a, b] = await Promise.all([
      c.callRaw("say", {}, { onUprintf: (t) => got.push(`a:${t}`) }),
      c.callRaw("echo", [1]),
    ]);
    expect([a, b]).toEqual(["done", [1]]);
    expect(got).toEqual(["a:said\n"]);
    c.close();
  });

  it("runs a notification but sends nothing back", async () => {
    seen.length = 0;
    const out = await rawExchange(Buffer.from('{"jsonrpc":"2.0","method":"echo","params":[1]}\n'));
    expect(out).toBe("");
    expect(seen).toEqual(["echo"]);
  });

  it("answers a batch with an array, leaving out notifications", async () => {
    const out = await rawExchange(
      Buffer.from(
        '[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","id":2,"method":"busy"}]\n',
      ),
    );
    const r = JSON.parse(out) as Array<{ id: number }>;
    expect(r.map((x) => x.id)).toEqual([1, 2]);
  });

  it("closes the connection after an oversized line, with an error first", async () => {
    const out = await rawExchange(Buffer.alloc(5000, 0x20));
    expect(JSON.parse(out)).toMatchObject({ id: null, error: { code: -32002 } });
  });

  it("survives random bytes and keeps answering", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const out = await rawExchange(Buffer.concat([Buffer.from(bytes), Buffer.from("\n")]));
        for (const line of out.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      }),
      { numRuns: 40 },
    );
    const c = await KernelClient.connect(path);
    expect(await c.callRaw("echo", [7])).toEqual([7]);
    c.close();
  });
});

describe("RpcServer connection limits (issue 13, defect 6)", () => {
  const limitedPath = join(dir, "limited.sock");
  const limited = new RpcServer(
    async (req) => {
      if (req.method === "slow") await new Promise((r) => setTimeout(r, 700));
      return "ok";
    },
    { maxConnections: 3, idleTimeoutMs: 300 },
  );
  beforeAll(() => limited.listen(limitedPath));
  afterAll(() => limited.close());

  /** Open `n` connections that never send a byte; each records what it receives. */
  async function idle(n: number): Promise<Array<{ out: () => string; closed: () => boolean }>> {
    return Promise.all(
      Array.from({ length: n }, () => new Promise<{ out: () => string; closed: () => boolean }>((resolve) => {
        const s = connect(limitedPath);
        let out = "";
        let closed = false;
        s.on("data", (d) => (out += d.toString()));
        s.on("close", () => (closed = true));
        s.on("error", () => {});
        s.once("connect", () => resolve({ out: () => out, closed: () => closed }));
      })),
    );
  }

  async function until(pred: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  it("turns a client away with EAGAIN while idle connections fill the cap, then drops them and serves it", async () => {
    const conns = await idle(3);
    const c = await KernelClient.connect(limitedPath);
    const refused = await c.callRaw("echo", []).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: "ConnectionError", errorCode: "EAGAIN" });
    expect((refused as Error).message).toContain("already serves 3 connections, its limit; try again");
    c.close();

    await until(() => conns.every((x) => x.closed()));
    for (const x of conns) {
      expect(x.closed()).toBe(true);
      expect(JSON.parse(x.out())).toMatchObject({ id: null, error: { data: { errno: "ETIMEDOUT" } } });
    }
    const again = await KernelClient.connect(limitedPath);
    expect(await again.callRaw("echo", [])).toBe("ok");
    again.close();
  });

  it("does not time out a connection waiting for a slow request", async () => {
    const c = await KernelClient.connect(limitedPath);
    expect(await c.callRaw("slow", [])).toBe("ok"); // 700 ms > the 300 ms idle time
    c.close();
  });

  it("tells a client that idled too long why its next call fails", async () => {
    const c = await KernelClient.connect(limitedPath);
    await new Promise((r) => setTimeout(r, 600));
    const e = await c.callRaw("echo", []).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "ConnectionError", errorCode: "ETIMEDOUT" });
    expect((e as Error).message).toContain("connection idle for 300 ms");
  });
});
