/**
 * The kernel worker's entry point: builds the Kernel from the boot settings
 * the daemon passed in workerData, runs each subsystem's initialisation in
 * SUBSYSTEMS order (each registers its RPC methods and shutdown hooks),
 * prints the boot log, then serves requests posted by the main thread one
 * at a time.  Runs only inside a worker_threads Worker that
 * src/daemon/kernel_host.ts creates.
 * FreeBSD counterpart: sys/kern/init_main.c (mi_startup walking SYSINITs).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerBootData, WorkerError } from "./worker_protocol.js";
import { CurrentCall, Kernel, KernelPanic, registerCoreMethods } from "./kernel.js";
import { KernelError } from "../errno/kernel_error.js";
import { startKernel } from "./init_main.js";

/**
 * Kernel subsystems in initialisation order.  To add yours, append one line:
 * a function that registers your methods on the kernel (it may be async).
 */
const SUBSYSTEMS: ReadonlyArray<(kernel: Kernel) => void | Promise<void>> = [
  registerCoreMethods,
  // The core, env and linker, then the machine, image and preloaded modules (init_main.ts).
  async (kernel) => void (await startKernel(kernel)),
];

function post(msg: FromWorker): void {
  parentPort?.postMessage(msg);
}

function toWorkerError(e: unknown): WorkerError {
  if (e instanceof KernelError) return { kind: "kernel", message: e.message, data: e.toData() };
  return { kind: "internal", message: e instanceof Error ? e.message : String(e) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("kernel_worker.ts must run in a worker thread");
  const boot = workerData as WorkerBootData;
  const kernel = new Kernel(
    boot.settings,
    (text) => post({ type: "console", text }),
    new CurrentCall(boot.currentCall),
    (message) => post({ type: "panic", message }),
  );
  try {
    kernel.printBanner(boot.previousMsgbuf);
    for (const init of SUBSYSTEMS) await init(kernel);
  } catch (e) {
    if (!(e instanceof KernelError) && e instanceof Error) kernel.printf(`kernel: boot failed: ${e.stack ?? e.message}\n`);
    post({ type: "boot-failed", error: toWorkerError(e) });
    return;
  }
  // Anything thrown outside a request is a kernel bug: panic, don't hang.
  process.on("uncaughtException", (e) => post({ type: "panic", message: `uncaught exception: ${e.message}` }));

  // Requests arrive one at a time (the main thread serializes them), but a
  // handler may await; chain them anyway so order holds whatever arrives.
  let chain: Promise<void> = Promise.resolve();
  port.on("message", (msg: ToWorker) => {
    chain = chain.then(() => serve(kernel, msg));
  });
  post({ type: "ready" });
}

async function serve(kernel: Kernel, msg: ToWorker): Promise<void> {
  try {
    switch (msg.type) {
      case "request": {
        const result = await kernel.dispatch(msg.method, msg.params, {
          method: msg.method,
          uprintf: (text) => post({ type: "uprintf", seq: msg.seq, text }),
        });
        post({ type: "result", seq: msg.seq, result });
        return;
      }
      case "info":
        post({
          type: "result",
          seq: msg.seq,
          result: {
            bootTime: new Date(kernel.bootTime).toISOString(),
            uptime: kernel.uptime(),
            files: kernel.linkerFiles().length,
          },
        });
        return;
      case "shutdown":
        await kernel.shutdown(msg.howto);
        post({ type: "result", seq: msg.seq, result: { ok: true } });
        return;
    }
  } catch (e) {
    // After a panic the daemon terminates this worker; no answer is due.
    if (e instanceof KernelPanic) return;
    if (!(e instanceof KernelError)) {
      // A bug, not a user's mistake: the stack goes to the message buffer.
      const what = msg.type === "request" ? msg.method : msg.type;
      kernel.printf(`kernel: internal error in ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    post({ type: "error", seq: msg.seq, error: toWorkerError(e) });
  } finally {
    kernel.currentCall.set(undefined);
  }
}

void main();
