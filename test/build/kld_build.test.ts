import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { clangVersion, findClang, requireClang } from "../../src/build/cc.js";
import { buildModule, defaultOutput } from "../../src/build/kld_build.js";
import { BUNDLED_CLANG_MAJOR, fixtureModulesDir, modulesDir, rebuildModules } from "../../src/build/rebuild_modules.js";
import { readObject } from "../../src/wasmobj/wasm_object.js";
import { CLANG, NO_CLANG_REASON } from "../support/clang.js";
import { BareKernel } from "../support/bare_kernel.js";
import { scratchDir } from "../support/scratch.js";

const work = mkdtempSync(join(scratchDir("kld-build"), "work-"));

describe("finding clang", () => {
  test("without any clang, the error says what to install", () => {
    expect(findClang({ PATH: "/nonexistent" })).toBeUndefined();
    expect(() => requireClang({ PATH: "/nonexistent" })).toThrow(
      expect.objectContaining({
        detail: "no C compiler found (tried clang, clang-16, clang-15, clang-14 on PATH); install clang, e.g. apt-get install clang-16, or set KLD_CC",
      }),
    );
  });

  test("the first candidate on PATH wins, and KLD_CC overrides", () => {
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    for (const n of ["clang-15", "clang-14", "mycc"]) {
      writeFileSync(join(bin, n), "#!/bin/sh\n");
      chmodSync(join(bin, n), 0o755);
    }
    expect(findClang({ PATH: bin })).toBe(join(bin, "clang-15"));
    expect(findClang({ PATH: bin, KLD_CC: "mycc" })).toBe(join(bin, "mycc"));
    expect(() => requireClang({ PATH: bin, KLD_CC: "nosuchcc" })).toThrow(
      expect.objectContaining({ subject: "nosuchcc", detail: "KLD_CC names a compiler that is not an executable file" }),
    );
  });

  test("the default output is the first source's name with .ko", () => {
    expect(defaultOutput(["dir/foo.c", "bar.c"])).toBe("foo.ko");
  });
});

describe.skipIf(!CLANG)(`kld build (clang: ${CLANG ?? NO_CLANG_REASON})`, () => {
  test("two sources with -D become one loadable .ko", () => {
    writeFileSync(join(work, "a.c"), "int b_value(void); int a_value(void) { return b_value() + VALUE; }\n");
    writeFileSync(join(work, "b.c"), "int b_value(void) { return 100; }\n");
    const out = join(work, "ab.ko");
    const r = buildModule({ sources: [join(work, "a.c"), join(work, "b.c")], output: out, defines: ["VALUE=5"] });
    expect(r.objects).toEqual(["a.o", "b.o"]);
    const obj = readObject(new Uint8Array(readFileSync(out)), "ab.ko");
    expect(obj.imports.filter((i) => i.kind === "func")).toEqual([]);
    const k = new BareKernel();
    expect(k.call(k.load(obj), "a_value")).toBe(105);
  });

  test("a compile error is ENOEXEC with clang's diagnostics", () => {
    writeFileSync(join(work, "bad.c"), "int f(void) { return undeclared_thing; }\n");
    let err: { info?: { name: string }; detail?: string } = {};
    try {
      buildModule({ sources: [join(work, "bad.c")], output: join(work, "bad.ko") });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.info?.name).toBe("ENOEXEC");
    expect(err.detail).toMatch(/^compilation failed:\n.*undeclared_thing/s);
    expect(existsSync(join(work, "bad.ko"))).toBe(false);
  });

  test("the kld build subcommand builds with -o, -I, -D and -O", async () => {
    const { buildKld } = await import("../../src/cli/kld.js");
    mkdirSync(join(work, "inc"), { recursive: true });
    writeFileSync(join(work, "inc", "val.h"), "#define BASE 40\n");
    writeFileSync(join(work, "cli.c"), '#include "val.h"\nint cli_value(void) { return BASE + EXTRA; }\n');
    const out = join(work, "cli.ko");
    const argv = ["build", "-o", out, "-I", join(work, "inc"), "-D", "EXTRA=2", "-O", "0", join(work, "cli.c")];
    await (await buildKld(argv)).parseAsync(argv, { from: "user" });
    const k = new BareKernel();
    expect(k.call(k.load(readObject(new Uint8Array(readFileSync(out)), "cli.ko")), "cli_value")).toBe(42);
  });

  test("a missing source is ENOENT", () => {
    expect(() => buildModule({ sources: [join(work, "nope.c")] })).toThrow(
      expect.objectContaining({ detail: "source file not found" }),
    );
  });

  const major = CLANG ? Number(/clang version (\d+)/.exec(clangVersion(CLANG))?.[1]) : Number.NaN;
  test.skipIf(major !== BUNDLED_CLANG_MAJOR)(
    `the bundled modules rebuild to exactly the committed bytes (needs clang ${BUNDLED_CLANG_MAJOR}, which built them; other versions emit different code)`,
    () => {
      for (const dir of [modulesDir(), fixtureModulesDir()]) {
        const names = readdirSync(dir).filter((n) => existsSync(join(dir, n, `${n}.ko`)));
        expect(names.length).toBeGreaterThan(0);
        // Rebuild into a copy so the committed files are not touched; the
        // headers go along, since relative includes ("kdep_lib.h") resolve
        // next to each source.
        const copy = mkdtempSync(join(work, "modules-"));
        for (const n of names) {
          mkdirSync(join(copy, n), { recursive: true });
          for (const f of readdirSync(join(dir, n)).filter((f) => f.endsWith(".c") || f.endsWith(".h"))) {
            writeFileSync(join(copy, n, f), readFileSync(join(dir, n, f)));
          }
        }
        for (const m of rebuildModules(copy)) {
          const committed = readFileSync(join(dir, m.name, `${m.name}.ko`));
          expect(Buffer.from(readFileSync(m.output)).equals(committed), `${m.name}.ko differs: run npm run build-modules`).toBe(true);
        }
      }
    },
  );
});

describe("bundled modules", () => {
  test("every committed .ko is a valid relocatable object", () => {
    for (const dir of [modulesDir(), fixtureModulesDir()]) {
      for (const n of readdirSync(dir)) {
        const ko = join(dir, n, `${n}.ko`);
        if (!existsSync(ko)) continue;
        const obj = readObject(new Uint8Array(readFileSync(ko)), `${n}.ko`);
        expect(obj.dataSegments.some((s) => s.name === "set_modmetadata_set")).toBe(true);
      }
    }
  });
});
