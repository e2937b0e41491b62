/**
 * The kernel object living in the kernel worker thread: boot settings and
 * time, the message buffer, the linker file list (file 1 is `kernel`), and
 * the method dispatch table through which RPC requests reach subsystems.
 *
 * Subsystems do not live here: each registers its RPC handlers from its own
 * file (`registerKldMethods(kernel, sys)`), wired by init_main.ts from
 * kernel_worker.ts's SUBSYSTEMS, and may hook shutdown.  A handler gets the validated params
 * and a RequestContext whose uprintf(9) writes to the requesting user's
 * terminal; it may throw KernelError, which reaches the CLI as errno name,
 * number, subject and detail.
 *
 * Callers: src/kern/kernel_worker.ts (creates and boots it), subsystems.
 * FreeBSD counterparts: sys/kern/init_main.c (mi_startup, the banner),
 * sys/kern/subr_prf.c (printf, uprintf), sys/kern/kern_shutdown.c.
 */
import { writeFileSync } from "node:fs";
import { KernelError } from "../errno/kernel_error.js";
import { MsgBuf } from "./kern_msgbuf.js";
import { KLDSIM_VERSION } from "../version.js";
import { KERNEL_FILE_BASE, KMEM_BASE } from "./vm_layout.js";
import type { BootSettings, LinkerFileStat, MethodName, ParamsOf, ResultOf } from "../rpc/protocol.js";
import { formatUptime } from "../uptime.js";

/** What a handler may do besides returning a result. */
export interface RequestContext {
  readonly method: string;
  /** uprintf(9): text for the requesting user's terminal, not the msgbuf. */
  uprintf(text: string): void;
}

export type MethodHandler<M extends MethodName = MethodName> = (
  params: ParamsOf<M>,
  ctx: RequestContext,
) => ResultOf<M> | Promise<ResultOf<M>>;

/** Where kernel console output goes besides the msgbuf (the daemon). */
export type ConsoleSink = (text: string) => void;

// Kernel.panic() throws the same KernelPanic as the panic(9) service, to
// unwind the current request; the worker does not answer it, since the
// daemon terminates a panicked kernel.
import { KernelPanic } from "./services/kern_shutdown.js";
export { KernelPanic };

/** A shutdown hook (EVENTHANDLER shutdown_pre_sync and friends). */
export type ShutdownHook = (howto: "halt" | "reboot") => void | Promise<void>;

// Hoisted: CurrentCall.set runs on every entry into module code.
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/**
 * The "what is the kernel running right now" word the daemon's watchdog
 * reads when a request overruns, so the panic can name the module function
 * (`panic: watchdog timeout in hello.ko:hello_loader`).  Shared memory, not a
 * message: a worker stuck in a loop cannot post one.  The linker sets it
 * around every call into module code; it is empty otherwise.
 */
export class CurrentCall {
  static readonly BYTES = 256;
  private readonly len: Int32Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4 + CurrentCall.BYTES)) {
    this.len = new Int32Array(buffer, 0, 1);
    this.bytes = new Uint8Array(buffer, 4, CurrentCall.BYTES);
  }

  /** Record `label` (truncated to fit) or clear it with undefined. */
  set(label: string | undefined): void {
    if (label === undefined) {
      Atomics.store(this.len, 0, 0);
      return;
    }
    const { written } = UTF8_ENCODER.encodeInto(label, this.bytes);
    Atomics.store(this.len, 0, written);
  }

  get(): string | undefined {
    const n = Atomics.load(this.len, 0);
    if (n <= 0) return undefined;
    return UTF8_DECODER.decode(this.bytes.slice(0, n));
  }
}

/** Linker file 1: the core kernel image, its data below the kernel map. */
export const KERNEL_FILE: LinkerFileStat = {
  id: 1,
  refs: 1,
  address: KERNEL_FILE_BASE,
  size: KMEM_BASE - KERNEL_FILE_BASE,
  name: "kernel",
  pathname: "/boot/kernel/kernel",
};

export class Kernel {
  readonly msgbuf = new MsgBuf();
  readonly bootTime = Date.now();
  readonly currentCall: CurrentCall;
  private readonly handlers = new Map<string, MethodHandler<never>>();
  private readonly shutdownHooks: ShutdownHook[] = [];
  private fileLister: () => readonly LinkerFileStat[] = () => [KERNEL_FILE];
  /** Where shutdown() writes the final message buffer (set at boot by init_main.ts), or null. */
  shutdownLog: string | null = null;
  /** Run before each request (init_main.ts: the clock's tick, so `ticks` moves). */
  beforeRequest: (() => void) | undefined;
  /** The request being served (uprintf's terminal), or null. */
  private request: RequestContext | null = null;
  /** A service's "panic: ..." line, held until panic() or the end of the request (serviceConsole). */
  private heldPanicLine: string | null = null;

  constructor(
    readonly boot: BootSettings,
    private readonly console: ConsoleSink = () => {},
    currentCall: CurrentCall = new CurrentCall(),
    private readonly panicSink: (message: string) => void = () => {},
  ) {
    this.currentCall = currentCall;
  }

  /**
   * panic(9): a broken kernel invariant.  Prints `panic: MESSAGE`, tells the
   * daemon (which terminates this kernel and refuses every request until
   * `kld reboot`), and unwinds the current request.  Not for errors a user
   * can cause: those are KernelErrors.
   */
  panic(message: string): never {
    this.printf(`panic: ${message}\n`);
    this.panicSink(message);
    throw new KernelPanic(message);
  }

  /**
   * Register the handler for a method declared in src/rpc/protocol.ts.
   * Registering a name twice is a programming error (throws).
   */
  register<M extends MethodName>(method: M, handler: MethodHandler<M>): void {
    if (this.handlers.has(method)) throw new Error(`method ${method} registered twice`);
    this.handlers.set(method, handler as MethodHandler<never>);
  }

  /**
   * Run one request.  Throws KernelError from the handler, or ENOSYS when no
   * subsystem registered the method (declared in the protocol but not built).
   * A panic(9) in a kernel service during the request becomes this
   * kernel's panic (the daemon is told).
   */
  async dispatch(method: string, params: unknown, ctx: RequestContext): Promise<unknown> {
    const h = this.handlers.get(method) as MethodHandler | undefined;
    if (!h) throw new KernelError("ENOSYS", method, "no kernel subsystem implements this method");
    this.beforeRequest?.();
    this.request = ctx;
    try {
      return await h(params as never, ctx);
    } catch (e) {
      // A service's panic() held its line back (serviceConsole): panic()
      // prints it once and stops the kernel.  One from panic() itself has
      // already done both.
      if (e instanceof KernelPanic && this.heldPanicLine !== null) {
        this.heldPanicLine = null;
        this.panic(e.panicMessage);
      }
      throw e;
    } finally {
      this.request = null;
      this.flushPanicLine();
    }
  }

  /** uprintf(9) from kernel code: the requesting user's terminal, or the console between requests. */
  uprintf(text: string): void {
    if (this.request) this.request.uprintf(text);
    else this.printf(text);
  }

  /**
   * The console of kernel services: printf, except that panic(9) in a
   * service prints "panic: ..." and throws, and panic() would print the
   * same line again when the request hands the panic over to it.  So the
   * service's line is held back and printed once, by panic(), or when the
   * request or shutdown hook ends if nobody took it.
   */
  serviceConsole(text: string): void {
    if (text.startsWith("panic: ") && this.heldPanicLine === null) this.heldPanicLine = text;
    else this.printf(text);
  }

  private flushPanicLine(): void {
    if (this.heldPanicLine !== null) this.printf(this.heldPanicLine);
    this.heldPanicLine = null;
  }

  /** printf(9): to the message buffer and the console. */
  printf(text: string): void {
    this.msgbuf.append(text);
    this.console(text);
  }

  /** Seconds since this kernel booted. */
  uptime(): number {
    return (Date.now() - this.bootTime) / 1000;
  }

  /**
   * The linker file list as kldstat(2) sees it.  The kernel linker replaces
   * the default (file 1 only) with its own list once it initialises.
   */
  linkerFiles(): readonly LinkerFileStat[] {
    return this.fileLister();
  }

  setLinkerFileLister(lister: () => readonly LinkerFileStat[]): void {
    this.fileLister = lister;
  }

  /** Hooks run at shutdown in reverse order of registration. */
  onShutdown(hook: ShutdownHook): void {
    this.shutdownHooks.push(hook);
  }

  /** kern_reboot(): run the shutdown hooks, print the uptime, halt. */
  async shutdown(howto: "halt" | "reboot"): Promise<void> {
    for (const hook of [...this.shutdownHooks].reverse()) {
      try {
        await hook(howto);
      } catch (e) {
        this.flushPanicLine();
        this.printf(`shutdown: hook failed: ${e instanceof Error ? e.message : String(e)}\n`);
      } finally {
        this.flushPanicLine();
      }
    }
    this.printf(`Uptime: ${formatUptime(this.uptime())}\n`);
    this.printf(howto === "reboot" ? "Rebooting...\n" : "The operating system has halted.\n");
    if (this.shutdownLog) {
      // Readable after the daemon has gone: the final message buffer.
      try {
        writeFileSync(this.shutdownLog, this.msgbuf.text(), { mode: 0o600 });
      } catch (e) {
        this.console(`shutdown: cannot write ${this.shutdownLog}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }

  /** mi_startup's visible part: the banner and the core's own messages. */
  printBanner(previous: string | undefined): void {
    // As msgbufinit(): a buffer that survived a reboot gets a BOOT marker.
    if (previous) {
      this.msgbuf.append(previous.endsWith("\n") ? previous : previous + "\n");
      this.printf("---<<BOOT>>---\n");
    }
    this.printf("Copyright (c) 2026 The kldsim authors.\n");
    this.printf("Copyright (c) 1992-2026 The FreeBSD Project (the design simulated here).\n");
    this.printf(
      `kldsim ${KLDSIM_VERSION} #0: ${dateString(new Date(this.bootTime))}\n` +
        `    node ${process.version} kernel worker thread\n`,
    );
    this.printf(`image: ${this.boot.image ?? "none (core kernel only)"}\n`);
    this.printf(`machine: ${this.boot.machine ?? "none (no emulated ISA machine)"}\n`);
    if (this.boot.loaderConf) this.printf(`loader.conf: ${this.boot.loaderConf}\n`);
    const k = KERNEL_FILE;
    this.printf(
      `kernel: linker file 1 "${k.name}" at 0x${k.address.toString(16)}, 0x${k.size.toString(16)} bytes\n`,
    );
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** date(1)'s default format in UTC: "Wed Nov 25 18:31:55 UTC 2026". */
export function dateString(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, "0");
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const day = String(d.getUTCDate()).padStart(2, " ");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${time} UTC ${d.getUTCFullYear()}`;
}

/**
 * The core kernel's own methods: kldstat, dmesg, and the debug.* methods
 * (like FreeBSD's debug.kdb.panic sysctl) that tests use to exercise the
 * watchdog, panics and uprintf routing.
 */
export function registerCoreMethods(kernel: Kernel): void {
  kernel.register("kernel.stat", () => ({ files: kernel.linkerFiles() }));
  kernel.register("kernel.dmesg", () => ({ text: kernel.msgbuf.text() }));
  kernel.register("debug.spin", ({ ms }) => {
    // Deliberately synchronous: a kernel stuck in a loop, for the watchdog.
    kernel.currentCall.set("kernel:debug_spin");
    const until = Date.now() + ms;
    while (Date.now() < until) {
      /* spin */
    }
    kernel.currentCall.set(undefined);
    return { ok: true as const };
  });
  kernel.register("debug.panic", ({ message }) => kernel.panic(message));
  kernel.register("debug.uprintf", ({ text }, ctx) => {
    ctx.uprintf(text);
    return { ok: true as const };
  });
}
