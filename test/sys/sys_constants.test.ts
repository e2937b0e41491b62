import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as K from "../../src/sys/sys_constants.js";
import { CLANG, INCLUDE_DIR, compile } from "../support/clang.js";

/** Every numeric constant of sys_constants.ts, by its C name. */
const NUMERIC = Object.entries(K).filter((e): e is [string, number] => typeof e[1] === "number");

const STRUCTS: ReadonlyArray<readonly [string, Readonly<Record<string, number>>]> = [
  ["struct sysinit", K.STRUCT_SYSINIT],
  ["struct mod_metadata", K.STRUCT_MOD_METADATA],
  ["moduledata_t", K.STRUCT_MODULEDATA],
  ["struct mod_depend", K.STRUCT_MOD_DEPEND],
  ["struct mod_version", K.STRUCT_MOD_VERSION],
  ["struct malloc_type", K.STRUCT_MALLOC_TYPE],
];

describe("TS constants agree with the headers", () => {
  it("sys_constants.ts exports the constants the kernel needs", () => {
    expect(NUMERIC.length).toBeGreaterThan(40);
    expect(K.MODULE_KERNEL_MAXVER).toBe(899999);
  });

  it("string constants match the header text", () => {
    const moduleH = readFileSync(join(INCLUDE_DIR, "sys/module.h"), "utf8");
    expect(moduleH).toMatch(new RegExp(`#define\\s+MDT_SETNAME\\s+"${K.MDT_SETNAME}"`));
    const kernelH = readFileSync(join(INCLUDE_DIR, "sys/kernel.h"), "utf8");
    expect(kernelH).toContain(`DATA_SET(${K.SYSINIT_SET},`);
    expect(kernelH).toContain(`DATA_SET(${K.SYSUNINIT_SET},`);
  });

  it.skipIf(!CLANG)("every number and struct layout, checked by the compiler", () => {
    const asserts = [
      ...NUMERIC.map(([name, v]) => `_Static_assert((long long)(${name}) == ${v}LL, "${name}");`),
      ...STRUCTS.flatMap(([type, layout]) =>
        Object.entries(layout).map(([field, off]) =>
          field === "size"
            ? `_Static_assert(sizeof(${type}) == ${off}, "sizeof ${type}");`
            : `_Static_assert(__builtin_offsetof(${type}, ${field}) == ${off}, "${type}.${field}");`,
        ),
      ),
    ];
    const r = compile(
      [
        "#include <sys/param.h>",
        "#include <sys/systm.h>",
        "#include <sys/kernel.h>",
        "#include <sys/module.h>",
        "#include <sys/malloc.h>",
        ...asserts,
      ].join("\n") + "\n",
    );
    expect(r.diagnostics).toBe("");
    expect(r.ok).toBe(true);
  });

  it.skipIf(!CLANG)("a wrong value would be caught (the check can fail)", () => {
    const r = compile(`#include <sys/kernel.h>\n_Static_assert(SI_SUB_KLD == ${K.SI_SUB_KLD + 1}, "SI_SUB_KLD");\n`);
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toMatch(/SI_SUB_KLD/);
  });
});
