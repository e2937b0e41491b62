/**
 * `kld load [-n] [-q] [-v] FILE|MODULE...`: load files into the kernel
 * (kldload(8)).  An argument containing `/` or `.` is a file (relative
 * paths are resolved by the kernel against our working directory); a bare
 * name is a module, found through the module path and linker.hints.
 * Dependencies load first, in the kernel.  Each failure prints
 * `kld: can't load X: <strerror>` and the kernel's detail line; the other
 * arguments are still tried, and the exit status is 1.  --json prints what
 * was loaded (each file with the dependencies it pulled in) and what was
 * skipped or failed; a load slower than about a second shows a spinner.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/kldload/kldload.c.
 */
import type { Command } from "commander";
import type { KldLoadResult, LinkerFileStat } from "../../rpc/protocol.js";
import { EX_FAILURE } from "../cli_error.js";

interface LoadOpts {
  readonly n?: boolean;
  readonly q?: boolean;
  readonly v?: boolean;
  readonly json?: boolean;
}

/** The --json document's entries (schema kldsim.kldload/1). */
type Outcome =
  | ({ readonly file: string; readonly status: "loaded" } & KldLoadResult)
  | { readonly file: string; readonly status: "present" }
  | { readonly file: string; readonly status: "failed"; readonly error: string; readonly detail?: readonly string[] };

/** True when the failure is EEXIST (the -n case). */
function alreadyLoaded(e: unknown): boolean {
  const ke = (e as { kernelError?: () => { info: { name: string } } | undefined }).kernelError?.();
  return ke?.info.name === "EEXIST";
}

/** Is `arg` (a path or a module name) already loaded as a file or a module? */
function presentIn(files: readonly LinkerFileStat[]): (arg: string) => boolean {
  return (arg) => {
    const base = arg.slice(arg.lastIndexOf("/") + 1);
    const stem = base.replace(/\.ko$/, "");
    return files.some((f) => f.name === base || f.name === `${base}.ko` || (f.modules ?? []).some((m) => m.name === stem));
  };
}

export function register(program: Command): void {
  program
    .command("load")
    .description("load files or modules into the kernel (kldload)")
    .usage("[-n] [-q] [-v] [--json] file|module ...")
    .option("-n", "do not fail if the file or module is already loaded")
    .option("-q", "silence warnings")
    .option("-v", "print the id of each loaded file")
    .option("--json", "machine-readable output: what was loaded, skipped or failed (kldsim extension)")
    .argument("<file...>", "a .ko file (path contains / or .) or a module name")
    .action(async (files: string[], opts: LoadOpts) => {
      const { withKernel } = await import("../client.js");
      const { printError, toCliError } = await import("../diagnostics.js");
      const { startProgress } = await import("../spinner.js");
      const outcomes: Outcome[] = [];
      await withKernel(async (k) => {
        // -n: like kldload -n, do not even try what is already there (a
        // failed attempt would leave "can't load" lines in the message buffer).
        const present = opts.n ? presentIn((await k.call("kernel.stat", {})).files) : () => false;
        for (const file of files) {
          if (present(file)) {
            outcomes.push({ file, status: "present" });
            continue;
          }
          const progress = startProgress(`loading ${file}`, opts.json || opts.q);
          try {
            const r = await k.call("kld.load", { file, cwd: process.cwd() });
            progress.stop();
            outcomes.push({ file, status: "loaded", ...r });
            if (opts.v && !opts.json) process.stdout.write(`Loaded ${file}, id=${r.id}\n`);
          } catch (e) {
            progress.stop();
            if (opts.n && alreadyLoaded(e)) {
              outcomes.push({ file, status: "present" });
              continue;
            }
            const err = toCliError(e, `can't load ${file}`);
            if (err.exitCode !== EX_FAILURE) throw err;
            printError("kld", err);
            outcomes.push({ file, status: "failed", error: err.message, ...(err.more.length ? { detail: err.more } : {}) });
          }
        }
      });
      if (opts.json) (await import("../output.js")).printJson("kldsim.kldload/1", { files: outcomes });
      if (outcomes.some((o) => o.status === "failed")) process.exitCode = EX_FAILURE;
    });
}
