/**
 * The CLI's way to reach the kernel: find the socket, connect, run the
 * command's calls, print any uprintf(9) text on stderr, hang up.  When no
 * kernel answers it says so in words a user can act on, exit 69:
 * `kld: kernel not running (no socket at PATH); start it with 'kld boot'`.
 * Callers: every src/cli/kld/<sub>.ts that needs the kernel.
 * FreeBSD counterpart: none (kld*(2) are system calls, always reachable).
 */
import { lstatSync } from "node:fs";
import { ConnectionError, KernelClient, type CallOptions } from "../rpc/client.js";
import type { MethodName, ParamsOf, ResultOf } from "../rpc/protocol.js";
import { checkSocketOwner, socketPath } from "../daemon/socket_path.js";
import { KernelError } from "../errno/kernel_error.js";
import { CliError, EX_UNAVAILABLE } from "./cli_error.js";

/** A connected client whose calls print uprintf text on stderr. */
export interface KernelSession {
  readonly socket: string;
  call<M extends MethodName>(method: M, params: ParamsOf<M>, opts?: CallOptions): Promise<ResultOf<M>>;
}

/** Explain a failed connect the way the user needs to hear it. */
export function unreachable(e: ConnectionError): CliError {
  const path = e.socketPath;
  switch (e.errorCode) {
    case "ENOENT":
      return new CliError(`kernel not running (no socket at ${path}); start it with 'kld boot'`, EX_UNAVAILABLE);
    case "ECONNREFUSED": {
      // Linux refuses a connect to any non-socket file too: say which it is.
      let isSocket = true;
      try {
        isSocket = lstatSync(path).isSocket();
      } catch {
        // gone meanwhile: treat as stale
      }
      return new CliError(
        isSocket
          ? `kernel not running (stale socket at ${path}); start it with 'kld boot'`
          : `kernel not running (${path} exists and is not a socket)`,
        EX_UNAVAILABLE,
      );
    }
    case "EACCES":
      return new CliError(`connect ${path}: Permission denied`, EX_UNAVAILABLE);
    default:
      return new CliError(`connect ${path}: ${e.message}`, EX_UNAVAILABLE);
  }
}

/**
 * Connect, run `fn`, close.  Connection failures become exit-69 CliErrors,
 * and so does a socket (or default socket directory) another user owns.
 * `path` defaults to socketPath(); one given or from $KLD_SOCKET is the
 * user's choice, so only the socket's owner is checked there.
 */
export async function withKernel<T>(fn: (k: KernelSession) => Promise<T>, given?: string): Promise<T> {
  const path = given ?? socketPath();
  try {
    checkSocketOwner(path, given !== undefined || Boolean(process.env["KLD_SOCKET"]));
  } catch (e) {
    if (e instanceof KernelError) throw new CliError(`${e.subject}: ${e.info.text}`, EX_UNAVAILABLE, e.detail ? [e.detail] : []);
    throw e;
  }
  let client: KernelClient;
  try {
    client = await KernelClient.connect(path);
  } catch (e) {
    if (e instanceof ConnectionError) throw unreachable(e);
    throw e;
  }
  const session: KernelSession = {
    socket: path,
    call: (method, params, opts) =>
      client.call(method, params, {
        onUprintf: opts?.onUprintf ?? ((text) => process.stderr.write(text)),
      }),
  };
  try {
    return await fn(session);
  } finally {
    client.close();
  }
}
