/**
 * How every kldsim binary reports failure: exit codes from sysexits(3), and
 * err(3)-style messages (`kld: can't load x.ko: Exec format error`) whose
 * errno text comes from our FreeBSD table, never from Node's Linux wording.
 * Loaded only when something failed.  Callers: src/cli/program.ts (the
 * top-level catch).  FreeBSD counterparts: lib/libc/gen/err.c, sysexits(3).
 */
import { errnoByName, strerror } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import { ConnectionError } from "../rpc/client.js";
import { RpcCode } from "../rpc/protocol.js";
import { RpcError } from "../rpc/rpc_error.js";
import { CliError, EX_FAILURE, EX_UNAVAILABLE } from "./cli_error.js";


/**
 * Turn a kernel failure into err(3) wording.  `action` is what was being
 * attempted ("can't load ./x.ko"); without it the error's subject is used.
 */
export function kernelFailure(e: KernelError, action?: string): CliError {
  const head = action ?? e.subject;
  const msg = `${head ? head + ": " : ""}${strerror(e.info.num)}`;
  return new CliError(msg, EX_FAILURE, e.detail ? [e.detail] : []);
}

/** Classify anything thrown by a command into a CliError. */
export function toCliError(e: unknown, action?: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof KernelError) return kernelFailure(e, action);
  if (e instanceof ConnectionError) {
    // The daemon said why it dropped us (too many connections, idle): pass it on.
    const said = e.errorCode === "ECLOSED" ? undefined : errnoByName(e.errorCode);
    if (said) return new CliError(`kernel at ${e.socketPath}: ${said.text}`, EX_UNAVAILABLE, [e.message]);
    return new CliError(`connection to kernel at ${e.socketPath} lost`, EX_UNAVAILABLE);
  }
  if (e instanceof RpcError) {
    if (e.code === RpcCode.KERNEL_PANICKED) {
      return new CliError(e.message, EX_UNAVAILABLE, ["run 'kld reboot' to start a new kernel"]);
    }
    const ke = e.kernelError();
    if (ke) return kernelFailure(ke, action);
    return new CliError(action ? `${action}: ${e.message}` : e.message);
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.errno === "number") {
    // A Node system error: reword with FreeBSD's text when we know the errno.
    return new CliError(`${action ?? err.path ?? err.syscall ?? "error"}: ${freebsdText(err)}`);
  }
  return new CliError(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}

/** FreeBSD's strerror text for a Node error code, from our table. */
export function freebsdText(err: { code?: string | undefined }): string {
  return errnoByName(err.code ?? "EIO")?.text ?? err.code ?? "unknown error";
}

/** Print `prog: message` (and its extra lines) to stderr. */
export function printError(prog: string, e: CliError): void {
  let out = `${prog}: ${e.message}\n`;
  for (const line of e.more) out += `${prog}: ${line}\n`;
  process.stderr.write(out);
}
