/**
 * KernelError: a failure with an errno, the thing it happened to, and detail.
 *
 * Every subsystem throws this for failures a user can cause (bad object,
 * missing module, busy device).  It crosses the worker boundary and the RPC
 * socket as { errno name, number, message, subject, detail } and the CLI
 * prints it as `PROG: can't load SUBJECT: <strerror>` plus the detail line.
 * Broken invariants are not KernelErrors: they panic.
 */
import { errno, errnoByName, type ErrnoInfo } from "./errno.js";

export interface KernelErrorData {
  readonly errno: string;
  readonly code: number;
  readonly subject?: string;
  readonly detail?: string;
}

export class KernelError extends Error {
  readonly info: ErrnoInfo;
  readonly subject: string | undefined;
  readonly detail: string | undefined;

  constructor(errnoName: string, subject?: string, detail?: string) {
    const info = errno(errnoName);
    super(
      (subject ? `${subject}: ` : "") + info.text + (detail ? ` (${detail})` : ""),
    );
    this.name = "KernelError";
    this.info = info;
    this.subject = subject;
    this.detail = detail;
  }

  toData(): KernelErrorData {
    return {
      errno: this.info.name,
      code: this.info.num,
      ...(this.subject !== undefined ? { subject: this.subject } : {}),
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
    };
  }

  static fromData(d: KernelErrorData): KernelError {
    return new KernelError(d.errno, d.subject, d.detail);
  }
}

/**
 * A failed host file operation (Node's fs error) as a KernelError: the
 * FreeBSD errno of the same name where the table has one (`fallback`
 * otherwise), the path as subject and `what` as detail — never Node's
 * Linux wording.
 */
export function hostFileError(e: unknown, path: string, what?: string, fallback = "EIO"): KernelError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return new KernelError(code !== undefined && errnoByName(code) ? code : fallback, path, what);
}
