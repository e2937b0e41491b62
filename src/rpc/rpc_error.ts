/**
 * RpcError: a JSON-RPC error object as a throwable, on both ends of the
 * socket.  The daemon throws it for protocol-level refusals (unknown method,
 * bad params, kernel panicked); the client rethrows every error response as
 * one, and `kernelError()` recovers the KernelError (errno, subject, detail)
 * when the failure came from the kernel.
 * No FreeBSD counterpart.
 */
import { errnoByNumber } from "../errno/errno.js";
import { KernelError, type KernelErrorData } from "../errno/kernel_error.js";
import type { RpcErrorObject } from "./protocol.js";

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: KernelErrorData,
  ) {
    super(message);
    this.name = "RpcError";
  }

  toObject(): RpcErrorObject {
    return { code: this.code, message: this.message, ...(this.data ? { data: this.data } : {}) };
  }

  /** The kernel-side error this response carried, if its data names a known errno. */
  kernelError(): KernelError | undefined {
    const d = this.data;
    if (!d || typeof d.errno !== "string" || typeof d.code !== "number") return undefined;
    const info = errnoByNumber(d.code);
    if (!info || info.name !== d.errno) return undefined;
    return KernelError.fromData(d);
  }

  /** Decode an error object received from the wire (untrusted shape). */
  static fromWire(e: unknown): RpcError {
    if (typeof e !== "object" || e === null) return new RpcError(-32603, "malformed error response");
    const o = e as Record<string, unknown>;
    const code = typeof o["code"] === "number" ? o["code"] : -32603;
    const message = typeof o["message"] === "string" ? o["message"] : "malformed error response";
    const raw = o["data"];
    let data: KernelErrorData | undefined;
    if (typeof raw === "object" && raw !== null) {
      const r = raw as Record<string, unknown>;
      if (typeof r["errno"] === "string" && typeof r["code"] === "number") {
        data = {
          errno: r["errno"],
          code: r["code"],
          ...(typeof r["subject"] === "string" ? { subject: r["subject"] } : {}),
          ...(typeof r["detail"] === "string" ? { detail: r["detail"] } : {}),
        };
      }
    }
    return new RpcError(code, message, data);
  }
}
