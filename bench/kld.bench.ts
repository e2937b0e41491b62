/**
 * The kernel linker's benchmark, issue 3 §8b: load 500 small modules one by
 * one into a live daemon and check that the time per load stays flat (the
 * last 50 loads against the first 50: no quadratic growth in the file
 * list, symbol zones, module registry or kernel map), then `kld stat` with
 * 500 modules against `kld stat` with one (target: under 2×), measured both
 * as the CLI's wall time and as the kernel.stat round trip alone.
 *
 * The 500 modules are the bundled hello.ko with its name rewritten in place
 * ("hello" -> "mNNNN", same length, so no size or offset moves): every one
 * has distinct bytes, so V8 cannot serve a compile from its cache.
 * Run by bench/run.ts (dist/bench/kld.bench.js).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../src/rpc/client.js";
import { HELLO, KLD, generatedName, median, wall, writeGeneratedModules } from "./bench_support.js";

const COUNT = 500;

async function timeRpc(client: KernelClient, n: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await client.call("kernel.stat", {});
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(xs);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kldbench-"));
  const env = { ...process.env, KLD_SOCKET: join(dir, "s", "kld.sock") };
  if (!writeGeneratedModules(dir, COUNT)) {
    console.log(`kld: skipped (${HELLO} not built; run npm run build-modules)`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const files = Array.from({ length: COUNT }, (_, i) => join(dir, `${generatedName(i)}.ko`));
  execFileSync(process.execPath, [KLD, "boot"], { env, stdio: "ignore" });
  const client = await KernelClient.connect(env.KLD_SOCKET);
  try {
    const loads: number[] = [];
    const load = async (p: string): Promise<void> => {
      const t = process.hrtime.bigint();
      await client.call("kld.load", { file: p }, { onUprintf: () => {} });
      loads.push(Number(process.hrtime.bigint() - t) / 1e6);
    };
    await load(files[0]!);
    wall([KLD, "stat"], env); // warm the file cache
    const stat1Cli = median(Array.from({ length: 7 }, () => wall([KLD, "stat"], env)));
    const stat1Rpc = await timeRpc(client, 50);
    for (const p of files.slice(1)) await load(p);
    const stat500Cli = median(Array.from({ length: 7 }, () => wall([KLD, "stat"], env)));
    const stat500Rpc = await timeRpc(client, 50);
    const first = median(loads.slice(1, 51));
    const last = median(loads.slice(-50));
    const { files: listed } = await client.call("kernel.stat", {});
    process.stdout.write(
      `kld load, ${COUNT} modules one by one (RPC, in the daemon): median ${first.toFixed(2)} ms for loads 2-51, ` +
        `${last.toFixed(2)} ms for the last 50: ratio ${(last / first).toFixed(2)} (flat = about 1)\n` +
        `kld stat with ${listed.length - 1} modules vs 1: CLI ${stat500Cli.toFixed(1)} ms / ${stat1Cli.toFixed(1)} ms = ` +
        `${(stat500Cli / stat1Cli).toFixed(2)}x (target < 2x); kernel.stat RPC ${stat500Rpc.toFixed(2)} ms / ` +
        `${stat1Rpc.toFixed(2)} ms = ${(stat500Rpc / stat1Rpc).toFixed(2)}x\n`,
    );
  } finally {
    client.close();
    try {
      execFileSync(process.execPath, [KLD, "shutdown"], { env, stdio: "ignore" });
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
