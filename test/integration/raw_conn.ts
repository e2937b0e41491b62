/**
 * Raw socket helpers for the integration tests: a connection that collects
 * the daemon's newline-separated replies, request texts, and waiting for a
 * condition or a process to go.
 */
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";

/** A raw connection collecting newline-separated replies. */
export class RawConn {
  readonly socket: Socket;
  private buf = "";
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.buf += d.toString("utf8");
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static open(path: string): Promise<RawConn> {
    return new Promise((res, rej) => {
      const s = connect(path);
      s.once("connect", () => res(new RawConn(s)));
      s.once("error", rej);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next reply line, parsed. */
  async next(timeoutMs = 10_000): Promise<unknown> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.buf.indexOf("\n");
      if (nl !== -1) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        return JSON.parse(line);
      }
      if (this.closed) throw new Error("connection closed");
      if (Date.now() > until) throw new Error("timeout waiting for a reply");
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Resolves when the daemon has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function request(id: number, method: string, params?: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) }) + "\n";
}

export async function waitFor(pred: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!pred() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return pred();
}

/** True once `pid` has exited (a zombie left unreaped by a container's init counts as gone). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}
