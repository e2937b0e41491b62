/**
 * The one way tests catch a KernelError (src/errno/kernel_error.ts), the
 * error every part of kldsim throws for bad input: FreeBSD's errno name, a
 * subject and a detail.  Anything else thrown is a bug and fails the test.
 *
 *   expectKernelError(fn, "ENOEXEC", /detail/)  fn must refuse with that errno (and detail)
 *   kernelErrorOf(fn)                           fn's KernelError, or undefined if it returned
 *   refusal(fn)                                 "ENOEXEC: detail", or "accepted"
 */
import { expect } from "vitest";
import { KernelError } from "../../src/errno/kernel_error.js";

/** Run FN: undefined when it returns, its KernelError when it throws one; anything else is rethrown. */
export function kernelErrorOf(fn: () => unknown): KernelError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e;
    throw e;
  }
  return undefined;
}

/**
 * FN must throw a KernelError with errno name ERRNO and, when given, a detail
 * equal to (string) or matching (RegExp) DETAIL.  Returns the error for
 * further checks.
 */
export function expectKernelError(fn: () => unknown, errno: string, detail?: string | RegExp): KernelError {
  const e = kernelErrorOf(fn);
  if (e === undefined) throw new Error(`expected ${errno}, but it succeeded`);
  expect(e.info.name, `${e.message}`).toBe(errno);
  if (typeof detail === "string") expect(e.detail).toBe(detail);
  else if (detail) expect(e.detail).toMatch(detail);
  return e;
}

/** The same for a promise (an RPC handler, a daemon call). */
export async function expectKernelErrorAsync(p: Promise<unknown>, errno: string, detail?: string | RegExp): Promise<KernelError> {
  let result: unknown;
  try {
    result = await p;
  } catch (e) {
    return expectKernelError(() => {
      throw e;
    }, errno, detail);
  }
  throw new Error(`expected ${errno}, but it resolved to ${JSON.stringify(result)}`);
}

/** `ERRNO: detail` of FN's KernelError, or "accepted" when FN returns: compact to compare in tables. */
export function refusal(fn: () => unknown): string {
  const e = kernelErrorOf(fn);
  return e === undefined ? "accepted" : `${e.info.name}: ${e.detail ?? ""}`;
}
