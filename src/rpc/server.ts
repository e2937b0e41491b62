/**
 * The RPC server: accepts connections on a Unix socket, frames lines,
 * decodes JSON-RPC requests and hands each one to the daemon's handler in
 * arrival order; writes the responses back (batches as arrays).  Hostile
 * input never reaches the handler: garbage, invalid UTF-8 and invalid
 * requests get error responses here, and an oversized line gets an error
 * and a closed connection.  A client that vanishes mid-request just loses
 * its response; the request still completes in the kernel.  Connections
 * are capped and an idle one (no request in flight, nothing received for
 * the idle time) is closed, so idle clients cannot lock the others out; a
 * client turned away or timed out first gets an error response with id
 * null and errno EAGAIN or ETIMEDOUT saying why.
 * Caller: src/daemon/daemon.ts.  No FreeBSD counterpart.
 */
import { createServer, type Server, type Socket } from "node:net";
import { KernelError } from "../errno/kernel_error.js";
import { LineSplitter } from "./framing.js";
import {
  decodeLine,
  failure,
  success,
  type RpcNotification,
  type RpcRequest,
  type RpcResponse,
} from "./jsonrpc.js";
import { MAX_LINE_BYTES, RpcCode, type RpcErrorObject } from "./protocol.js";
import { RpcError } from "./rpc_error.js";
import { ParamError } from "./validate.js";

/** Sends a notification to the client that made the current request. */
export type Notify = (method: string, params: unknown) => void;

/**
 * The daemon's side of the contract: run one request.  Called synchronously
 * in arrival order (so a queue inside preserves it); may throw RpcError,
 * KernelError or ParamError, which become the matching error responses.
 */
export type RequestHandler = (request: RpcRequest, notify: Notify) => Promise<unknown>;

type Send = (msg: RpcResponse | readonly RpcResponse[] | RpcNotification) => void;

export interface RpcServerOptions {
  readonly maxLineBytes?: number;
  /** Connections served at once; one more gets EAGAIN and is closed. */
  readonly maxConnections?: number;
  /** Close a connection with nothing in flight after this long without input. */
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 256;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** The error response (id null) that tells a client why it is being dropped. */
function farewell(errno: "EAGAIN" | "ETIMEDOUT", detail: string): RpcResponse {
  return failure(null, errorObject(new KernelError(errno, undefined, detail)));
}

export function errorObject(e: unknown): RpcErrorObject {
  if (e instanceof RpcError) return e.toObject();
  if (e instanceof KernelError) {
    return { code: RpcCode.KERNEL_ERROR, message: e.message, data: e.toData() };
  }
  if (e instanceof ParamError) {
    return { code: RpcCode.INVALID_PARAMS, message: `Invalid params: ${e.message}` };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { code: RpcCode.INTERNAL_ERROR, message: `Internal error: ${msg}` };
}

export class RpcServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly maxLineBytes: number;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;

  constructor(private readonly handler: RequestHandler, opts: RpcServerOptions = {}) {
    this.maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    // Half-open: a client may send its requests, shut down its write side
    // (`printf ... | socat - UNIX-CONNECT:...`) and still read the replies.
    // No server.maxConnections: Node would drop the extra client without a word.
    this.server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
  }

  /** Listen on a Unix socket path (the caller has cleared any stale file). */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once("error", onError);
      this.server.listen(path, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
  }

  /** Stop accepting, then drop every connection once pending writes flush. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.end();
      // Clients that never read must not keep the daemon alive.
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 500).unref();
    });
  }

  /** Say why, then close: the client reports the reason, not "connection lost". */
  private dismiss(socket: Socket, why: RpcResponse): void {
    socket.on("error", () => {});
    if (!socket.destroyed && socket.writable) socket.end(JSON.stringify(why) + "\n");
    // A client that never reads must not hold the socket open.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private accept(socket: Socket): void {
    if (this.sockets.size >= this.maxConnections) {
      const detail = `the kernel daemon already serves ${this.maxConnections} connections, its limit; try again`;
      this.dismiss(socket, farewell("EAGAIN", detail));
      return;
    }
    this.sockets.add(socket);
    const splitter = new LineSplitter(this.maxLineBytes);
    let closed = false;
    let inputEnded = false;
    let pending = 0;
    let idleTimer: NodeJS.Timeout | undefined;
    // Armed only while nothing is in flight: a long load is the watchdog's business.
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      if (pending > 0 || closed) return;
      idleTimer = setTimeout(() => {
        closed = true;
        const detail = `connection idle for ${this.idleTimeoutMs} ms; closed by the kernel daemon`;
        this.dismiss(socket, farewell("ETIMEDOUT", detail));
      }, this.idleTimeoutMs);
      idleTimer.unref();
    };
    armIdle();
    const maybeFinish = (): void => {
      armIdle();
      if (inputEnded && pending === 0 && !socket.destroyed) socket.end();
    };
    socket.on("end", () => {
      inputEnded = true;
      maybeFinish();
    });
    socket.on("error", () => {
      /* EPIPE/ECONNRESET from a vanished client: nothing to do */
    });
    socket.on("close", () => {
      closed = true;
      clearTimeout(idleTimer);
      this.sockets.delete(socket);
    });
    const send: Send = (msg) => {
      if (closed || socket.destroyed || !socket.writable) return;
      socket.write(JSON.stringify(msg) + "\n");
    };
    socket.on("data", (chunk: Buffer) => {
      if (closed) return;
      armIdle();
      for (const frame of splitter.push(chunk)) {
        if (frame.kind === "oversized") {
          send(
            failure(null, {
              code: RpcCode.REQUEST_TOO_LARGE,
              message: `Request too large: line exceeds ${this.maxLineBytes} bytes; closing connection`,
            }),
          );
          closed = true;
          socket.end();
          // A client still pouring bytes in must not hold the socket open.
          setTimeout(() => socket.destroy(), 1000).unref();
          return;
        }
        if (frame.kind === "invalid-utf8") {
          send(failure(null, { code: RpcCode.PARSE_ERROR, message: "Parse error: invalid UTF-8" }));
          continue;
        }
        pending++;
        clearTimeout(idleTimer);
        this.dispatchLine(frame.text, send).finally(() => {
          pending--;
          maybeFinish();
        });
      }
    });
  }

  /** Decode and run one line; resolves once its response has been written. */
  private dispatchLine(text: string, send: Send): Promise<void> {
    const decoded = decodeLine(text);
    const pending: Promise<RpcResponse | undefined>[] = decoded.members.map((m) => {
      if (m.kind === "error") return Promise.resolve(m.response);
      return this.run(m.request, (method, params) => {
        // Notifications share the connection; they precede the response.
        send({ jsonrpc: "2.0", method, params });
      });
    });
    return Promise.all(pending).then((responses) => {
      const out = responses.filter((r): r is RpcResponse => r !== undefined);
      if (decoded.batch) {
        if (out.length > 0) send(out);
      } else if (out[0]) {
        send(out[0]);
      }
    });
  }

  private async run(req: RpcRequest, notify: Notify): Promise<RpcResponse | undefined> {
    const isNotification = !("id" in req);
    const id = req.id ?? null;
    let response: RpcResponse;
    try {
      response = success(id, await this.handler(req, notify));
    } catch (e) {
      response = failure(id, errorObject(e));
    }
    return isNotification ? undefined : response;
  }
}
