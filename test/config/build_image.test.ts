import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModule } from "../../src/build/kld_build.js";
import { BuildError, MissingModulesError, buildKernel } from "../../src/config/build_image.js";
import { ConfigError } from "../../src/config/diagnostics.js";
import { readImageFile } from "../../src/image/image.js";
import { loadConfig } from "../../src/config/load_config.js";
import { readObject } from "../../src/wasmobj/wasm_object.js";
import { CLANG, NO_CLANG_REASON } from "../support/clang.js";
import { expectKernelError, kernelErrorOf } from "../support/kernel_error.js";
import { parse } from "./parse_text.js";

const SKIP = CLANG === undefined ? NO_CLANG_REASON : "";

/** Test modules: NAME -> C body after the includes. */
const MODULES: Record<string, string> = {
  a: "int a_value = 7;\nint a_get(void) { return a_value; }\nMODULE_VERSION(a, 1);\n",
  b: "extern int a_get(void);\nint b_get(void) { return a_get() + 1; }\nMODULE_VERSION(b, 1);\nMODULE_DEPEND(b, a, 1, 1, 1);\n",
  c: "MODULE_VERSION(c, 1);\nMODULE_DEPEND(c, a, 2, 2, 3);\n",
  d: "MODULE_VERSION(d, 1);\nMODULE_DEPEND(d, nothere, 1, 1, 1);\n",
  x: "MODULE_VERSION(x, 1);\nMODULE_DEPEND(x, y, 1, 1, 1);\n",
  y: "MODULE_VERSION(y, 1);\nMODULE_DEPEND(y, x, 1, 1, 1);\n",
  k: "MODULE_VERSION(k, 1);\nMODULE_DEPEND(k, kernel, 900000, 900000, 999999);\n",
  u: "extern int no_such_function(int);\nextern int no_such_data;\nextern int maybe(void) __attribute__((weak));\n" +
    "int u_get(void) { return no_such_function(no_such_data) + (maybe ? maybe() : 0) + printf(\"u\\n\"); }\nMODULE_VERSION(u, 1);\n",
};

let work = "";
let modDir = "";

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "kconfig-build-"));
  modDir = path.join(work, "modules");
  fs.mkdirSync(modDir);
  if (SKIP) return;
  for (const [name, body] of Object.entries(MODULES)) {
    const src = path.join(work, `${name}.c`);
    fs.writeFileSync(src, `#include <sys/param.h>\n#include <sys/systm.h>\n#include <sys/module.h>\n${body}`);
    buildModule({ sources: [src], output: path.join(modDir, `${name}.ko`), cc: CLANG! });
  }
  fs.writeFileSync(path.join(modDir, "broken.ko"), "not an object");
}, 60_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const opts = () => ({ modulePath: [modDir], bundledPath: [] as string[] });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe.skipIf(SKIP)(`building a kernel image${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  it("links the static modules, dependencies first, and writes DESTDIR/kernel", () => {
    const dest = path.join(work, "out1");
    const r = buildKernel(parse("ident T\nmaxusers 8\noptions INCLUDE_CONFIG_FILE, HZ=250\nmodule b\nmodule a\n"), { ...opts(), destdir: dest });
    expect(r.imagePath).toBe(path.join(dest, "kernel"));
    const img = readImageFile(r.imagePath!);
    expect(img.modules.map((m) => m.name)).toEqual(["a", "b"]);
    expect(img.ident).toBe("T");
    expect(img.maxusers).toBe(8);
    expect(img.options).toEqual([{ name: "INCLUDE_CONFIG_FILE" }, { name: "HZ", value: "250" }]);
    expect(img.configText).toContain("module b");
    // the kernel object is one relocatable object defining both modules' symbols
    const obj = readObject(img.object, "kernel");
    const defined = obj.symbols.filter((s) => !s.undefined).map((s) => s.name);
    expect(defined).toEqual(expect.arrayContaining(["a_get", "b_get", "a_value"]));
    expect(obj.symbols.find((s) => s.name === "a_get")?.undefined).toBe(false);
  });

  it("-n checks everything and writes nothing", () => {
    const dest = path.join(work, "out-n");
    const r = buildKernel(parse("ident T\nmodule a\n"), { ...opts(), destdir: dest, dryRun: true });
    expect(r.imagePath).toBeUndefined();
    expect(fs.existsSync(dest)).toBe(false);
  });

  it("writes compile/IDENT/kernel by default", () => {
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const r = buildKernel(parse("ident DEF\nmodule a\n"), opts());
      expect(r.imagePath).toBe(path.join("compile", "DEF", "kernel"));
      expect(readImageFile(path.join(work, "compile", "DEF", "kernel")).ident).toBe("DEF");
    } finally {
      process.chdir(cwd);
    }
  });

  it("lists every missing module in one error, naming the lines", () => {
    const e = thrown(() => buildKernel(parse("ident T\ncontroller isa0\ndevice sio0 at isa?\ndevice sio1 at isa?\npseudo-device pty 4\nmodule a\nmodule nosuch\n"), opts()));
    expect(e).toBeInstanceOf(MissingModulesError);
    expect((e as MissingModulesError).missing).toEqual([
      { module: "sio", wantedBy: ["device sio0 (GENERIC:3)", "device sio1 (GENERIC:4)"] },
      { module: "pty", wantedBy: ["pseudo-device pty (GENERIC:5)"] },
      { module: "nosuch", wantedBy: ["module nosuch (GENERIC:7)"] },
    ]);
  });

  it("reports resource overlaps in the same run as missing modules (--check-resources)", () => {
    const e = thrown(() =>
      buildKernel(parse("ident T\ndevice sio0 at isa? port 0x3f8 irq 4\ndevice sio1 at isa? port 0x3f8 irq 3\n"), { ...opts(), checkResources: true }),
    ) as MissingModulesError;
    expect(e).toBeInstanceOf(MissingModulesError);
    expect(e.missing.map((m) => m.module)).toEqual(["sio"]);
    expect(e.conflicts).toEqual([expect.stringMatching(/^sio1: ports 0x3f8-0x3ff overlap sio0's/)]);
  });

  it("--allow-missing builds without them and warns", () => {
    const r = buildKernel(parse("ident T\ndevice sio0 at isa? port IO_COM1 irq 4\nmodule a\n"), { ...opts(), allowMissing: true, dryRun: true });
    expect(r.warnings).toEqual(["no module sio.ko for device sio0 (GENERIC:2): building without it"]);
    expect(r.image.modules.map((m) => m.name)).toEqual(["a"]);
    expect(r.image.devices).toMatchObject([{ driver: "sio", unit: 0, port: 0x3f8, portName: "IO_COM1", irq: 4, module: "" }]);
  });

  it("checks MODULE_DEPEND: missing dependency, version range, kernel version", () => {
    const e = thrown(() => buildKernel(parse("ident T\nmodule a, c, d, k\n"), opts())) as BuildError;
    expect(e).toBeInstanceOf(BuildError);
    expect(e.problems).toEqual([
      "c depends on a version 2-3, but a provides version 1",
      "d depends on nothere, which no static module provides (add 'module nothere')",
      "k depends on kernel version 900000-999999, but the kernel is version 803000",
    ]);
  });

  it("names a dependency cycle among static modules", () => {
    const e = thrown(() => buildKernel(parse("ident T\nmodule x\nmodule y\n"), opts())) as BuildError;
    expect(e.problems).toEqual(["dependency cycle among static modules: x -> y -> x"]);
  });

  it("refuses a static module whose symbols neither the kernel nor another static module define", () => {
    const e = thrown(() => buildKernel(parse("ident T\nmodule a, b, u\n"), opts())) as BuildError;
    expect(e).toBeInstanceOf(BuildError);
    expect(e.info.name).toBe("ENOENT");
    // b's a_get comes from a, printf from the kernel, the weak maybe may stay undefined.
    expect([...e.problems].sort()).toEqual([
      `${path.join(modDir, "u.ko")}: symbol no_such_data undefined`,
      `${path.join(modDir, "u.ko")}: symbol no_such_function undefined`,
    ]);
  });

  it("refuses a module object that is not valid", () => {
    const e = thrown(() => buildKernel(parse("ident T\nmodule broken\n"), opts())) as BuildError;
    expect(e).toBeInstanceOf(BuildError);
    expect(e.problems[0]).toMatch(/broken\.ko: /);
  });

  it("refuses a DESTDIR that is not writable or not a directory", () => {
    const e = kernelErrorOf(() => buildKernel(parse("ident T\nmodule a\n"), { ...opts(), destdir: "/sys/kernel/kldsim" }));
    expect(["EACCES", "EPERM", "EROFS", "ENOENT"]).toContain(e?.info.name);
    const file = path.join(work, "afile");
    fs.writeFileSync(file, "");
    expectKernelError(() => buildKernel(parse("ident T\n"), { ...opts(), destdir: file }), "ENOTDIR", `${file} isn't a directory`);
  });
});

describe("configuration checks before building", () => {
  it("refuses a configuration with errors, carrying every diagnostic", () => {
    const e = thrown(() => buildKernel(parse("ident T\nirq 4\nmaxusers x\n"), { bundledPath: [] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).diagnostics).toHaveLength(2);
  });

  it("needs an ident line", () => {
    const e = thrown(() => buildKernel(parse("maxusers 4\n"), { bundledPath: [] })) as BuildError;
    expect(e.problems).toEqual(["no ident line specified"]);
  });

  const build = (text: string, checkResources = true) =>
    buildKernel(parse(`ident T\ncontroller isa0\n${text}`), { bundledPath: [], allowMissing: true, dryRun: true, checkResources });

  it("warns about overlapping resources by default, as config(8) never refused them (issue 14)", () => {
    const r = build("device sio0 at isa? port IO_COM1 irq 4\ndevice sio1 at isa? port IO_COM1 irq 4\n", false);
    expect(r.warnings).toContain("resources overlap: sio1: ports 0x3f8-0x3ff overlap sio0's 0x3f8-0x3ff (add 'conflicts' to allow it); config(8) builds such a kernel, and which device gets them is settled when they probe");
    expect(r.image.devices.map((d) => `${d.driver}${d.unit}`)).toEqual(["sio0", "sio1"]);
  });

  it("--check-resources finds overlapping ports, irqs, drqs and iomem between enabled devices", () => {
    const e = thrown(() => build([
      "device sio0 at isa? port IO_COM1 irq 4",
      "device sio1 at isa? port 0x3fc irq 4",
      "device ed0 at isa? port 0x280 irq 10 iomem 0xd8000",
      "device ed1 at isa? port 0x290 irq 11 iomem 0xdb000",
      "device sbc0 at isa? port 0x220 irq 5 drq 1",
      "device sbc1 at isa? port 0x240 irq 7 drq 1",
    ].join("\n"))) as BuildError;
    expect(e.info.name).toBe("EBUSY");
    expect(e.problems).toEqual([
      "sio1: ports 0x3fc-0x403 overlap sio0's 0x3f8-0x3ff (add 'conflicts' to allow it)",
      "sio1: irq 4 is already used by sio0 (add 'conflicts' to allow it)",
      "ed1: ports 0x290-0x2af overlap ed0's 0x280-0x29f (add 'conflicts' to allow it)",
      "ed1: iomem 0xdb000-0xdefff overlaps ed0's 0xd8000-0xdbfff (add 'conflicts' to allow it)",
      "sbc1: drq 1 is already used by sbc0 (add 'conflicts' to allow it)",
    ]);
  });

  it("honours conflicts, disable and ALLOW_CONFLICT_* options", () => {
    expect(() => build("device psm0 at isa? port IO_KBD irq 12\ndevice sc0 at isa? port IO_KBD conflicts irq 12\n")).not.toThrow();
    expect(() => build("device sio0 at isa? port IO_COM1 irq 4\ndevice sio2 at isa? disable port IO_COM1 irq 4\n")).not.toThrow();
    expect(() => build("options ALLOW_CONFLICT_IRQ\ndevice sio0 at isa? port IO_COM1 irq 4\ndevice lpt0 at isa? port 0x378 irq 4\n")).not.toThrow();
    expect(() => build("device sio0 at isa? port ? irq ?\ndevice sio1 at isa? port ? irq ?\n")).not.toThrow();
  });

  it("checks hint-defined instances too", () => {
    const r = buildKernel(parse('ident T\nhints "h"\n', { h: 'hint.sio.0.at="isa"\nhint.sio.0.port="0x3f8"\nhint.sio.0.irq="4"\nhint.sio.1.at="isa"\nhint.sio.1.port="0x2f8"\nhint.sio.1.irq="3"\nhint.sio.1.disabled="1"\n' }), { bundledPath: [], allowMissing: true, dryRun: true });
    expect(r.image.devices).toMatchObject([
      { driver: "sio", unit: 0, at: "isa", port: 0x3f8, irq: 4, source: "hints", enabled: true },
      { driver: "sio", unit: 1, port: 0x2f8, irq: 3, enabled: false },
    ]);
    const e = thrown(() => buildKernel(parse('ident T\ndevice sio0 at isa? port IO_COM1\nhints "h"\n', { h: 'hint.lpt.0.at="isa"\nhint.lpt.0.port="0x3f8"\n' }), { bundledPath: [], allowMissing: true, dryRun: true, checkResources: true })) as BuildError;
    expect(e.problems).toEqual(["lpt0: ports 0x3f8-0x3ff overlap sio0's 0x3f8-0x3ff (add 'conflicts' to allow it)"]);
  });

  it("a hint about a unit with a device line: disabled applies, the rest is ignored with a warning", () => {
    const r = buildKernel(
      parse('ident T\ndevice sio0 at isa? port IO_COM1 irq 4\ndevice sio1 at isa? port IO_COM2 irq 3\nhints "h"\n', {
        h: 'hint.sio.0.disabled="1"\nhint.sio.1.irq="5"\nhint.sio.1.at="isa"\n',
      }),
      { bundledPath: [], allowMissing: true, dryRun: true },
    );
    expect(r.image.devices).toMatchObject([
      { driver: "sio", unit: 0, irq: 4, source: "config", enabled: false },
      { driver: "sio", unit: 1, irq: 3, source: "config", enabled: true },
    ]);
    expect(r.image.devices).toHaveLength(2);
    expect(r.warnings).toContain("hint.sio.1.irq, hint.sio.1.at ignored: sio1 is configured by its device line (GENERIC:3)");
    expect(r.warnings.some((w) => w.includes("hint.sio.0"))).toBe(false);
  });

  it("configs/GENERIC: plain build names the five missing drivers; --allow-missing succeeds", () => {
    const load = loadConfig("configs/GENERIC");
    const e = thrown(() => buildKernel(load, { dryRun: true })) as MissingModulesError;
    expect(e).toBeInstanceOf(MissingModulesError);
    expect(e.missing.map((m) => m.module)).toEqual(["sio", "lpt", "ed", "joy", "sbc"]);
    // The bundled modules' .ko files are committed: no compiler needed.
    const r = buildKernel(load, { dryRun: true, allowMissing: true });
    expect(r.image.modules.map((m) => m.name)).toEqual(["hello", "kdep_lib", "kdep_user", "sysinit_demo"]);
    expect(r.image.devices.map((d) => `${d.driver}${d.unit}`)).toEqual(["sio0", "sio1", "lpt0", "ed0", "joy0", "sbc0"]);
  });

  it("configs/LINT and configs/MINIMAL pass every check", () => {
    const lint = buildKernel(loadConfig("configs/LINT"), { dryRun: true, allowMissing: true });
    expect(lint.image.options.map((o) => o.name)).toContain("INCLUDE_CONFIG_FILE");
    expect(lint.image.devices.find((d) => d.driver === "atkbd")).toMatchObject({ source: "hints", port: 0x60, irq: 1 });
    expect(lint.image.devices.some((d) => d.driver === "lpt" && d.unit === 1)).toBe(false);
    const min = buildKernel(loadConfig("configs/MINIMAL"), { dryRun: true });
    expect([min.image.modules, min.image.devices, min.image.object.length]).toEqual([[], [], 0]);
  });
});
