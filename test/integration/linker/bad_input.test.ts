// Issue 3 §7: every kind of bad input, through the real daemon.  Each load
// must be refused with the right errno and a detail naming what is wrong,
// the same text must reach the message buffer, the daemon must stay
// healthy, and nothing half-loaded may remain (file list and refs, kernel
// map, function table, malloc types are compared with the state before).
import { readFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient } from "../../../src/rpc/client.js";
import { RpcError } from "../../../src/rpc/rpc_error.js";
import { sectionBoundaries, tinyObject } from "../../fixtures/objects/tiny_object.js";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../../support/clang.js";
import { ROOT } from "../../support/bin.js";
import { startDaemon, type Daemon } from "../kld_daemon.js";

let d: Daemon;
let client: KernelClient;
let baseline: unknown;
let n = 0;

async function fingerprint(): Promise<unknown> {
  const stat = await client.call("kernel.stat", {});
  // The table itself may have grown (like a kernel map, it never shrinks);
  // the slots in use must come back.
  const { tableSize: _grown, ...vm } = await client.call("kld.vm", {});
  const malloc = await client.call("kld.malloc", {});
  return { stat, vm, malloc };
}

/** Write `bytes` to a fresh file and load it through the daemon; returns errno and detail. */
async function refuse(bytes: Uint8Array | string, name = `bad${n++}.ko`): Promise<{ errno: string; detail: string; path: string }> {
  const path = join(d.dir, name);
  writeFileSync(path, bytes);
  return refusePath(path);
}

async function refusePath(path: string): Promise<{ errno: string; detail: string; path: string }> {
  try {
    await client.call("kld.load", { file: path });
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    const ke = e.kernelError();
    if (!ke) throw e;
    expect(await fingerprint()).toEqual(baseline);
    const dm = (await client.call("kernel.dmesg", {})).text;
    expect(dm).toContain(`kld: can't load ${path}: ${ke.info.text}\n${ke.detail ?? ""}`);
    return { errno: ke.info.name, detail: ke.detail ?? "", path };
  }
  throw new Error(`${path} loaded, but it should have been refused`);
}

beforeAll(async () => {
  d = await startDaemon("kldbad");
  client = await KernelClient.connect(d.env["KLD_SOCKET"]!);
  baseline = await fingerprint();
});
afterAll(async () => {
  client.close();
  await d.stop();
});

describe("malformed objects are refused by the daemon", () => {
  it("an empty file, through the CLI: FreeBSD wording on stderr and in dmesg", async () => {
    const path = join(d.dir, "empty.ko");
    writeFileSync(path, "");
    const r = await d.kld("load", path);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kld: can't load ${path}: Exec format error\nkld: linker_load_file: empty file\n`);
    expect(await fingerprint()).toEqual(baseline);
  });

  it("a file that is not wasm", async () => {
    expect(await refuse("#!/bin/sh\necho not a module\n")).toMatchObject({ errno: "ENOEXEC", detail: "linker_load_file: Unsupported file type" });
    const elf = new Uint8Array(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 9]);
    expect((await refuse(elf)).detail).toBe("linker_load_file: Unsupported file type");
  });

  it("a directory, a device and a missing file", async () => {
    expect(await refusePath(d.dir)).toMatchObject({ errno: "EFTYPE", detail: `${d.dir} is not a regular file` });
    expect(await refusePath("/dev/null")).toMatchObject({ errno: "EFTYPE", detail: "/dev/null is not a regular file" });
    const missing = join(d.dir, "missing.ko");
    expect(await refusePath(missing)).toMatchObject({ errno: "ENOENT", detail: `${missing}: no such file` });
  });

  it("wasm that is not relocatable (no linking section)", async () => {
    const r = await refuse(tinyObject({ omitLinking: true }));
    expect(r.errno).toBe("ENOEXEC");
    expect(r.detail).toMatch(/linking/);
    const bare = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect((await refuse(bare)).detail).toMatch(/linking/);
  });

  it("linking section versions we do not know", async () => {
    for (const v of [1, 3]) {
      const r = await refuse(tinyObject({ linkingVersion: v }));
      expect(r.errno).toBe("ENOEXEC");
      expect(r.detail).toContain(`version ${v}`);
    }
  });

  it("truncation at every section boundary, and mid-section", async () => {
    const good = tinyObject();
    const cuts = sectionBoundaries(good).slice(0, -1);
    for (const cut of [...cuts, ...cuts.map((c) => c + 1), good.length - 1]) {
      const r = await refuse(good.slice(0, cut));
      // A cut right before an optional trailing section leaves a valid
      // object, which then fails only on its unresolved kputs.
      if (r.errno === "ENOENT") expect(r.detail).toBe("symbol kputs undefined");
      else expect(["ENOEXEC", "EFTYPE"]).toContain(r.errno);
      expect(r.detail).not.toBe("");
    }
  });

  it("out-of-range symbol, type, function and segment indices", async () => {
    const r1 = await refuse(tinyObject({ dataRelocs: [{ type: 5, offset: 22, index: 99, addend: 0 }] }));
    expect(r1).toMatchObject({ errno: "ENOEXEC" });
    expect(r1.detail).toMatch(/99/);
    expect((await refuse(tinyObject({ funcTypeIndex: 9 }))).detail).toMatch(/type/);
    expect((await refuse(tinyObject({ symbols: [{ kind: 0, flags: 0x4, index: 9, name: "f" }] }))).detail).toMatch(/func 9/);
    expect(
      (await refuse(tinyObject({ symbols: [{ kind: 1, flags: 0x4, index: 9, name: "ptr", offset: 0, size: 4 }] }))).detail,
    ).toMatch(/segment/);
  });

  it("a relocation offset past its section", async () => {
    const r = await refuse(tinyObject({ codeRelocs: [{ type: 0, offset: 999, index: 1 }] }));
    expect(r.errno).toBe("ENOEXEC");
    expect(r.detail).toMatch(/past the end|outside|beyond/);
  });

  it("overlapping or oversized segments, and an unknown relocation type", async () => {
    const overlap = tinyObject({
      segments: [
        { name: ".data.a", p2align: 0, flags: 0, offset: 0, bytes: [1, 2, 3, 4] },
        { name: ".data.b", p2align: 0, flags: 0, offset: 2, bytes: [5, 6, 7, 8] },
        { name: ".data.ptr", p2align: 2, flags: 0, offset: 8, bytes: [0, 0, 0, 0] },
      ],
    });
    expect((await refuse(overlap)).detail).toMatch(/overlap/);
    const big = tinyObject({ memoryLimits: [0x00, 0] });
    const rb = await refuse(big);
    expect(rb.errno).toBe("ENOEXEC");
    const unk = await refuse(tinyObject({ codeRelocs: [{ type: 57, offset: 4, index: 2 }] }));
    expect(unk.detail).toMatch(/57/);
  });

  it("a section that declares a size far beyond the file", async () => {
    const good = tinyObject();
    const lie = new Uint8Array([...good, 0x00, 0x80, 0x80, 0x80, 0x08, 4, 0x6a, 0x75, 0x6e, 0x6b]);
    const r = await refuse(lie);
    expect(["ENOEXEC", "EFTYPE"]).toContain(r.errno);
    expect(r.detail).toMatch(/declares \d+ bytes|beyond|past|truncated/);
  });

  it("an unresolved symbol (tiny object's kputs)", async () => {
    expect(await refuse(tinyObject())).toMatchObject({ errno: "ENOENT", detail: "symbol kputs undefined" });
  });
});

describe.skipIf(!CLANG)(`bad modules built from C (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  const build = (name: string, src: string) => buildModule(d.dir, name, src);

  it("a data relocation against an undefined symbol with no definition", async () => {
    const p = build("nodata", skeleton("nodata", { body: "extern int nodata_value;", onLoad: 'printf("%d\\n", nodata_value);' }));
    expect(await refusePath(p)).toMatchObject({ errno: "ENOENT", detail: "symbol nodata_value undefined" });
  });

  it("an unresolved function", async () => {
    const p = build("nofunc", skeleton("nofunc", { body: "void nowhere(void);", onLoad: "nowhere();" }));
    expect(await refusePath(p)).toMatchObject({ errno: "ENOENT", detail: "symbol nowhere undefined" });
  });

  it("an unresolved symbol in a dependency names the dependency's file", async () => {
    build("dep_broken", skeleton("dep_broken", { version: 1, body: "void nowhere2(void);", onLoad: "nowhere2();" }));
    const p = build("needs_broken", skeleton("needs_broken", { deps: "MODULE_DEPEND(needs_broken, dep_broken, 1, 1, 1);" }));
    expect(await refusePath(p)).toMatchObject({ errno: "ENOENT", detail: "dep_broken.ko: symbol nowhere2 undefined" });
  });

  it("two modules with the same name", async () => {
    const first = build("twin", skeleton("twin"));
    await client.call("kld.load", { file: first });
    const before = baseline;
    baseline = await fingerprint();
    const p = build("twin2", skeleton("twin2").replace('"twin2"', '"twin"'));
    expect(await refusePath(p)).toMatchObject({ errno: "EEXIST", detail: "module twin already loaded from twin.ko" });
    await client.call("kld.unload", { file: "twin.ko" });
    baseline = before;
    expect(await fingerprint()).toEqual(baseline);
  });

  it("a dependency cycle, a version mismatch, a missing dependency", async () => {
    build("cyc_b", skeleton("cyc_b", { version: 1, deps: "MODULE_DEPEND(cyc_b, cyc_a, 1, 1, 1);" }));
    const a = build("cyc_a", skeleton("cyc_a", { version: 1, deps: "MODULE_DEPEND(cyc_a, cyc_b, 1, 1, 1);" }));
    expect(await refusePath(a)).toMatchObject({ errno: "EDEADLK", detail: "dependency cycle: cyc_a -> cyc_b -> cyc_a" });
    build("old_lib", skeleton("old_lib", { version: 1 }));
    const v = build("wants_new", skeleton("wants_new", { deps: "MODULE_DEPEND(wants_new, old_lib, 2, 3, 4);" }));
    const rv = await refusePath(v);
    expect(rv.errno).toBe("ENOENT");
    expect(rv.detail).toBe("depends on old_lib version 3 (accepts 2..4), but old_lib.ko provides version 1");
    const m = build("orphan", skeleton("orphan", { deps: "MODULE_DEPEND(orphan, no_such_lib, 1, 1, 1);" }));
    expect(await refusePath(m)).toMatchObject({ errno: "ENOENT", detail: "depends on no_such_lib - not available or version mismatch" });
  });

  it("a MOD_LOAD that returns an error", async () => {
    const p = build("refuser", skeleton("refuser", { onLoad: "return (EINVAL);" }));
    expect(await refusePath(p)).toMatchObject({
      errno: "ENOEXEC",
      detail: "MOD_LOAD of module refuser failed: Invalid argument (error 22)",
    });
  });

  it("a module that traps in MOD_LOAD: the trap and a backtrace in dmesg", async () => {
    const p = buildModule(d.dir, "crasher", skeleton("crasher", {
      body: "__attribute__((noinline)) static void crash_here(int x) { if (x) __builtin_trap(); }",
      onLoad: "crash_here(1);",
    }), "-O0");
    const r = await d.kld("load", p);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^kld: can't load ${p}: Exec format error\\nkld: trap in crasher\\.ko:crasher_loader\\(MOD_LOAD\\): unreachable`));
    const dm = (await client.call("kernel.dmesg", {})).text;
    expect(dm).toMatch(/kern_linker: crasher\.ko: trap in crasher\.ko:crasher_loader\(MOD_LOAD\): unreachable[^\n]*\nbacktrace:\n  #0 crash_here\n  #1 crasher_loader\n/);
    expect(await fingerprint()).toEqual(baseline);
    const oob = build("wild", skeleton("wild", { onLoad: "*(volatile int *)0x7ffffff0 = 1;" }));
    const ro = await refusePath(oob);
    expect(ro.errno).toBe("EFAULT");
    expect(ro.detail).toMatch(/memory access out of bounds/);
  });

  it("the daemon is still healthy", async () => {
    const p = build("healthy", skeleton("healthy"));
    const r = await client.call("kld.load", { file: p });
    expect(r.name).toBe("healthy.ko");
    await client.call("kld.unload", { id: r.id });
    expect(await fingerprint()).toEqual(baseline);
  });
});

describe("random mutations of a valid module through the daemon", () => {
  it("each is loaded (then unloaded) or refused, and the kernel stays consistent", async () => {
    const good = new Uint8Array(readFileSync(join(ROOT, "src", "sys", "modules", "hello", "hello.ko")));
    // Leave function bodies alone: a mutated instruction may loop forever,
    // which is the watchdog's test, not this one.
    const b = sectionBoundaries(good);
    let cs = 0;
    let ce = 0;
    for (let i = 0; i + 1 < b.length; i++) if (good[b[i]!] === 10) [cs, ce] = [b[i]!, b[i + 1]!];
    const outcomes = { loaded: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        async (edits) => {
          const bytes = good.slice();
          for (const [at, v] of edits) if (at < cs || at >= ce) bytes[at] = v;
          const path = join(d.dir, "mutant.ko");
          writeFileSync(path, bytes);
          try {
            const r = await client.call("kld.load", { file: path });
            outcomes.loaded++;
            await client.call("kld.unload", { id: r.id, force: true });
          } catch (e) {
            if (!(e instanceof RpcError) || !e.kernelError()) throw e;
            outcomes.refused++;
          }
          expect(await fingerprint()).toEqual(baseline);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
    expect(outcomes.loaded + outcomes.refused).toBe(40);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
