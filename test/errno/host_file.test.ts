// The one bounded reader of user-named files (src/errno/host_file.ts) and the
// one way errors quote their content (issue 13, defects 2 and 8).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FILE_LIMITS, QUOTE_MAX, checkHostFile, quoteForMessage, readHostFile, readHostText } from "../../src/errno/host_file.js";
import { kernelErrorOf } from "../support/kernel_error.js";

const dir = mkdtempSync(join(tmpdir(), "kld-hostfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** errno name and detail of what `fn` throws. */
function failure(fn: () => unknown): { errno: string; subject: string | undefined; detail: string | undefined } {
  const e = kernelErrorOf(fn);
  if (!e) throw new Error("no error");
  return { errno: e.info.name, subject: e.subject, detail: e.detail };
}

describe("readHostFile", () => {
  it("reads a regular file whole", () => {
    const p = join(dir, "ok");
    writeFileSync(p, "ident X\n");
    expect(readHostText(p, "config")).toBe("ident X\n");
    expect(readHostFile(p, "module")).toEqual(new Uint8Array(Buffer.from("ident X\n")));
  });

  it("refuses /dev/zero at once with EFTYPE and the path", () => {
    const t0 = Date.now();
    for (const kind of Object.keys(FILE_LIMITS) as (keyof typeof FILE_LIMITS)[]) {
      const f = failure(() => readHostFile("/dev/zero", kind));
      expect(f).toMatchObject({ errno: "EFTYPE", subject: "/dev/zero" });
      expect(f.detail).toMatch(/must be a regular file, not a character device$/);
    }
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("refuses a FIFO without blocking on it, and a socket", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(failure(() => readHostText(fifo, "loaderConf"))).toMatchObject({ errno: "EFTYPE", detail: "a loader.conf file must be a regular file, not a FIFO" });
    const sock = join(dir, "sock");
    const server = createServer();
    await new Promise<void>((res) => server.listen(sock, res));
    try {
      expect(failure(() => readHostText(sock, "machine"))).toMatchObject({ errno: "EFTYPE", detail: "a machine file must be a regular file, not a socket" });
    } finally {
      server.close();
    }
  });

  it("refuses a directory with EISDIR and a missing file with ENOENT", () => {
    const d = join(dir, "sub");
    mkdirSync(d);
    expect(failure(() => readHostFile(d, "image")).errno).toBe("EISDIR");
    expect(failure(() => readHostFile(join(dir, "none"), "image"))).toEqual({ errno: "ENOENT", subject: join(dir, "none"), detail: undefined });
    expect(failure(() => readHostFile(join(dir, "ok", "x"), "image")).errno).toBe("ENOTDIR");
  });

  it("refuses a file over its limit with EFBIG, before reading it", () => {
    const p = join(dir, "big");
    writeFileSync(p, "");
    truncateSync(p, FILE_LIMITS.config + 1); // sparse: nothing is written
    const f = failure(() => readHostText(p, "config"));
    expect(f.errno).toBe("EFBIG");
    expect(f.detail).toBe(`a configuration file may hold at most 1 MiB (1048576 bytes); this one is ${FILE_LIMITS.config + 1} bytes`);
    expect(failure(() => checkHostFile(p, "config")).errno).toBe("EFBIG");
    writeFileSync(p, "#".repeat(FILE_LIMITS.config - 1) + "\n"); // exactly at the limit: fine
    expect(readHostText(p, "config")).toHaveLength(FILE_LIMITS.config);
  });

  it("takes a text file only as text: a NUL byte or bad UTF-8 is EFTYPE", () => {
    const bin = join(dir, "bin");
    writeFileSync(bin, Buffer.from([0x69, 0x64, 0x00, 0x01]));
    expect(failure(() => readHostText(bin, "config")).detail).toBe("not a configuration file: binary data (a NUL byte at offset 2)");
    writeFileSync(bin, Buffer.from([0x69, 0xc3, 0x28]));
    expect(failure(() => readHostText(bin, "loaderConf")).detail).toBe("not a loader.conf file: not UTF-8 text");
    expect(readHostFile(bin, "module")).toHaveLength(3); // binary files are fine where binary is meant
  });
});

describe("quoteForMessage", () => {
  it("cuts long text and escapes what a terminal would act on", () => {
    expect(quoteForMessage("x".repeat(100))).toBe("x".repeat(QUOTE_MAX) + "...");
    expect(quoteForMessage("a\x1b[2Jb\x00c\td\\")).toBe("a\\x1b[2Jb\\x00c\\td\\\\");
    expect(quoteForMessage("é\u202e")).toBe("\\xe9\\u{202e}");
  });

  it("always gives short printable ASCII", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const out = quoteForMessage(s);
        expect(out).toMatch(/^[\x20-\x7e]*$/);
        expect(out.length).toBeLessThanOrEqual(QUOTE_MAX * 10 + 3);
      }),
      { numRuns: 300 },
    );
  });
});
