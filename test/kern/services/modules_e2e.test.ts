/**
 * The services driven by real C: the bundled modules and a printf ABI
 * probe, compiled with clang, loaded through the kernel linker
 * (bootLinker), their output checked line by line.  This is where the
 * varargs layout clang really emits meets kern_printf.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bootLinker } from "../../../src/kern/init_main.js";
import { kernelData, kernelServices } from "../../../src/kern/services/index.js";
import { CLANG, INCLUDE_DIR, NO_CLANG_REASON, buildModuleFile } from "../../support/clang.js";
import { scratchDir } from "../../support/scratch.js";

const MODULES = resolve(INCLUDE_DIR, "../modules");

function build(dir: string, src: string, name: string, opt: string): string {
  return buildModuleFile(src, join(dir, `${name}.ko`), opt);
}

function boot(dir: string) {
  const console: string[] = [];
  const terminal: string[] = [];
  const sys = bootLinker((t) => console.push(t), {
    services: kernelServices,
    data: kernelData,
    modulePath: [dir],
    userTerminal: (t) => terminal.push(t),
  });
  return { sys, console, terminal };
}

const PRINTF_PROBE = `#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static void my_printf(const char *fmt, ...) __printflike(1, 2);

/* The usual driver wrapper: a variadic function passing its va_list on. */
static void
my_printf(const char *fmt, ...)
{
	va_list ap;
	char buf[32];

	va_start(ap, fmt);
	printf("my: ");
	vprintf(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("again: %s", buf);
}

static u_char mac[6] = { 0x00, 0xa0, 0xc9, 0x14, 0xc8, 0x29 };
static const char *nullstr;

static void
probe(void)
{
	char buf[16];
	long long big = -1234567890123LL;
	int n;

	printf("ints %d %i %u %x %X %o %c\\n", -5, 7, 3000000000U, 0xbeef, 0xbeef, 8, 'Q');
	printf("longs %ld %lu %lx %lld %llu %jd %zu %zd\\n", -100000L, 4000000000UL,
	    0xdeadbeefUL, big, 18446744073709551615ULL, (intmax_t)big, sizeof(buf), (ssize_t)-3);
	printf("mixed %d %lld %d %s %d\\n", 1, 2LL, 3, "four", 5);
	printf("flags [%5d] [%-5d] [%05d] [%+d] [% d] [%#x] [%#o] [%.3d] [%*d]\\n",
	    42, 42, 42, 42, 42, 255, 8, 7, 4, 9);
	printf("strings [%s] [%.2s] [%6s] [%-6s]\\n", nullstr, "abcdef", "ab", "ab");
	printf("kernel %b %6D %p\\n", 3, "\\20\\1UP\\2RUNNING", mac, ":", (void *)0x1234);
	n = snprintf(buf, sizeof(buf), "%s-%d", "truncated output", 12345);
	printf("snprintf %d [%s]\\n", n, buf);
	my_printf("%s %lld %d\\n", "va", -7LL, 8);
	uprintf("to the terminal %d\\n", 99);
}

static int
probe_modevent(module_t mod __unused, int what, void *arg __unused)
{
	if (what == MOD_LOAD)
		probe();
	return (what == MOD_LOAD || what == MOD_UNLOAD ? 0 : EOPNOTSUPP);
}

static moduledata_t probe_mod = { "printf_probe", probe_modevent, NULL };
DECLARE_MODULE(printf_probe, probe_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
`;

describe.skipIf(!CLANG)(`services driven by C modules${CLANG ? "" : ` (skipped: ${NO_CLANG_REASON})`}`, () => {
  it.each(["-O0", "-O2"])("printf reads clang's varargs correctly at %s", (opt) => {
    const dir = mkdtempSync(join(scratchDir("e2e"), "probe-"));
    const src = join(dir, "printf_probe.c");
    writeFileSync(src, PRINTF_PROBE);
    const k = boot(dir);
    k.sys.linker.load(build(dir, src, "printf_probe", opt));
    expect(k.console.join("")).toBe(
      [
        "ints -5 7 3000000000 beef BEEF 10 Q",
        "longs -100000 4000000000 deadbeef -1234567890123 18446744073709551615 -1234567890123 16 -3",
        "mixed 1 2 3 four 5",
        "flags [   42] [42   ] [00042] [+42] [ 42] [0xff] [010] [007] [   9]",
        "strings [(null)] [ab] [    ab] [ab    ]",
        "kernel 3<UP,RUNNING> 00:a0:c9:14:c8:29 0x1234",
        "snprintf 22 [truncated outpu]",
        "my: va -7 8",
        "again: va -7 8",
        "",
      ].join("\n"),
    );
    expect(k.terminal).toEqual(["to the terminal 99\n"]);
  });

  it("hello greets on the user's terminal and in the message buffer", () => {
    const dir = mkdtempSync(join(scratchDir("e2e"), "hello-"));
    const k = boot(dir);
    const f = k.sys.linker.load(build(dir, join(MODULES, "hello/hello.c"), "hello", "-O2"));
    k.sys.linker.unload(f, false);
    expect(k.terminal).toEqual(["Hello, world! (hello KLD loaded)\n", "Goodbye, world! (hello KLD unloaded)\n"]);
    expect(k.console.join("")).toContain("hello: loaded\nhello: unloaded\n");
  });

  it("kdep_user uses kdep_lib's functions, data and pointers", () => {
    const dir = mkdtempSync(join(scratchDir("e2e"), "kdep-"));
    build(dir, join(MODULES, "kdep_lib/kdep_lib.c"), "kdep_lib", "-O2");
    const k = boot(dir);
    const f = k.sys.linker.load(build(dir, join(MODULES, "kdep_user/kdep_user.c"), "kdep_user", "-O2"));
    k.sys.linker.unload(f, false);
    expect(k.console.join("")).toContain(
      [
        "kdep_lib: loaded, interface version 2",
        "kdep_user: kdep_lib_add(2, 3) = 5, twice = 10",
        "kdep_user: kdep_lib_op(4, 5) = 9",
        "kdep_user: greetings from kdep_lib / greetings from kdep_lib",
        "kdep_user: kdep_lib_counter = 102",
        "kdep_user: unloaded",
        "kdep_lib: unloaded after 102 calls",
        "",
      ].join("\n"),
    );
  });

  it.each(["-O0", "-O2"])("sysinit_demo runs its SYSINITs sorted and frees its memory (%s)", (opt) => {
    const dir = mkdtempSync(join(scratchDir("e2e"), "sysinit-"));
    const k = boot(dir);
    const f = k.sys.linker.load(build(dir, join(MODULES, "sysinit_demo/sysinit_demo.c"), "sysinit_demo", opt));
    expect(k.sys.core.env.malloc.stats().find((s) => s.type === "sysinit_demo")).toMatchObject({
      inUse: 2,
      requests: 2,
    });
    k.sys.linker.unload(f, false);
    expect(k.console.join("")).toContain(
      [
        "sysinit_demo: step 1: allocate (subsystem 0x2000000, order 0)",
        "sysinit_demo: step 2: fill (subsystem 0x2000000, order 0x1)",
        "sysinit_demo: step 3: run the table (subsystem 0x3100000, order 0)",
        "sysinit_demo:   alpha -> 6",
        "sysinit_demo:   beta -> 9",
        "sysinit_demo:   gamma -> 27",
        'sysinit_demo: MOD_LOAD, buffer "alpha beta gamma"',
        "sysinit_demo: step 4: late (subsystem 0x3100000, order 0xfffffff)",
        "sysinit_demo: MOD_UNLOAD",
        "sysinit_demo: goodbye",
        "sysinit_demo: free",
        "",
      ].join("\n"),
    );
    expect(k.console.join("")).not.toContain("leaked");
    expect(k.sys.core.env.malloc.stats().some((s) => s.type === "sysinit_demo")).toBe(false);
  });
});
