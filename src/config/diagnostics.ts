/**
 * Configuration diagnostics: every error and warning of a configuration, in
 * the order found, printed the way config(8) prints them
 * (`kconfig: GENERIC:23: syntax error near 'irq'`).
 *
 * The parsers (parse_classic.ts, parse_yaml.ts, hints.ts) report into one
 * Diagnostics collector and keep going, so a single run shows all errors of a
 * file; the CLI (src/cli/kconfig.ts) prints them and build_image.ts refuses
 * to build when there are errors.  FreeBSD's config(8) stops at the first
 * yyerror; reporting all of them is kldsim's choice (issue 4 §1).
 */
import { KernelError } from "../errno/kernel_error.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  readonly line: number;
  readonly message: string;
}

export class Diagnostics {
  private readonly list: Diagnostic[] = [];
  private nerrors = 0;

  error(file: string, line: number, message: string): void {
    this.list.push({ severity: "error", file, line, message });
    this.nerrors++;
  }

  /** How many errors so far. */
  get errorCount(): number {
    return this.nerrors;
  }

  warning(file: string, line: number, message: string): void {
    this.list.push({ severity: "warning", file, line, message });
  }

  get all(): readonly Diagnostic[] {
    return this.list;
  }

  get errors(): readonly Diagnostic[] {
    return this.list.filter((d) => d.severity === "error");
  }

  get warnings(): readonly Diagnostic[] {
    return this.list.filter((d) => d.severity === "warning");
  }

  hasErrors(): boolean {
    return this.nerrors > 0;
  }
}

/** One line as the CLI prints it: `kconfig: GENERIC:23: syntax error near 'irq'`. */
export function formatDiagnostic(d: Diagnostic, prog = "kconfig"): string {
  const where = d.line > 0 ? `${d.file}:${d.line}: ` : `${d.file}: `;
  const sev = d.severity === "warning" ? "WARNING: " : "";
  return `${prog}: ${where}${sev}${d.message}`;
}

/**
 * Thrown by the programmatic API (loadConfig with `throwOnError`) when a
 * configuration has errors; carries every diagnostic.  errno EINVAL: the
 * configuration is malformed.
 */
export class ConfigError extends KernelError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(file: string, diagnostics: readonly Diagnostic[]) {
    const errs = diagnostics.filter((d) => d.severity === "error");
    super("EINVAL", file, `${errs.length} error${errs.length === 1 ? "" : "s"} in configuration: ` +
      errs.map((d) => formatDiagnostic(d)).join("; "));
    this.diagnostics = diagnostics;
  }
}
