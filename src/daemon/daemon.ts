/**
 * The kernel daemon's main thread: claims the socket, boots the kernel in a
 * worker, serves JSON-RPC, and serializes every request into the kernel in
 * arrival order, each under a watchdog.  A request that overruns the
 * watchdog terminates the worker and panics the daemon: every later request
 * gets `kernel panicked: panic: watchdog timeout in ...` until `kld reboot`.
 * kernel.status, kernel.shutdown and kernel.reboot are answered here (they
 * must work while the kernel is panicked, and status at once while the
 * kernel is busy); so is kernel.dmesg once the kernel has panicked, from
 * the console's copy of the message buffer, until reboot.  Everything else
 * goes to the kernel's method table after validation against
 * src/rpc/protocol.ts.
 *
 * Callers: src/daemon/main.ts (detached `kld boot`), src/cli/kld/boot.ts
 * (`kld boot -f`, in the CLI's own process), tests.
 * FreeBSD counterparts: sys/kern/kern_shutdown.c (panic, kern_reboot) and the
 * syscall entry that kld*(2) go through.
 */
import { chmodSync, unlinkSync } from "node:fs";
import { KernelError } from "../errno/kernel_error.js";
import { MsgBuf } from "../kern/kern_msgbuf.js";
import { KLDSIM_VERSION } from "../version.js";
import type { RpcRequest } from "../rpc/jsonrpc.js";
import {
  type BootSettings,
  DAEMON_METHODS,
  UPRINTF,
  type DaemonMethod,
  RpcCode,
  isMethodName,
  methods,
  type KernelState,
  type KernelStatus,
} from "../rpc/protocol.js";
import { RpcError } from "../rpc/rpc_error.js";
import { RpcServer, type Notify } from "../rpc/server.js";
import { KernelHost } from "./kernel_host.js";
import type { ConnectionLimits } from "./launch.js";
import { prepareSocketDir, probeSocket } from "./socket_path.js";

export interface DaemonOptions {
  readonly settings: BootSettings;
  /** True when the socket path came from $KLD_SOCKET (no ownership check). */
  readonly explicitSocket: boolean;
  /** Console output (the boot log) for a foreground daemon. */
  readonly console?: (text: string) => void;
  /** Connection cap and idle timeout ($KLD_MAX_CONNECTIONS, $KLD_IDLE_TIMEOUT_MS). */
  readonly limits?: ConnectionLimits;
}

/** The panic error every request gets until reboot. */
function panicked(reason: string): RpcError {
  return new RpcError(RpcCode.KERNEL_PANICKED, `kernel panicked: ${reason}`, new KernelError("ENXIO", undefined, reason).toData());
}

export class Daemon {
  private state: KernelState = "booting";
  private panicReason: string | undefined;
  private host: KernelHost | undefined;
  private bootedAt: number | undefined;
  private panickedAt: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The kernel request running now (for a status that must not wait). */
  private running: { readonly method: string; readonly since: number } | undefined;
  private readonly mirror = new MsgBuf();
  private readonly server: RpcServer;
  private halted: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private resolveExited!: () => void;
  /** Resolves once the daemon has shut down and removed its socket. */
  readonly exited = new Promise<void>((r) => (this.resolveExited = r));

  private constructor(private readonly opts: DaemonOptions) {
    this.server = new RpcServer((req, notify) => this.handle(req, notify), opts.limits);
  }

  /**
   * Claim the socket, boot the kernel, listen.
   * @throws KernelError EEXIST (a live daemon holds the socket, or a
   *   non-socket file is in the way), EACCES (a socket we may not use),
   *   ENAMETOOLONG, EPERM; boot failures.
   */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const path = opts.settings.socket;
    prepareSocketDir(path, opts.explicitSocket);
    const probe = await probeSocket(path);
    if (probe === "live") throw new KernelError("EEXIST", path, `kernel already running at ${path}`);
    if (probe === "not-a-socket") throw new KernelError("EEXIST", path, `${path} exists and is not a socket`);
    if (probe === "forbidden") {
      throw new KernelError("EACCES", path, `${path} belongs to someone else's kernel`);
    }
    if (probe === "stale") unlinkSync(path); // left by a killed daemon

    const d = new Daemon(opts);
    d.host = await d.bootKernel(undefined);
    const oldMask = process.umask(0o177);
    try {
      await d.server.listen(path);
    } catch (e) {
      await d.host.terminate();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new KernelError("EEXIST", path, `kernel already running at ${path}`);
      throw e;
    } finally {
      process.umask(oldMask);
    }
    chmodSync(path, 0o600);
    d.state = "running";
    return d;
  }

  /** Shut down cleanly (SIGINT/SIGTERM, or kernel.shutdown). Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) {
      const halted = this.enqueue(() => this.haltKernel());
      this.halted = halted;
      this.stopping = halted.then(() => this.closeServer());
    }
    return this.stopping;
  }

  private console(text: string): void {
    this.mirror.append(text);
    this.opts.console?.(text);
  }

  private async bootKernel(previous: string | undefined): Promise<KernelHost> {
    const host = await KernelHost.boot(this.opts.settings, previous, (t) => this.console(t));
    host.onDeath((reason, printed) => this.panic(reason, printed));
    // Kept here too, so that `kld status` of a panicked kernel (whose worker
    // is gone) still says when it booted and how long it ran.
    this.bootedAt = Date.now();
    this.panickedAt = undefined;
    return host;
  }

  /** Enter the panicked state: the worker is gone until reboot. */
  private panic(reason: string, printed = false): void {
    if (this.state === "panicked") return;
    this.state = "panicked";
    this.panicReason = reason;
    this.panickedAt = Date.now();
    if (!printed) this.console(`${reason}\n`);
    const h = this.host;
    this.host = undefined;
    void h?.terminate();
  }

  /** FIFO: each job starts when the one before it has settled. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Run `work` against the kernel under the watchdog. */
  private async guarded<T>(what: string, work: (h: KernelHost) => Promise<T>): Promise<T> {
    const host = this.host;
    if (this.state === "panicked" || !host) throw panicked(this.panicReason ?? "panic: no kernel");
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const where = host.currentCall.get() ?? what;
        const reason = `panic: watchdog timeout in ${where}`;
        this.panic(reason);
        reject(panicked(reason));
      }, this.opts.settings.watchdogMs);
      work(host).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          // A worker that died mid-request has panicked the daemon.
          if (this.state === "panicked") reject(panicked(this.panicReason ?? String(e)));
          else reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Entry for every request, called in arrival order by the server. */
  private handle(req: RpcRequest, notify: Notify): Promise<unknown> {
    if (!isMethodName(req.method)) {
      return Promise.reject(new RpcError(RpcCode.METHOD_NOT_FOUND, `Method not found: ${req.method}`));
    }
    const params = methods[req.method].params(req.params, "params"); // throws ParamError
    // While stopping, status still answers and a second shutdown joins the first.
    if (this.stopping && req.method !== "kernel.status" && req.method !== "kernel.shutdown") {
      return Promise.reject(
        new RpcError(RpcCode.KERNEL_ERROR, "kernel shutting down", new KernelError("ENXIO", undefined, "kernel shutting down").toData()),
      );
    }
    if (DAEMON_METHODS.has(req.method)) return this.daemonMethods[req.method as DaemonMethod]();
    const id = req.id ?? null;
    const method = req.method;
    return this.enqueue(async () => {
      // The first thing a user reads after a panic: keep it readable until reboot.
      if (method === "kernel.dmesg" && this.state === "panicked") return { text: this.mirror.text() };
      this.running = { method, since: Date.now() };
      try {
        return await this.guarded(method, (h) => h.request(method, params, (text) => notify(UPRINTF, { id, text })));
      } finally {
        this.running = undefined;
      }
    });
  }

  /** The methods this thread answers itself (protocol.ts DAEMON_METHODS): they work while the kernel is panicked. */
  private readonly daemonMethods: Record<DaemonMethod, () => Promise<unknown>> = {
    // Busy kernel: answer now from what this thread knows, never queue behind a load.
    "kernel.status": () => (this.running ? this.status() : this.enqueue(() => this.status())),
    "kernel.shutdown": () => {
      void this.stop();
      // Answer once the kernel has halted, before the socket closes.
      return (this.halted ?? Promise.resolve()).then(() => ({ ok: true }));
    },
    "kernel.reboot": () => this.enqueue(() => this.reboot()),
  };

  private async status(): Promise<KernelStatus> {
    const s = this.opts.settings;
    const base = {
      state: this.state,
      pid: process.pid,
      socket: s.socket,
      version: KLDSIM_VERSION,
      image: s.image,
      machine: s.machine,
      loaderConf: s.loaderConf,
      foreground: s.foreground,
      watchdogMs: s.watchdogMs,
    };
    const busy = this.running;
    if (this.state === "panicked" || !this.host || busy) {
      const ran =
        this.bootedAt !== undefined
          ? { bootTime: new Date(this.bootedAt).toISOString(), uptime: Math.floor(((this.panickedAt ?? Date.now()) - this.bootedAt) / 1000) }
          : {};
      const doing = busy ? { busy: { method: busy.method, seconds: Math.floor((Date.now() - busy.since) / 1000) } } : {};
      return { ...base, ...ran, ...doing, ...(this.panicReason ? { panic: this.panicReason } : {}) };
    }
    const info = await this.guarded("kernel.status", (h) => h.info());
    return { ...base, bootTime: info.bootTime, uptime: info.uptime, files: info.files };
  }

  private async haltKernel(howto: "halt" | "reboot" = "halt"): Promise<void> {
    const host = this.host;
    if (this.state !== "panicked" && host) {
      this.state = "shutting down";
      try {
        await this.guarded(`shutdown`, (h) => h.shutdown(howto));
      } catch {
        // A shutdown that fails or hangs still ends in a halted kernel.
      }
    }
    this.host = undefined;
    await host?.terminate();
  }

  private async reboot(): Promise<KernelStatus> {
    await this.haltKernel("reboot");
    this.state = "booting";
    this.panicReason = undefined;
    try {
      this.host = await this.bootKernel(this.mirror.text());
    } catch (e) {
      this.panic(`panic: reboot failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    this.state = "running";
    return this.status();
  }

  private async closeServer(): Promise<void> {
    // Let the shutdown response reach its client before the socket closes.
    await new Promise((r) => setImmediate(r));
    try {
      unlinkSync(this.opts.settings.socket);
    } catch {
      /* already gone */
    }
    await this.server.close();
    this.resolveExited();
  }
}
