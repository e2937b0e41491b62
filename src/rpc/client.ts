/**
 * The typed RPC client the CLIs use to talk to the kernel daemon: one
 * connection, many calls (pipelined; matched by id), uprintf notifications
 * routed to the call they belong to.  Method names, parameter and result
 * types come from protocol.ts, so a misspelt method does not compile.
 * Callers: src/cli/client.ts (CLI helpers), tests, bench/rpc.bench.ts.
 * No FreeBSD counterpart: the user tools call kld*(2) directly.
 */
import { connect, type Socket } from "node:net";
import { LineSplitter } from "./framing.js";
import type { RpcId } from "./jsonrpc.js";
import { UPRINTF, type MethodName, type ParamsOf, type ResultOf } from "./protocol.js";
import { RpcError } from "./rpc_error.js";

/** The socket could not be reached, or went away during a call. */
export class ConnectionError extends Error {
  constructor(
    readonly socketPath: string,
    /**
     * Node's error code: ENOENT, ECONNREFUSED, EACCES; "ECLOSED" when the
     * connection went away unexplained; EAGAIN or ETIMEDOUT when the daemon
     * said why it turned us away (then `message` is its reason).
     */
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "ConnectionError";
  }
}

export interface CallOptions {
  /** Receives uprintf(9) text the kernel sends for this call. */
  readonly onUprintf?: (text: string) => void;
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly onUprintf: ((text: string) => void) | undefined;
}

// Responses can be large (a full message buffer, a symbol table).
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class KernelClient {
  private nextId = 1;
  private readonly pending = new Map<RpcId, Pending>();
  private readonly splitter = new LineSplitter(MAX_RESPONSE_BYTES);
  private closedReason: ConnectionError | undefined;
  /** Why the daemon is dropping us (its id-null error response), if it said. */
  private dismissal: ConnectionError | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {
      /* reported through "close" */
    });
    socket.on("close", () => {
      this.closedReason = this.dismissal ?? new ConnectionError(socketPath, "ECLOSED", "connection to kernel closed");
      for (const p of this.pending.values()) p.reject(this.closedReason);
      this.pending.clear();
    });
  }

  /** Connect to the daemon's socket; rejects with ConnectionError. */
  static connect(socketPath: string): Promise<KernelClient> {
    return new Promise((resolve, reject) => {
      const s = connect(socketPath);
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new ConnectionError(socketPath, e.code ?? "EIO", e.message));
      };
      s.once("error", onError);
      s.once("connect", () => {
        s.off("error", onError);
        resolve(new KernelClient(s, socketPath));
      });
    });
  }

  /** Call a declared method; rejects with RpcError or ConnectionError. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>, opts: CallOptions = {}): Promise<ResultOf<M>> {
    return this.callRaw(method, params, opts) as Promise<ResultOf<M>>;
  }

  /** Call any method name with any params (tests of the daemon's refusals). */
  callRaw(method: string, params: unknown, opts: CallOptions = {}): Promise<unknown> {
    const gone = this.closedReason ?? this.dismissal;
    if (gone) return Promise.reject(gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onUprintf: opts.onUprintf });
      this.socket.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
    });
  }

  close(): void {
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.splitter.push(chunk)) {
      if (frame.kind !== "line") {
        this.socket.destroy();
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(frame.text);
      } catch {
        this.socket.destroy();
        return;
      }
      this.onMessage(msg);
    }
  }

  private onMessage(msg: unknown): void {
    if (typeof msg !== "object" || msg === null) return;
    const o = msg as Record<string, unknown>;
    if (o["method"] === UPRINTF) {
      const p = o["params"] as Record<string, unknown> | undefined;
      const target = p ? this.pending.get(p["id"] as RpcId) : undefined;
      if (target?.onUprintf && typeof p?.["text"] === "string") target.onUprintf(p["text"]);
      return;
    }
    const id = o["id"] as RpcId;
    if (id === null && "error" in o) return this.dismissed(RpcError.fromWire(o["error"]));
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if ("error" in o) p.reject(RpcError.fromWire(o["error"]));
    else p.resolve(o["result"]);
  }

  /**
   * An error with id null: a line we sent was unreadable, or the daemon is
   * closing this connection and says why (too many connections: EAGAIN;
   * idle: ETIMEDOUT).  The latter fails every call, now and later.
   */
  private dismissed(e: RpcError): void {
    const errno = e.data?.errno;
    if (errno !== "EAGAIN" && errno !== "ETIMEDOUT") return;
    this.dismissal = new ConnectionError(this.socketPath, errno, e.data?.detail ?? e.message);
    for (const p of this.pending.values()) p.reject(this.dismissal);
    this.pending.clear();
  }
}
