/**
 * The kldsim RPC protocol, declared once: every method the kernel daemon
 * serves, with its parameter validator and its parameter and result types.
 * The daemon (src/daemon/daemon.ts) validates each request against this
 * table before queueing it for the kernel; the CLI's typed client
 * (src/rpc/client.ts) takes its types from here.  Transport: JSON-RPC 2.0,
 * one JSON text per line, over a Unix socket (jsonrpc.ts, framing.ts).
 *
 * FreeBSD counterpart: the kld*(2) system calls (kldload, kldunload,
 * kldstat, kldnext, kldsym, kldfind) — the boundary between the user tools
 * and the kernel linker.
 *
 * To add a method: add its result type, then one entry in `methods` below
 * (name, summary, params validator), then register a handler for it on the
 * Kernel from your subsystem's file (kernel.register("kld.load", ...)).
 *
 * The protocol owns its data shapes: every type here is declared here, and
 * the kernel maps its own objects onto them (kern imports this file, never
 * the reverse; .ci/dependency-cruiser.cjs enforces it).  So the CLI, which
 * may import the protocol, never pulls kernel code in.
 */
import type { KernelErrorData } from "../errno/kernel_error.js";
import { arrayOf, boolean, integer, none, object, oneOf, string, type Validator } from "./validate.js";

/** One declared method.  `R` is a phantom: results are trusted, not checked. */
export interface MethodSpec<P, R> {
  readonly summary: string;
  readonly params: Validator<P>;
  /** Never set; carries the result type for ResultOf<>. */
  readonly _result?: R;
}

function method<P, R>(summary: string, params: Validator<P>): MethodSpec<P, R> {
  return { summary, params };
}

// ---- result types ---------------------------------------------------------

export type KernelState = "booting" | "running" | "panicked" | "shutting down";

/**
 * How the daemon boots a kernel (`kld boot` options): given by kld boot to
 * the daemon, by the daemon to the kernel worker, and reported back by
 * kernel.status.
 */
export interface BootSettings {
  /** Kernel image file (kconfig output), or null for the core kernel only. */
  readonly image: string | null;
  /** Machine description YAML, or null for no emulated machine. */
  readonly machine: string | null;
  /** loader.conf(5)-style file of boot-time settings, or null. */
  readonly loaderConf: string | null;
  readonly foreground: boolean;
  readonly watchdogMs: number;
  readonly socket: string;
}

/** kernel.status: the daemon's and the kernel's state (`kld status`). */
export interface KernelStatus extends BootSettings {
  readonly state: KernelState;
  readonly pid: number;
  readonly version: string;
  /** ISO time of the current kernel's boot. */
  readonly bootTime?: string;
  /** Seconds since boot; for a panicked kernel, how long it ran before the panic. */
  readonly uptime?: number;
  /** Number of linker files, absent while panicked. */
  readonly files?: number;
  /** The panic message (`panic: watchdog timeout in ...`) when panicked. */
  readonly panic?: string;
  /**
   * The request the kernel is running, when status was asked meanwhile
   * (status then answers at once, without `files`).
   */
  readonly busy?: { readonly method: string; readonly seconds: number };
}

/** One module inside a linker file (kldstat -v's "Contains modules"). */
export interface ModuleStat {
  readonly id: number;
  readonly name: string;
}

/** One linker file as kldstat(2) reports it (struct kld_file_stat). */
export interface LinkerFileStat {
  readonly id: number;
  readonly refs: number;
  readonly address: number;
  readonly size: number;
  readonly name: string;
  readonly pathname: string;
  /** Filled once the module system exists (kldstat -v). */
  readonly modules?: readonly ModuleStat[];
}

export interface KernelStatResult {
  readonly files: readonly LinkerFileStat[];
}

export interface DmesgResult {
  /** The message buffer, oldest line first, each line ending in "\n". */
  readonly text: string;
}

export interface OkResult {
  readonly ok: true;
}

// ---- kernel linker (kld.*; handlers in src/kern/kld_requests.ts) ------

export interface KldLoadResult {
  readonly id: number;
  readonly name: string;
  readonly pathname: string;
  /** Every file this load added, dependencies first (the file itself last). */
  readonly loaded: readonly LinkerFileStat[];
}

export interface KldUnloadResult {
  readonly id: number;
  readonly name: string;
  /** Every file that left the kernel (the file, then dependencies released to 0 refs). */
  readonly unloaded: readonly { readonly id: number; readonly name: string }[];
}

/** kld.sym: one symbol as the linker resolved it. */
export interface KldSymResult {
  readonly name: string;
  readonly kind: "func" | "data";
  /** A data address, or for a function its function-table slot. */
  readonly address: number;
  readonly size: number;
  /** The linker file that defines it, by name and id. */
  readonly file: string;
  readonly fileId: number;
}

export interface KldConfigResult {
  readonly path: readonly string[];
  readonly previous: readonly string[];
}

/** One run of kernel-map pages (`kld vm`). */
export interface KmemExtentStat {
  /** First address of the extent (page aligned). */
  readonly start: number;
  /** Length in pages. */
  readonly pages: number;
  /** The owning linker file's name, null for a free extent. */
  readonly owner: string | null;
  readonly fileId?: number;
  /** Bytes the file uses of its pages. */
  readonly size?: number;
}

/** kld.vm: the kernel map as a whole. */
export interface KldVmResult {
  readonly base: number;
  readonly end: number;
  readonly pageSize: number;
  readonly totalPages: number;
  readonly usedPages: number;
  readonly freePages: number;
  readonly largestFreeRun: number;
  /** External fragmentation, 0..1: 1 - largestFreeRun / freePages. */
  readonly fragmentation: number;
  readonly extents: readonly KmemExtentStat[];
  readonly tableSlots: number;
  readonly tableSize: number;
}

export interface KldMallocResult {
  readonly types: readonly {
    readonly type: string;
    readonly inUse: number;
    readonly memUse: number;
    readonly requests: number;
  }[];
}

// ---- the method table ----------------------------------------------------

export const methods = {
  "kernel.status": method<Record<string, never>, KernelStatus>(
    "daemon and kernel state: pid, socket, uptime, image, machine",
    none,
  ),
  "kernel.stat": method<Record<string, never>, KernelStatResult>(
    "the linker file list, file 1 being the kernel (kldstat)",
    none,
  ),
  "kernel.dmesg": method<Record<string, never>, DmesgResult>(
    "the kernel message buffer (dmesg)",
    none,
  ),
  "kernel.conftxt": method<Record<string, never>, DmesgResult>(
    "the booted image's configuration text (kern.conftxt; options INCLUDE_CONFIG_FILE)",
    none,
  ),
  "kernel.shutdown": method<Record<string, never>, OkResult>(
    "shut the kernel down cleanly; the daemon exits and removes its socket",
    none,
  ),
  "kernel.reboot": method<Record<string, never>, KernelStatus>(
    "shutdown + boot with the same settings; also clears a panic",
    none,
  ),
  "kld.load": method<{ file: string; cwd?: string }, KldLoadResult>(
    "load a file by path, or a module by name through the module path (kldload)",
    object({ file: string }, { cwd: string }),
  ),
  "kld.unload": method<{ id?: number; file?: string; force?: boolean }, KldUnloadResult>(
    "unload a file by id or name; force past a MOD_QUIESCE veto (kldunloadf)",
    object({}, { id: integer, file: string, force: boolean }),
  ),
  "kld.sym": method<{ symbol: string; file?: string }, KldSymResult>(
    "look a symbol up in one file or in all files in load order (kldsym)",
    object({ symbol: string }, { file: string }),
  ),
  "kld.config": method<{ action: "show" | "set" | "add" | "merge" | "remove"; paths?: readonly string[] }, KldConfigResult>(
    "show or change kern.module_path (kldconfig)",
    object({ action: oneOf("show", "set", "add", "merge", "remove") }, { paths: arrayOf(string) }),
  ),
  "kld.vm": method<Record<string, never>, KldVmResult>(
    "the kernel map: pages per file, free extents, fragmentation",
    none,
  ),
  "kld.malloc": method<Record<string, never>, KldMallocResult>(
    "malloc types: allocations in use, bytes in use, requests (vmstat -m)",
    none,
  ),
  // debug.*: kernel debugging aids (FreeBSD: the debug.kdb.* sysctls).
  "debug.spin": method<{ readonly ms: number }, OkResult>(
    "busy-loop in the kernel for ms milliseconds (exercises the watchdog)",
    object({ ms: integer }),
  ),
  "debug.panic": method<{ readonly message: string }, never>(
    "panic(9) the kernel with a message (like sysctl debug.kdb.panic=1)",
    object({ message: string }),
  ),
  "debug.uprintf": method<{ readonly text: string }, OkResult>(
    "uprintf(9) text back to the caller's terminal",
    object({ text: string }),
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> =
  Methods[M] extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<M extends MethodName> =
  Methods[M] extends MethodSpec<unknown, infer R> ? R : never;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/**
 * Methods the daemon's main thread answers itself, so that they work while
 * the kernel is panicked; every other method goes to the kernel worker.
 */
const DAEMON_METHOD_NAMES = ["kernel.status", "kernel.shutdown", "kernel.reboot"] as const satisfies readonly MethodName[];
export type DaemonMethod = (typeof DAEMON_METHOD_NAMES)[number];
export const DAEMON_METHODS: ReadonlySet<string> = new Set(DAEMON_METHOD_NAMES);

// ---- notifications (daemon -> client) --------------------------------------

/**
 * uprintf(9): text a kernel handler wrote to the requesting user's terminal.
 * Sent as a JSON-RPC notification before the response to request `id`; the
 * CLI prints it on stderr.
 */
export const UPRINTF = "kernel.uprintf";
export interface UprintfParams {
  readonly id: string | number | null;
  readonly text: string;
}

// ---- errors ----------------------------------------------------------------

/** JSON-RPC 2.0 reserved codes, and ours in the server range. */
export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** A KernelError: data is KernelErrorData (errno name and number). */
  KERNEL_ERROR: -32000,
  /** The kernel panicked; data.errno is ENXIO and data.detail the panic. */
  KERNEL_PANICKED: -32001,
  /** The request line exceeded MAX_LINE_BYTES; the connection is closed. */
  REQUEST_TOO_LARGE: -32002,
} as const;

export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: KernelErrorData;
}

/** Longest request line the daemon accepts, in bytes (without the newline). */
export const MAX_LINE_BYTES = 1024 * 1024;
