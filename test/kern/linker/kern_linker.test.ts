import { describe, expect, it } from "vitest";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../../support/clang.js";
import { bootTestKernel } from "../../support/kernel_fixture.js";

describe.skipIf(!CLANG)(`kernel linker with real modules (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  it("loads, runs MOD_LOAD, and unloads the skeleton", () => {
    const k = bootTestKernel();
    const path = buildModule(k.dir, "hello", skeleton("hello", { version: 1 }));
    const f = k.linker.load(path);
    expect(f.id).toBe(2);
    expect(f.userrefs).toBe(1);
    expect(k.text()).toContain("hello: load\n");
    expect(k.linker.modules.lookupByName("hello")?.file).toBe(f);
    expect(k.linker.kernelFile.refs).toBe(3);
    k.linker.unload(f, false);
    expect(k.text()).toContain("hello: unload\n");
    expect(k.linker.files.map((x) => x.filename)).toEqual(["kernel"]);
    expect(k.linker.kernelFile.refs).toBe(1);
    expect(k.linker.kmem.stats().usedPages).toBe(0);
  });
});
