/**
 * Per-test-file scratch directories in the temp dir, removed when the file's
 * tests are done, so `npm test` leaves nothing behind.  Importing this module
 * (directly or through clang.ts, kernel_fixture.ts, bin.ts) registers the
 * clean-up with vitest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const dirs = new Map<string, string>();

/** The scratch directory for PURPOSE (created on first use): $TMPDIR/kldsim-PURPOSE-XXXXXX. */
export function scratchDir(purpose: string): string {
  let d = dirs.get(purpose);
  if (d === undefined) {
    d = mkdtempSync(join(tmpdir(), `kldsim-${purpose}-`));
    dirs.set(purpose, d);
  }
  return d;
}

afterAll(() => {
  for (const d of dirs.values()) rmSync(d, { recursive: true, force: true });
  dirs.clear();
});
