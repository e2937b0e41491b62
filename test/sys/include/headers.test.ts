import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLANG, INCLUDE_DIR, NO_CLANG_REASON, compile, compileFile, mentions } from "../../support/clang.js";

const HEADERS = ["sys", "machine"].flatMap((d) =>
  readdirSync(join(INCLUDE_DIR, d))
    .filter((f) => f.endsWith(".h"))
    .map((f) => `${d}/${f}`),
);

/** The classic KLD skeleton of the FreeBSD Architecture Handbook, unmodified. */
const HANDBOOK_SKELETON = `/*
 * KLD Skeleton
 * Inspired by Andrew Reiter's Daemonnews article
 */

#include <sys/types.h>
#include <sys/systm.h>  /* uprintf */
#include <sys/param.h>  /* defines used in kernel.h */
#include <sys/module.h>
#include <sys/kernel.h> /* types used in module initialization */

/*
 * Load handler that deals with the loading and unloading of a KLD.
 */

static int
skel_loader(struct module *m, int what, void *arg)
{
  int err = 0;

  switch (what) {
  case MOD_LOAD:                /* kldload */
    uprintf("Skeleton KLD loaded.\\n");
    break;
  case MOD_UNLOAD:
    uprintf("Skeleton KLD unloaded.\\n");
    break;
  default:
    err = EOPNOTSUPP;
    break;
  }
  return(err);
}

/* Declare this module to the rest of the kernel */

static moduledata_t skel_mod = {
  "skel",
  skel_loader,
  NULL
};

DECLARE_MODULE(skeleton, skel_mod, SI_SUB_KLD, SI_ORDER_ANY);
`;

describe.skipIf(!CLANG)(`headers compile with ${CLANG ?? `clang (skipped: ${NO_CLANG_REASON})`} for wasm32`, () => {
  it("ships every header the issue names", () => {
    expect(HEADERS).toEqual(
      expect.arrayContaining([
        "sys/param.h", "sys/types.h", "sys/systm.h", "sys/kernel.h", "sys/module.h",
        "sys/linker_set.h", "sys/malloc.h", "sys/errno.h", "sys/queue.h", "sys/libkern.h",
        "machine/stdarg.h",
      ]),
    );
  });

  it.each(HEADERS)("%s compiles alone, twice (include guard)", (h) => {
    const r = compile(`#include <${h}>\n#include <${h}>\nint kldsim_dummy;\n`);
    expect(r.diagnostics).toBe("");
    expect(r.ok).toBe(true);
  });

  it.each(["-O0", "-O2"])("the Handbook's KLD skeleton compiles unmodified at %s", (opt) => {
    // The Handbook's handler ignores m and arg, so -Wextra would warn.
    const r = compile(HANDBOOK_SKELETON, [opt, "-Wno-unused-parameter"]);
    expect(r.diagnostics).toBe("");
    expect(mentions(r.object, "set_modmetadata_set")).toBe(true);
    expect(mentions(r.object, "set_sysinit_set")).toBe(true);
    expect(mentions(r.object, "module_register_init")).toBe(true);
    expect(mentions(r.object, "uprintf")).toBe(true);
  });

  it("linker sets become data segments named set_<name>", () => {
    const r = compile(`#include <sys/param.h>
#include <sys/linker_set.h>
static int a = 1, b = 2;
DATA_SET(foo_set, a);
DATA_SET(foo_set, b);
SET_DECLARE(foo_set, int);
int count(void) { return SET_COUNT(foo_set); }
`, ["-O2"]);
    expect(r.diagnostics).toBe("");
    expect(mentions(r.object, "set_foo_set")).toBe(true);
    expect(mentions(r.object, "__start_set_foo_set")).toBe(true);
  });

  it("printf formats are checked as the kernel printf (%b and %D accepted, mistakes rejected)", () => {
    const good = compile(`#include <sys/param.h>
#include <sys/systm.h>
void f(int v, u_char *mac, size_t n, intmax_t j) {
	printf("%b %6D %zu %jd %p\\n", v, "\\20\\1UP\\2RUNNING", mac, ":", n, j, (void *)mac);
}
`);
    expect(good.diagnostics).toBe("");
    const bad = compile(`#include <sys/param.h>
#include <sys/systm.h>
void f(void) { printf("%s\\n", 5); }
`);
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics).toMatch(/format/);
  });

  it("KASSERT panics only under options INVARIANTS", () => {
    const src = `#include <sys/param.h>
#include <sys/systm.h>
int f(int *p) { KASSERT(p != NULL, ("f: null pointer %d", 1)); return (*p); }
`;
    const off = compile(src, ["-O2"]);
    expect(off.diagnostics).toBe("");
    expect(mentions(off.object, "panic")).toBe(false);
    const on = compile(src, ["-O2", "-DINVARIANTS"]);
    expect(on.diagnostics).toBe("");
    expect(mentions(on.object, "panic")).toBe(true);
  });

  it("MALLOC_DEFINE, SYSINIT and the queue macros compile in one module", () => {
    const r = compile(`#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/queue.h>
static MALLOC_DEFINE(M_QT, "qt", "queue test");
struct item { int v; TAILQ_ENTRY(item) link; };
static TAILQ_HEAD(, item) items = TAILQ_HEAD_INITIALIZER(items);
static void setup(void *arg __unused) {
	struct item *it = malloc(sizeof(*it), M_QT, M_WAITOK | M_ZERO);
	TAILQ_INSERT_TAIL(&items, it, link);
}
static void teardown(void *arg __unused) {
	struct item *it, *tmp;
	TAILQ_FOREACH_SAFE(it, &items, link, tmp) {
		TAILQ_REMOVE(&items, it, link);
		free(it, M_QT);
	}
}
SYSINIT(qt_setup, SI_SUB_DRIVERS, SI_ORDER_FIRST, setup, NULL);
SYSUNINIT(qt_teardown, SI_SUB_DRIVERS, SI_ORDER_FIRST, teardown, NULL);
`, ["-O2"]);
    expect(r.diagnostics).toBe("");
    expect(mentions(r.object, "set_sysuninit_set")).toBe(true);
    expect(mentions(r.object, "malloc_init")).toBe(true);
  });

  it.each([
    ["before", "#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include <stdarg.h>\n#include <sys/param.h>\n#include <sys/systm.h>\n#include <machine/stdarg.h>\n"],
    ["after", "#include <sys/param.h>\n#include <sys/systm.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include <stdarg.h>\n"],
  ])("coexists with the compiler's own headers included %s ours", (_when, includes) => {
    for (const std of ["-std=c99", "-std=gnu17"]) {
      const r = compile(`${includes}
size_t f(int n, ...) {
	va_list ap;
	bool b = true;
	va_start(ap, n);
	n += va_arg(ap, int);
	va_end(ap);
	return offsetof(struct { int a; int c; }, c) + b + (n < INT32_MAX) + (SIZE_MAX > 0);
}
`, [std]);
      expect(r.diagnostics).toBe("");
    }
  });

  it("K&R-era sources using __P() still compile", () => {
    const r = compile(`#include <sys/param.h>
#include <sys/systm.h>
static int twice __P((int));
static int twice(int x) { return (x * 2); }
int use(void) { return twice(2); }
`);
    expect(r.diagnostics).toBe("");
  });
});

describe.skipIf(!CLANG)(`bundled module sources${CLANG ? "" : ` (skipped: ${NO_CLANG_REASON})`}`, () => {
  const modulesDir = resolve(INCLUDE_DIR, "../modules");
  const sources = readdirSync(modulesDir).flatMap((m) =>
    readdirSync(join(modulesDir, m))
      .filter((f) => f.endsWith(".c"))
      .map((f) => join(m, f)),
  );
  it("has the four bundled modules", () => {
    expect(sources).toEqual(
      expect.arrayContaining([
        "hello/hello.c", "kdep_lib/kdep_lib.c", "kdep_user/kdep_user.c", "sysinit_demo/sysinit_demo.c",
      ]),
    );
  });
  it.each(sources.flatMap((s) => ["-O0", "-O2"].map((o) => [s, o] as const)))(
    "%s compiles warning-free at %s",
    (src, opt) => {
      const r = compileFile(join(modulesDir, src), [opt]);
      expect(r.diagnostics).toBe("");
      expect(mentions(r.object, "set_modmetadata_set")).toBe(true);
    },
  );
});
