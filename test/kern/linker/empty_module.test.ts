/**
 * Issue 13, defect 1: a module with no functions (only data, or nothing at
 * all) used to hang the kernel in the emitter's writer until the watchdog
 * panicked it.  Each of these must now load and unload like any file.
 */
import { describe, expect, it } from "vitest";
import { buildModule, CLANG, NO_CLANG_REASON } from "../../support/clang.js";
import { bootTestKernel } from "../../support/kernel_fixture.js";

/** The EVENTHANDLER(9) EXAMPLES section as printed: no DECLARE_MODULE, so -O2 keeps no function. */
const EVENTHANDLER_EXAMPLE = `#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/eventhandler.h>

static eventhandler_tag tag;

static void
mymod_final(void *arg, int howto)
{
	printf("mymod: shutdown_final, howto %#x\\n", howto);
}

static int
mymod_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		tag = EVENTHANDLER_REGISTER(shutdown_final, mymod_final,
		    NULL, SHUTDOWN_PRI_DEFAULT);
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(shutdown_final, tag);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}
`;

const CASES: readonly (readonly [string, string])[] = [
  ["data only (int x = 1;)", "int x = 1;\n"],
  ["an empty source", ""],
  ["bss only", "int counter;\n"],
  ["EVENTHANDLER(9)'s example as printed", EVENTHANDLER_EXAMPLE],
];

describe.skipIf(!CLANG)(`modules without functions (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  for (const [what, source] of CASES) {
    it(`${what}: loads, publishes its data, unloads`, () => {
      const k = bootTestKernel();
      const path = buildModule(k.dir, "nofunc", source);
      const f = k.linker.load(path);
      expect(k.linker.files.map((x) => x.filename)).toEqual(["kernel", "nofunc.ko"]);
      if (source.startsWith("int x")) {
        const x = k.linker.lookupSymbol("x");
        expect(x.file).toBe("nofunc.ko");
        expect(new DataView(k.core.memory.buffer).getInt32(x.address, true)).toBe(1);
      }
      k.linker.unload(f, false);
      expect(k.linker.files.map((x) => x.filename)).toEqual(["kernel"]);
      expect(k.linker.kmem.stats().usedPages).toBe(0);
    });
  }
});
