/**
 * Boot benchmark, issue 4 §7 (the boot side): build kernel images with 25,
 * 50 and 100 generated static modules, then boot each in-process through
 * the kernel worker's own code path (registerCoreMethods, startKernel:
 * wire the core and linker, read and check the image, link the
 * static object into file 1, register the modules, run the one sorted
 * SYSINIT list with each MOD_LOAD).  Prints build and boot times, boot time
 * per module, and the linearity ratio; target: boot of 100 under 1 s.
 * (Image build times are measured by bench/kconfig.bench.ts.)
 *
 * The modules are the bundled hello.ko with "hello" rewritten in place to a
 * unique same-length name ("mNNNN"), as bench/kconfig.bench.ts does.
 * Run by bench/run.ts (dist/bench/boot.bench.js).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildKernel } from "../src/config/build_image.js";
import { parseConfigText } from "../src/config/load_config.js";
import { Kernel, registerCoreMethods } from "../src/kern/kernel.js";
import { startKernel } from "../src/kern/init_main.js";
import { HELLO, generatedName, median, writeGeneratedModules } from "./bench_support.js";

/** Boot one image in this thread; returns milliseconds and the modules registered. */
async function bootOnce(image: string, socketDir: string): Promise<{ ms: number; modules: number; log: string }> {
  const kernel = new Kernel({
    image,
    machine: null,
    loaderConf: null,
    foreground: false,
    watchdogMs: 10_000,
    socket: join(socketDir, "kld.sock"),
  });
  const t = process.hrtime.bigint();
  registerCoreMethods(kernel);
  const sys = await startKernel(kernel);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, modules: sys.linker.modules.all().length, log: kernel.msgbuf.text() };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "boot-bench-"));
  try {
    if (!writeGeneratedModules(dir, 100)) {
      console.log(`boot: skipped (${HELLO} not built; run npm run build-modules)`);
      return;
    }
    // Warm up the linker and V8 once on a small image.
    const perModule: number[] = [];
    const sizes = [25, 50, 100];
    const images = new Map<number, string>();
    for (const n of [5, ...sizes]) {
      const cfg = ["ident BENCH", "maxusers 8", "options HZ=100"];
      for (let i = 0; i < n; i++) cfg.push(`module ${generatedName(i)}`);
      const text = cfg.join("\n") + "\n";
      const load = parseConfigText(text, "/bench/BENCH", { files: { read: () => text, display: () => "BENCH" } });
      // Image build times are kconfig's benchmark (median of several builds); here they are set-up.
      const r = buildKernel(load, { modulePath: [dir], bundledPath: [], destdir: join(dir, `out${n}`) });
      images.set(n, r.imagePath!);
    }
    await bootOnce(images.get(5)!, dir);
    for (const n of sizes) {
      const runs: number[] = [];
      for (let rep = 0; rep < 3; rep++) {
        const b = await bootOnce(images.get(n)!, dir);
        if (b.modules !== n) throw new Error(`booted ${b.modules} modules of ${n}:\n${b.log}`);
        runs.push(b.ms);
      }
      const ms = median(runs);
      perModule.push(ms / n);
      console.log(`boot, ${String(n).padStart(3)} static modules: ${ms.toFixed(1)} ms (${(ms / n).toFixed(2)} ms per module)${n === 100 ? (ms < 1000 ? "; under 1 s" : "; OVER the 1 s target") : ""}`);
    }
    console.log(`boot linearity: per-module time at 100 / at 25 = ${(perModule[2]! / perModule[0]!).toFixed(2)} (1.0 = linear)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
