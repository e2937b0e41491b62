/**
 * init_main in-process (the worker's code path without the worker): an
 * image's static modules in file 1 with a dynamic module depending on
 * nothing static, the shutdown order across both, the event handlers'
 * howto on reboot, and the shutdown log written at the end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildKernel } from "../../src/config/build_image.js";
import { loadConfig } from "../../src/config/load_config.js";
import { Kernel, registerCoreMethods } from "../../src/kern/kernel.js";
import { shutdownLogPath, startKernel } from "../../src/kern/init_main.js";
import { expectKernelErrorAsync } from "../support/kernel_error.js";

const dir = mkdtempSync(join(tmpdir(), "kboot-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function boot(config: string, loaderConf?: string) {
  writeFileSync(join(dir, "K"), config);
  const { imagePath } = buildKernel(loadConfig(join(dir, "K"), { includeDirs: [] }), { destdir: join(dir, "out") });
  if (loaderConf !== undefined) writeFileSync(join(dir, "loader.conf"), loaderConf);
  const kernel = new Kernel({
    image: imagePath!,
    machine: null,
    loaderConf: loaderConf !== undefined ? join(dir, "loader.conf") : null,
    foreground: false,
    watchdogMs: 10_000,
    socket: join(dir, "kld.sock"),
  });
  registerCoreMethods(kernel);
  const sys = await startKernel(kernel);
  return { kernel, linker: sys.linker };
}

describe("boot and shutdown in-process", () => {
  it("orders shutdown by dependency, then by subsystem, static and dynamic alike", async () => {
    const { kernel, linker } = await boot("ident K\nmodule hello\nmodule kdep_lib\n");
    expect(linker.modules.ofFile(1).map((m) => m.name)).toEqual(["hello", "kdep_lib"]);
    linker.load("evdemo_dep"); // pulls in evdemo (SI_SUB_PSEUDO)
    expect(linker.shutdownOrder().map((s) => s.module.name)).toEqual(["evdemo_dep", "evdemo", "kdep_lib", "hello"]);
    await kernel.shutdown("reboot");
    const log = readFileSync(shutdownLogPath(join(dir, "kld.sock")), "utf8");
    expect(log).toContain("evdemo: shutdown_pre_sync (howto 0)");
    expect(log).toContain("shutdown: module order: evdemo_dep(evdemo_dep.ko,sub=0x3100000) evdemo(evdemo.ko,sub=0x7000000) kdep_lib(kernel,sub=0x3100000) hello(kernel,sub=0x2000000)");
    expect(log.trimEnd().endsWith("Rebooting...")).toBe(true);
    expect(linker.files.map((f) => f.filename)).toEqual(["kernel"]);
  });

  it("preloads before the static SYSINITs and lets a preloaded file depend on a static one", async () => {
    const { kernel, linker } = await boot("ident K\nmodule kdep_lib\n", 'kdep_user_load="YES"\n');
    const text = kernel.msgbuf.text();
    expect(text.indexOf("preloaded: kdep_user.ko")).toBeLessThan(text.indexOf("kdep_lib: loaded"));
    expect(text.indexOf("kdep_lib: loaded")).toBeLessThan(text.indexOf("kdep_user: kdep_lib_add(2, 3) = 5"));
    const user = linker.findFileByName("kdep_user.ko")!;
    expect(user.deps).toContain(linker.kernelFile);
    expect(linker.files.map((f) => f.filename)).toEqual(["kernel", "kdep_user.ko"]);
  });

  it("reads option values as C numbers, as config(8)'s -DHZ=0144 does (octal 100)", async () => {
    const { kernel } = await boot("ident K\noptions HZ=0144\noptions MAXUSERS=0x20\nmodule hello\n");
    expect(kernel.msgbuf.text()).toContain("maxusers 32, hz 100");
  });

  it("refuses an image whose HZ is not a number of ticks per second", async () => {
    await expect(boot("ident K\noptions HZ=fast\nmodule hello\n")).rejects.toThrow(/HZ=fast/);
  });

  it("refuses a loader.conf that is a device at once, naming it (the kernel's own check, not only kld boot's)", async () => {
    const kernel = new Kernel({ image: null, machine: null, loaderConf: "/dev/zero", foreground: false, watchdogMs: 10_000, socket: join(dir, "z.sock") });
    registerCoreMethods(kernel);
    await expectKernelErrorAsync(startKernel(kernel), "EFTYPE", "/dev/zero: a loader.conf file must be a regular file, not a character device");
  });
});
