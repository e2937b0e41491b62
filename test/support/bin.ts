/**
 * Run the real binaries as a user does: bin/NAME.js (which runs the compiled
 * dist/) in a child process, against a daemon on a temporary socket.  Used by
 * test/integration and by the CLI tests of test/cli.
 *
 * The binaries need dist/, which `npm test` compiles first.  When it is
 * missing every run fails with a message saying so: a CLI test never
 * passes or skips silently without having run the CLI.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** bin/NAME.js, after checking that the dist/ it runs has been built. */
export function binPath(bin: string): string {
  const entry = join(ROOT, "dist", "src", "cli", `${bin}.js`);
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: the CLI tests run the compiled binaries; run \`npm run build\` first (npm test does)`);
  }
  return join(ROOT, "bin", `${bin}.js`);
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temporary directory for one test file's socket; remove() cleans up. */
export function tempSocketDir(prefix = "kld"): { dir: string; socket: string; remove(): void } {
  // Short paths: sun_path holds only 107 bytes.
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, socket: join(dir, "s", "kld.sock"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function envFor(socket: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Core kernel and no machine unless a test asks (kld boot's defaults are GENERIC on pc97).
  const env: NodeJS.ProcessEnv = { KLD_IMAGE: "none", KLD_MACHINE: "none", ...process.env, KLD_SOCKET: socket, ...extra };
  delete env["FORCE_COLOR"];
  delete env["NO_COLOR"];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** Run bin/NAME.js with args; never rejects. */
export function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      [binPath(bin), ...args],
      { env, cwd: ROOT, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

/** run(), synchronously: for tests of commands that need no daemon. */
export function runSync(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunResult {
  const r = spawnSync(process.execPath, [binPath(bin), ...args], { env, cwd: ROOT, encoding: "utf8", timeout: 20_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function spawnBin(bin: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [binPath(bin), ...args], { env, cwd: ROOT });
}

