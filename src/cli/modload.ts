/**
 * `modload [-dquv] [-A kernel] [-e entry] [-p postinstall] [-o output_file]
 * input_file`: the FreeBSD 2.x LKM loader, run on kldsim's KLD linker.  The
 * file goes to the kernel through kld.load exactly as `kld load` sends it;
 * on success it prints `Module loaded as ID N` for each module the file
 * declares (N is the module id `kld stat -v` shows; modunload -i takes it),
 * then runs the -p program with FreeBSD 2.x's arguments.
 *
 * On FreeBSD 2.x modload linked the a.out object itself, with ld(1), against
 * the running kernel's symbols (-A), at an entry point (-e), into an output
 * file (-o, removed or kept by -u), printing the ld command under -d.
 * kldsim links inside the kernel, so those options are accepted, for old
 * scripts, and ignored with a one-line notice on stderr (silenced by -q).
 * FreeBSD 2.x also insisted on a `.o` name; kldsim accepts whatever the
 * linker accepts and lets the kernel answer ENOEXEC.
 * Caller: bin/modload.js.  FreeBSD: sbin/modload/modload.c (2.x).
 */
import { createProgram, runProgram } from "./program.js";
import { CliError } from "./cli_error.js";

interface ModloadOpts {
  readonly d?: boolean;
  readonly q?: boolean;
  readonly u?: boolean;
  readonly v?: boolean;
  readonly A?: string;
  readonly e?: string;
  readonly p?: string;
  readonly o?: string;
}

/** What each ld(1)-steering option meant on FreeBSD 2.x, in the order the synopsis lists them. */
const LD_OPTIONS: readonly { readonly flag: keyof ModloadOpts; readonly meant: string }[] = [
  { flag: "d", meant: "print the ld command" },
  { flag: "u", meant: "remove the output file" },
  { flag: "A", meant: "kernel symbol file" },
  { flag: "e", meant: "entry point" },
  { flag: "o", meant: "output file" },
];

/** The one-line notice for ignored options, or undefined when none was given. */
export function ignoredOptionsNotice(opts: ModloadOpts): string | undefined {
  const given = LD_OPTIONS.filter((o) => opts[o.flag] !== undefined && opts[o.flag] !== false);
  if (given.length === 0) return undefined;
  const flags = given.map((o) => `-${o.flag}`).join(", ");
  const meant = given.map((o) => `-${o.flag}: ${o.meant}`).join("; ");
  return `ignoring ${flags}: FreeBSD 2.x linked the object with ld(1) outside the kernel (${meant}); kldsim links in the kernel`;
}

/**
 * The kernel's name for the operand: always a file.  A bare word (no `/`, no
 * `.`) would be a module name to kld.load, looked up in the module path;
 * modload's operand was a file in the current directory.
 */
export function inputPath(file: string): string {
  return file.includes("/") || file.includes(".") ? file : `./${file}`;
}

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const program = createProgram("modload", "load a kernel module (FreeBSD 2.x LKM interface, on the KLD linker)");
  program
    .usage("[-dquv] [-A kernel] [-e entry] [-p postinstall] [-o output_file] input_file")
    .option("-d", "debug (FreeBSD 2.x: print the ld command); ignored")
    .option("-q", "quiet: print nothing on success")
    .option("-u", "delete the output file (FreeBSD 2.x); ignored")
    .option("-v", "verbose: also name every linker file the load added")
    .option("-A <kernel>", "kernel symbol file for ld (FreeBSD 2.x); ignored")
    .option("-e <entry>", "module entry point (FreeBSD 2.x); ignored")
    .option("-p <postinstall>", "run this program after a successful load: id, type, offset")
    .option("-o <output_file>", "ld output file (FreeBSD 2.x); ignored")
    .argument("<input_file>", "the module file (hello.ko)")
    .action(async (file: string, opts: ModloadOpts) => {
      const { withKernel } = await import("./client.js");
      const notice = ignoredOptionsNotice(opts);
      if (notice !== undefined && !opts.q) process.stderr.write(`modload: ${notice}\n`);
      const r = await withKernel(async (k) => {
        try {
          return await k.call("kld.load", { file: inputPath(file), cwd: process.cwd() });
        } catch (e) {
          const { toCliError } = await import("./diagnostics.js");
          throw toCliError(e, `can't load ${file}`);
        }
      });
      const self = r.loaded.find((f) => f.id === r.id);
      const modules = self?.modules ?? [];
      if (opts.v && !opts.q) {
        for (const f of r.loaded) process.stdout.write(`Loaded ${f.pathname}, file id=${f.id}\n`);
      }
      if (!opts.q) for (const m of modules) process.stdout.write(`Module loaded as ID ${m.id}\n`);
      if (opts.p !== undefined) {
        const { postArgs, runPostProgram } = await import("./lkm_post.js");
        const first = modules[0];
        if (first === undefined) {
          throw new CliError(`${r.name} declares no module: postinstall ${opts.p} not run`);
        }
        process.exitCode = await runPostProgram(opts.p, postArgs(first.id));
      }
    });
  return runProgram(program, argv);
}
