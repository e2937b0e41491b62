/**
 * Benchmark §8a (issue 3): loading a large generated module.
 *
 * Generates a C module of about 2,000 functions (~100 KB of code, ~2,000
 * relocations), compiles it once with clang, then measures:
 *   ours      readObject + layoutData + linkObject (relocate, emit, compile,
 *             instantiate, copy data) + runInitFunctions, at a new data base
 *             every iteration (so V8's cache of compiled bytes never hits);
 *   engine    `new WebAssembly.Module` + `new WebAssembly.Instance` of final
 *             bytes alone, each made unique the same way;
 * and prints the ratio of medians (target <= 2).  Exports `run()` for the
 * bench runner; `node dist/bench/linker.bench.js` runs it alone.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findClang } from "../src/build/cc.js";
import { layoutData } from "../src/wasmobj/layout.js";
import { linkObject } from "../src/kern/linker/link_object.js";
import type { LinkEnv } from "../src/wasmobj/object_types.js";
import { readObject } from "../src/wasmobj/wasm_object.js";
import { WasmWriter } from "../src/wasmobj/wasm_writer.js";
import { median } from "./bench_support.js";

export const FUNCTIONS = 2000;

/** The generated module: each function reads one global (one MEMORY_ADDR_LEB). */
export function generateSource(n = FUNCTIONS): string {
  const lines = ["int g[256];", "int init_ran;", "__attribute__((constructor)) static void ctor(void) { init_ran = 1; g[0] = 7; }"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `int f${i}(int x, int y) { int r = x * ${i + 3} + y; r ^= r >> ${(i % 7) + 1}; r += g[${i % 256}]; return r * (y | ${(i % 5) + 1}) - (x >> ${(i % 3) + 1}); }`,
    );
  }
  return lines.join("\n") + "\n";
}

export interface LinkerBenchResult {
  readonly objectBytes: number;
  readonly codeBytes: number;
  readonly functions: number;
  readonly relocations: number;
  readonly oursMs: number;
  /** Our JS alone: read, resolve, relocate, emit, copy data, publish (ours minus V8). */
  readonly jsMs: number;
  readonly engineMs: number;
  readonly ratio: number;
}

export async function run(iterations = 40): Promise<LinkerBenchResult | undefined> {
  const cc = findClang();
  if (!cc) {
    console.log("linker bench: skipped (no clang found; install clang-16: apt-get install clang-16)");
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "kld-bench-"));
  let bytes: Uint8Array;
  try {
    writeFileSync(join(dir, "big.c"), generateSource());
    execFileSync(cc, ["--target=wasm32", "-O2", "-ffreestanding", "-nostdlib", "-fno-builtin", "-c", join(dir, "big.c"), "-o", join(dir, "big.o")]);
    bytes = new Uint8Array(readFileSync(join(dir, "big.o")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const probe = readObject(bytes, "big.o");
  const codeBytes = probe.codeSection ? probe.codeSection.end - probe.codeSection.start : 0;
  const relocations = probe.codeRelocations.length + probe.dataRelocations.length;

  const memory = new WebAssembly.Memory({ initial: 1024 });
  const table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  const stackPointer = new WebAssembly.Global({ value: "i32", mutable: true }, 0x10000);
  const free: number[] = [];
  const env = (base: number): LinkEnv => ({
    dataBase: base,
    memory,
    table,
    stackPointer,
    resolve: () => undefined,
    tableSlotFor: () => 0,
    allocTableSlot: () => {
      const s = free.pop();
      if (s !== undefined) return s;
      table.grow(1);
      return table.length - 1;
    },
    freeTableSlot: (s) => {
      table.set(s, null);
      free.push(s);
    },
  });

  const ours: number[] = [];
  const js: number[] = [];
  const inner: number[] = [];
  const engine: number[] = [];
  let base = 0x100000;
  let previous: Uint8Array | undefined;
  /** The engine alone on final bytes made unique by a trailing custom section. */
  const engineOnce = (finalBytes: Uint8Array, i: number): number => {
    const unique = new WasmWriter(finalBytes.length + 32).bytes(finalBytes).custom("bench", new Uint8Array([i & 0xff, i >> 8])).finish();
    const imports: Record<string, WebAssembly.ImportValue> = {};
    const t0 = performance.now();
    const mod = new WebAssembly.Module(unique);
    for (const im of WebAssembly.Module.imports(mod)) {
      imports[im.name] = im.kind === "memory" ? memory : im.kind === "table" ? table : stackPointer;
    }
    new WebAssembly.Instance(mod, { k: imports });
    return performance.now() - t0;
  };
  for (let i = 0; i < iterations + 3; i++) {
    base += 0x1000; // a new address: new code bytes, no V8 cache hit
    // Alternate which runs first, so neither pays for the other's garbage.
    const engineFirst = previous !== undefined && i % 2 === 1;
    const e0 = engineFirst ? engineOnce(previous!, i) : 0;
    const t0 = performance.now();
    const obj = readObject(bytes, "big.o");
    layoutData(obj);
    const timings = { compileMs: 0, instantiateMs: 0 };
    const linked = linkObject(obj, env(base), timings);
    linked.runInitFunctions();
    const t1 = performance.now();
    const e1 = engineFirst ? e0 : engineOnce(linked.moduleBytes, i);
    previous = linked.moduleBytes;
    for (const s of linked.tableSlots) env(0).freeTableSlot(s);
    if (i >= 3) {
      ours.push(t1 - t0);
      js.push(t1 - t0 - timings.compileMs - timings.instantiateMs);
      inner.push(timings.compileMs + timings.instantiateMs);
      engine.push(e1);
    }
  }
  const result: LinkerBenchResult = {
    objectBytes: bytes.length,
    codeBytes,
    functions: probe.functions.length,
    relocations,
    oursMs: median(ours),
    jsMs: median(js),
    engineMs: median(engine),
    ratio: median(ours) / median(engine),
  };
  console.log(
    `linker bench: ${result.functions} functions, ${(result.codeBytes / 1024).toFixed(0)} KB code, ` +
      `${result.relocations} relocations (${(result.objectBytes / 1024).toFixed(0)} KB object)`,
  );
  console.log(
    `  load (read+relocate+emit+compile+instantiate+init): ${result.oursMs.toFixed(2)} ms median; ` +
      `of which our JS ${result.jsMs.toFixed(2)} ms, V8 ${median(inner).toFixed(2)} ms; engine alone (Module+Instance): ${result.engineMs.toFixed(2)} ms; ` +
      `ratio ${result.ratio.toFixed(2)} (target <= 2)`,
  );
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void run();
