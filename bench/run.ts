/**
 * `npm run bench`: runs every bench/*.bench.ts module (compiled to
 * dist/bench/*.bench.js) in turn, alphabetically, each through its exported
 * `async run()`.  Each module prints its own figures, as ratios against a
 * baseline it measures in the same run, so results from a loaded machine
 * still compare.  A module that throws is reported and the others still run.
 * Arguments select modules by name: `npm run bench -- rpc isa`.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface BenchModule {
  run(): Promise<void> | void;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.js"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.js$/, "")))
  .sort();

let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.js$/, "");
  process.stdout.write(`== ${name}\n`);
  try {
    const mod = (await import(new URL(file, import.meta.url).href)) as Partial<BenchModule>;
    if (typeof mod.run !== "function") throw new Error(`${file} exports no run()`);
    await mod.run();
  } catch (e) {
    failed++;
    process.stdout.write(`bench ${name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
if (files.length === 0) process.stdout.write("no benchmarks found\n");
process.exitCode = failed > 0 ? 1 : 0;
