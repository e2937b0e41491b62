/**
 * Helpers for integration tests: run the real built binaries (bin/*.js →
 * dist/) against a daemon on a temporary socket, and talk raw bytes to it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temporary directory for one test file's socket; remove() cleans up. */
export function tempSocketDir(prefix = "kld"): { dir: string; socket: string; remove(): void } {
  // Short paths: sun_path holds only 107 bytes.
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, socket: join(dir, "s", "kld.sock"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function envFor(socket: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Core kernel and no machine unless a test asks (kld boot's defaults are GENERIC on pc97).
  const env: NodeJS.ProcessEnv = { KLD_IMAGE: "none", KLD_MACHINE: "none", ...process.env, KLD_SOCKET: socket, ...extra };
  delete env["FORCE_COLOR"];
  delete env["NO_COLOR"];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** Run bin/NAME.js with args; never rejects. */
export function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", `${bin}.js`), ...args],
      { env, cwd: ROOT, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

export function spawnBin(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [join(ROOT, "bin", `${bin}.js`), ...args], { env, cwd: ROOT });
}

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
