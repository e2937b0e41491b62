/**
 * The examples of README.md and the man pages, as examples.test.ts runs
 * them: extraction of the example blocks, and the comparison of what a
 * command printed with the output the document shows.  The convention is
 * written down in examples/README.md; in short:
 *
 * Which blocks: in Markdown every fenced block holding a `$ ` prompt line,
 * and every block preceded by an `<!-- example: ... -->` comment; in a man
 * page every `.Bd -literal` block and every run of `.Dl` lines in the
 * EXAMPLES section (marked with a `.\" example: ...` comment line just
 * before it when it is not a shell session).
 *
 * Markers (the comment's text after `example:`):
 *   not run: REASON   shown, never run; the test lists it as skipped, with REASON
 *   file PATH         the block's text is in PATH (from the repository root), white space aside
 *   status N          the block's last command exits with N (every other command: 0)
 *   needs PROG        skipped, saying why, when PROG is not on PATH
 *
 * A shell block: lines starting with `$ ` are commands; the lines after one,
 * up to the next command, are its output as shown.  Output is checked line
 * by line against what the command printed (stdout and stderr together, as
 * on a terminal): runs of blanks compare equal, `...` inside a line stands
 * for any text, and a line that is only `...` for any number of lines.  A
 * command with no output shown may print anything.
 */

export type ExampleKind =
  | { readonly kind: "session"; readonly commands: readonly ShellCommand[]; readonly status: number }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "not run"; readonly reason: string }
  | { readonly kind: "unmarked" };

export interface ShellCommand {
  readonly line: string;
  /** The output the document shows; empty: not shown. */
  readonly output: readonly string[];
}

export interface Example {
  /** Where the block starts, `README.md:42`. */
  readonly where: string;
  readonly text: string;
  readonly needs?: string;
  readonly what: ExampleKind;
}

const PROMPT = "$ ";

/** The marker's fields: `not run: R`, `file P`, `status N`, `needs P`, separated by `;`. */
interface Marker {
  notRun?: string;
  file?: string;
  status?: number;
  needs?: string;
}

export function parseMarker(text: string, where: string): Marker {
  const m: Marker = {};
  for (const part of text.split(";").map((s) => s.trim()).filter(Boolean)) {
    let r: RegExpExecArray | null;
    if ((r = /^not run:\s*(\S.*)$/.exec(part))) m.notRun = r[1]!;
    else if ((r = /^file\s+(\S+)$/.exec(part))) m.file = r[1]!;
    else if ((r = /^status\s+(\d+)$/.exec(part))) m.status = Number(r[1]);
    else if ((r = /^needs\s+(\S+)$/.exec(part))) m.needs = r[1]!;
    else throw new Error(`${where}: unknown example marker '${part}' (not run: REASON, file PATH, status N, needs PROG)`);
  }
  return m;
}

/** The commands of a shell block, each with the output lines shown after it. */
export function shellCommands(text: string): ShellCommand[] {
  const commands: { line: string; output: string[] }[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(PROMPT)) commands.push({ line: line.slice(PROMPT.length), output: [] });
    else if (commands.length > 0) commands.at(-1)!.output.push(line);
  }
  for (const c of commands) while (c.output.length > 0 && c.output.at(-1)!.trim() === "") c.output.pop();
  return commands;
}

function example(where: string, text: string, marker: Marker | undefined): Example | undefined {
  const hasPrompt = text.split("\n").some((l) => l.startsWith(PROMPT));
  if (!marker && !hasPrompt) return undefined;
  const base = { where, text, ...(marker?.needs ? { needs: marker.needs } : {}) };
  if (marker?.notRun) return { ...base, what: { kind: "not run", reason: marker.notRun } };
  if (marker?.file) return { ...base, what: { kind: "file", path: marker.file } };
  if (hasPrompt) return { ...base, what: { kind: "session", commands: shellCommands(text), status: marker?.status ?? 0 } };
  return { ...base, what: { kind: "unmarked" } };
}

/** The example blocks of a Markdown document (fenced with ```). */
export function markdownExamples(source: string, name: string): Example[] {
  const lines = source.split("\n");
  const out: Example[] = [];
  let marker: Marker | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^<!--\s*example:\s*(.*?)\s*-->$/.exec(line.trim());
    if (m) {
      marker = parseMarker(m[1]!, `${name}:${i + 1}`);
      continue;
    }
    if (line.startsWith("```")) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) body.push(lines[i]!);
      const ex = example(`${name}:${start + 1}`, body.join("\n"), marker);
      if (ex) out.push(ex);
      marker = undefined;
    } else if (line.trim() !== "") {
      marker = undefined;
    }
  }
  return out;
}

/** mdoc text of a display line: escapes a reader sees as plain characters. */
function mdocText(line: string): string {
  return line
    .replace(/\\&/g, "")
    .replace(/\\e/g, "\\")
    .replace(/\\-/g, "-")
    .replace(/\\\(aq/g, "'")
    .replace(/\\\(dq/g, '"');
}

/** The example blocks in the EXAMPLES section of an mdoc(7) page. */
export function mdocExamples(source: string, name: string): Example[] {
  const lines = source.split("\n");
  const out: Example[] = [];
  let inExamples = false;
  let marker: Marker | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(".Sh ")) inExamples = line.trim() === ".Sh EXAMPLES";
    if (!inExamples) continue;
    const m = /^\.\\"\s*example:\s*(.*)$/.exec(line);
    if (m) {
      marker = parseMarker(m[1]!.trim(), `${name}:${i + 1}`);
      continue;
    }
    const start = i;
    const body: string[] = [];
    if (line.startsWith(".Bd -literal")) {
      for (i++; i < lines.length && !lines[i]!.startsWith(".Ed"); i++) body.push(mdocText(lines[i]!));
    } else if (line.startsWith(".Dl ")) {
      for (; i < lines.length && lines[i]!.startsWith(".Dl "); i++) body.push(mdocText(lines[i]!.slice(4)));
      i--;
    } else {
      if (!line.startsWith(".\\\"")) marker = undefined;
      continue;
    }
    out.push(example(`${name}:${start + 1}`, body.join("\n"), marker) ?? { where: `${name}:${start + 1}`, text: body.join("\n"), what: { kind: "unmarked" } });
    marker = undefined;
  }
  return out;
}

const squeeze = (s: string): string => s.replace(/[ \t]+/g, " ").trim();

function lineMatches(shown: string, actual: string): boolean {
  const parts = squeeze(shown).split("...");
  const pattern = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${pattern}$`).test(squeeze(actual));
}

/**
 * Does ACTUAL (what the command printed) match SHOWN?  Returns undefined
 * when it does, else a short description of the first difference.
 */
export function outputMismatch(shown: readonly string[], actual: string): string | undefined {
  const got = actual.split("\n");
  if (got.at(-1) === "") got.pop();
  const match = (s: number, g: number): boolean => {
    if (s === shown.length) return g === got.length;
    if (squeeze(shown[s]!) === "...") {
      for (let k = g; k <= got.length; k++) if (match(s + 1, k)) return true;
      return false;
    }
    return g < got.length && lineMatches(shown[s]!, got[g]!) && match(s + 1, g + 1);
  };
  if (match(0, 0)) return undefined;
  let s = 0;
  while (s < shown.length && s < got.length && squeeze(shown[s]!) !== "..." && lineMatches(shown[s]!, got[s]!)) s++;
  return `first difference at shown line ${s + 1}: shown ${JSON.stringify(shown[s] ?? "(end)")}, printed ${JSON.stringify(got[s] ?? "(end)")}`;
}
