/**
 * Shared set-up for the linker integration tests: a real daemon on a
 * temporary socket, the real `kld` binary, and a fingerprint of everything a
 * half-done load could leave behind (file list with refs, kernel map,
 * function-table use, malloc types).
 */
import { expect } from "vitest";
import { envFor, run, tempSocketDir, type RunResult } from "../support/bin.js";

export interface Daemon {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  kld(...args: string[]): Promise<RunResult>;
  /** `kld stat --json` + `kld vm --json` + `kld malloc --json`, compared after every refusal. */
  fingerprint(): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startDaemon(prefix: string, bootArgs: readonly string[] = []): Promise<Daemon> {
  const tmp = tempSocketDir(prefix);
  const env = envFor(tmp.socket);
  const kld = (...args: string[]) => run("kld", args, env);
  const boot = await kld("boot", ...bootArgs);
  expect(boot.stderr).toBe("");
  expect(boot.code).toBe(0);
  return {
    env,
    dir: tmp.dir,
    kld,
    async fingerprint() {
      const stat = await kld("stat", "--json");
      const vm = await kld("vm", "--json");
      const malloc = await kld("malloc", "--json");
      expect([stat.code, vm.code, malloc.code]).toEqual([0, 0, 0]);
      return { stat: JSON.parse(stat.stdout), vm: JSON.parse(vm.stdout), malloc: JSON.parse(malloc.stdout) };
    },
    async stop() {
      await kld("shutdown");
      tmp.remove();
    },
  };
}
