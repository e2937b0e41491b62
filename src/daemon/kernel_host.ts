/**
 * The main thread's handle on one kernel worker: boots it, forwards
 * requests and routes their replies (and uprintf text) back by sequence
 * number, asks it to shut down, and terminates it when the watchdog fires.
 * A worker that dies on its own is reported through `onDeath`.
 * Caller: src/daemon/daemon.ts.
 * FreeBSD counterpart: none — a real kernel is not a thread; this is the
 * boundary a syscall crosses.
 */
import { Worker } from "node:worker_threads";
import { KernelError } from "../errno/kernel_error.js";
import { CurrentCall } from "../kern/kernel.js";
import type { FromWorker, KernelInfo, ToWorker, WorkerBootData, WorkerError } from "../kern/worker_protocol.js";
import type { BootSettings } from "../rpc/protocol.js";

/**
 * The worker's script.  XXX: under vitest this file is TypeScript in src/,
 * and a worker cannot load TypeScript, so use the built copy in dist/
 * (tests build first: `npm test` runs tsc before vitest).
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    return new URL(new URL("../kern/kernel_worker.js", here).href.replace("/src/kern/", "/dist/src/kern/"));
  }
  return new URL("../kern/kernel_worker.js", here);
}

function fromWorkerError(e: WorkerError): Error {
  if (e.kind === "kernel") return KernelError.fromData(e.data);
  return new Error(e.message);
}

interface Waiter {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly onUprintf: ((text: string) => void) | undefined;
}

export class KernelHost {
  readonly currentCall = new CurrentCall();
  private readonly worker: Worker;
  private readonly waiters = new Map<number, Waiter>();
  private seq = 0;
  private dead = false;
  private deathListener: ((reason: string, printed: boolean) => void) | undefined;

  private constructor(settings: BootSettings, previousMsgbuf: string | undefined, onConsole: (text: string) => void) {
    const data: WorkerBootData = {
      settings,
      currentCall: this.currentCall.buffer,
      ...(previousMsgbuf !== undefined ? { previousMsgbuf } : {}),
    };
    this.worker = new Worker(workerUrl(), { workerData: data, stdout: false, stderr: false });
    this.worker.on("message", (msg: FromWorker) => {
      if (msg.type === "console") onConsole(msg.text);
      else if (msg.type === "panic") this.die(`panic: ${msg.message}`, true);
      else this.onMessage(msg);
    });
    this.worker.on("error", (e) => this.die(`panic: kernel worker died: ${e.message}`));
    this.worker.on("exit", (code) => this.die(`panic: kernel worker exited with status ${code}`));
  }

  /**
   * Start a kernel and wait until it has booted.  Rejects if boot fails, or
   * with `panic: watchdog timeout during boot in ...` if it takes longer
   * than the watchdog bound (a static module stuck in its SYSINIT).
   */
  static boot(
    settings: BootSettings,
    previousMsgbuf: string | undefined,
    onConsole: (text: string) => void,
  ): Promise<KernelHost> {
    const host = new KernelHost(settings, previousMsgbuf, onConsole);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const where = host.currentCall.get() ?? "kernel initialisation";
        host.settle(0, (w) => w.reject(new Error(`panic: watchdog timeout during boot in ${where}`)));
      }, settings.watchdogMs);
      host.waiters.set(0, {
        resolve: () => {
          clearTimeout(timer);
          resolve(host);
        },
        reject: (e) => {
          clearTimeout(timer);
          void host.terminate();
          reject(e);
        },
        onUprintf: undefined,
      });
    });
  }

  /** Called once, with `panic: ...`, if the kernel panics or its worker dies. */
  onDeath(listener: (reason: string, printed: boolean) => void): void {
    this.deathListener = listener;
  }

  request(method: string, params: unknown, onUprintf?: (text: string) => void): Promise<unknown> {
    return this.send((seq) => ({ type: "request", seq, method, params }), onUprintf);
  }

  info(): Promise<KernelInfo> {
    return this.send((seq) => ({ type: "info", seq })) as Promise<KernelInfo>;
  }

  /** Run the kernel's shutdown (hooks, uptime line); the caller terminates. */
  async shutdown(howto: "halt" | "reboot"): Promise<void> {
    await this.send((seq) => ({ type: "shutdown", seq, howto }));
  }

  /** Stop the worker now, whatever it is doing; pending calls reject. */
  async terminate(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    this.rejectAll(new Error("kernel worker terminated"));
    await this.worker.terminate();
  }

  private send(make: (seq: number) => ToWorker, onUprintf?: (text: string) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error("kernel worker is not running"));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiters.set(seq, { resolve, reject, onUprintf });
      this.worker.postMessage(make(seq));
    });
  }

  private onMessage(msg: Exclude<FromWorker, { type: "console" | "panic" }>): void {
    switch (msg.type) {
      case "ready":
        this.settle(0, (w) => w.resolve(undefined));
        return;
      case "boot-failed":
        this.settle(0, (w) => w.reject(fromWorkerError(msg.error)));
        return;
      case "uprintf":
        this.waiters.get(msg.seq)?.onUprintf?.(msg.text);
        return;
      case "result":
        this.settle(msg.seq, (w) => w.resolve(msg.result));
        return;
      case "error":
        this.settle(msg.seq, (w) => w.reject(fromWorkerError(msg.error)));
        return;
    }
  }

  private settle(seq: number, f: (w: Waiter) => void): void {
    const w = this.waiters.get(seq);
    if (!w) return;
    this.waiters.delete(seq);
    f(w);
  }

  private rejectAll(e: Error): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) w.reject(e);
  }

  /** The kernel is gone (or must go: `kill` after a panic message). */
  private die(reason: string, kill = false): void {
    if (this.dead) return;
    this.dead = true;
    this.rejectAll(new Error(reason));
    // A kernel panic() printed its own message; a dead worker could not.
    this.deathListener?.(reason, kill);
    if (kill) void this.worker.terminate();
  }
}
