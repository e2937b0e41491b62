/**
 * `kld`: the umbrella command of kldsim — boot and stop the kernel daemon,
 * and every kernel-linker operation (stat, load, unload, sym, ...) as a
 * subcommand.  Each subcommand lives in src/cli/kld/<name>.ts and exports
 * `register(program)`; this file only lists them.  Subcommand files keep
 * their heavy work behind dynamic imports so that `kld stat` starts fast.
 * Caller: bin/kld.js.  FreeBSD counterparts: sbin/kldload, kldunload,
 * kldstat, kldconfig, kldxref (one binary each there).
 */
import type { Command } from "commander";
import { createProgram, runProgram } from "./program.js";
import * as boot from "./kld/boot.js";
import * as shutdown from "./kld/shutdown.js";
import * as reboot from "./kld/reboot.js";
import * as status from "./kld/status.js";
import * as stat from "./kld/stat.js";
import * as dmesg from "./kld/dmesg.js";
import * as machine from "./kld/machine.js";
import * as build from "./kld/build.js";
import * as load from "./kld/load.js";
import * as unload from "./kld/unload.js";
import * as sym from "./kld/sym.js";
import * as config from "./kld/config.js";
import * as xref from "./kld/xref.js";
import * as vm from "./kld/vm.js";
import * as malloc from "./kld/malloc.js";

/** The subcommands, in `kld --help` order.  Add yours with one line. */
const SUBCOMMANDS: ReadonlyArray<{ register(program: Command): void }> = [
  boot,
  shutdown,
  reboot,
  status,
  stat,
  load,
  unload,
  sym,
  config,
  xref,
  vm,
  malloc,
  dmesg,
  machine,
  build,
];

export function buildKld(): Command {
  const program = createProgram("kld", "control the kldsim kernel and its kernel linker");
  for (const sub of SUBCOMMANDS) sub.register(program);
  return program;
}

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runProgram(buildKld(), argv);
}
