/**
 * The foundation's benchmark: (a) the wall time of `kld stat` against a live
 * daemon as a ratio to `node -e 0` (bare Node start-up) measured in the same
 * run, interleaved so load on the machine hits both alike — target ≤ 1.3×;
 * (b) RPC round trips per second over one connection (kernel.stat, one
 * request in flight), and the same with 32 requests pipelined.
 * Run by bench/run.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../src/rpc/client.js";
import { KLD, median, wall } from "./bench_support.js";


export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kldbench-"));
  const env = { ...process.env, KLD_SOCKET: join(dir, "kld.sock") };
  execFileSync(process.execPath, [KLD, "boot"], { env, stdio: "ignore" });
  try {
    // (a) start-up: interleave the two commands so drift hits both.
    const node: number[] = [];
    const stat: number[] = [];
    wall([KLD, "stat"], env); // warm the file cache
    for (let i = 0; i < 20; i++) {
      node.push(wall(["-e", "0"], env));
      stat.push(wall([KLD, "stat"], env));
    }
    const n = median(node);
    const s = median(stat);
    process.stdout.write(
      `kld stat wall time: ${s.toFixed(1)} ms; node -e 0: ${n.toFixed(1)} ms; ratio ${(s / n).toFixed(2)}x (target <= 1.30x)\n`,
    );

    // (b) round trips over one connection.
    const c = await KernelClient.connect(env.KLD_SOCKET);
    for (let i = 0; i < 200; i++) await c.call("kernel.stat", {});
    let count = 0;
    let t0 = performance.now();
    while (performance.now() - t0 < 2000) {
      await c.call("kernel.stat", {});
      count++;
    }
    const serial = count / ((performance.now() - t0) / 1000);
    count = 0;
    t0 = performance.now();
    while (performance.now() - t0 < 2000) {
      await Promise.all(Array.from({ length: 32 }, () => c.call("kernel.stat", {})));
      count += 32;
    }
    const piped = count / ((performance.now() - t0) / 1000);
    c.close();
    process.stdout.write(
      `RPC round trips over one connection: ${Math.round(serial)}/s sequential, ${Math.round(piped)}/s with 32 in flight\n`,
    );
  } finally {
    try {
      execFileSync(process.execPath, [KLD, "shutdown"], { env, stdio: "ignore" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
