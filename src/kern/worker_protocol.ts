/**
 * The messages between the daemon's main thread and the kernel worker
 * (postMessage, structured clone).  Types only.  They belong to the kernel,
 * which owns the worker: the daemon imports them from here, one way.
 * Caller: src/daemon/kernel_host.ts (main thread), src/kern/kernel_worker.ts.
 * No FreeBSD counterpart: this is the simulator's "system call" gate.
 */
import type { KernelErrorData } from "../errno/kernel_error.js";
import type { BootSettings } from "../rpc/protocol.js";

/** workerData given to the worker at creation. */
export interface WorkerBootData {
  readonly settings: BootSettings;
  /** The previous kernel's message buffer (it survives reboot). */
  readonly previousMsgbuf?: string;
  /** CurrentCall's SharedArrayBuffer, read by the watchdog. */
  readonly currentCall: SharedArrayBuffer;
}

export type ToWorker =
  | { readonly type: "request"; readonly seq: number; readonly method: string; readonly params: unknown }
  | { readonly type: "info"; readonly seq: number }
  | { readonly type: "shutdown"; readonly seq: number; readonly howto: "halt" | "reboot" };

/** What kernel.status needs from inside the kernel. */
export interface KernelInfo {
  readonly bootTime: string;
  readonly uptime: number;
  readonly files: number;
}

export type WorkerError =
  | { readonly kind: "kernel"; readonly message: string; readonly data: KernelErrorData }
  | { readonly kind: "internal"; readonly message: string };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "boot-failed"; readonly error: WorkerError }
  | { readonly type: "console"; readonly text: string }
  | { readonly type: "panic"; readonly message: string }
  | { readonly type: "uprintf"; readonly seq: number; readonly text: string }
  | { readonly type: "result"; readonly seq: number; readonly result: unknown }
  | { readonly type: "error"; readonly seq: number; readonly error: WorkerError };
