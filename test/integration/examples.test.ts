/**
 * Every example of README.md and the man pages runs as printed (issue 13),
 * so that they cannot drift from what the programs do.
 *
 * Blocks are found and checked as doc_examples.ts says (the convention is
 * in examples/README.md).  Each document is one reader's terminal session:
 * its shell blocks run in order in one `sh`, so `cd` and variables carry
 * over, in a scratch directory holding links to the checkout (configs/,
 * src/, examples/, ...: what a command reads is the repository's, what it
 * writes stays in the scratch directory), with its own kernel
 * (KLD_SOCKET in that directory; shut down afterwards).  `npx kld` and the
 * bare `kld` of the man pages run this checkout's bin/kld.js, as npx does
 * in the project directory (without npm's start-up time).  Up to
 * PARALLEL documents run at once, all started when the file is collected
 * (the default kernel image they may build is written atomically).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/bin.js";
import { markdownExamples, mdocExamples, outputMismatch, type Example, type ShellCommand } from "./doc_examples.js";

/** A whole document's session may take this long (it boots kernels, builds modules and kernels). */
const SESSION_MS = 150_000;
const PARALLEL = 3;
const BINARIES = ["kld", "kconfig", "modload", "modunload", "isaconf"];
const LINKED = ["bin", "configs", "dist", "examples", "man", "node_modules", "package.json", "src"];

function onPath(prog: string): boolean {
  return (process.env["PATH"] ?? "").split(delimiter).some((d) => d !== "" && existsSync(join(d, prog)));
}

interface Ran {
  readonly status: number | undefined;
  readonly output: string;
}

interface Session {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Per command, in document order: undefined when it never ran. */
  readonly ran: Map<ShellCommand, Ran>;
  readonly trouble: string;
}

function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "kldsim-ex-"));
  for (const name of LINKED) symlinkSync(join(ROOT, name), join(dir, name));
  const shims = join(dir, ".bin");
  mkdirSync(shims);
  for (const b of BINARIES) {
    writeFileSync(join(shims, b), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "bin", `${b}.js`)}" "$@"\n`);
  }
  writeFileSync(join(shims, "npx"), '#!/bin/sh\nexec "$@"\n');
  for (const f of readdirSync(shims)) chmodSync(join(shims, f), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${shims}${delimiter}${process.env["PATH"] ?? ""}`, KLD_SOCKET: join(dir, "s", "kld.sock"), NO_COLOR: "1" };
  for (const k of ["FORCE_COLOR", "KLD_IMAGE", "KLD_MACHINE", "KLD_WATCHDOG_MS"]) delete env[k];
  return { dir, env };
}

/** Run COMMANDS in one shell in DIR; each one's output and status, split by marker lines. */
function runSession(dir: string, env: NodeJS.ProcessEnv, commands: readonly ShellCommand[]): Promise<{ ran: Map<ShellCommand, Ran>; trouble: string }> {
  const token = `@@kldsim-example-${process.pid}-${Date.now()}`;
  const script = ["exec 2>&1 </dev/null", `cd '${dir}'`];
  commands.forEach((c, i) => {
    script.push(`printf '%s\\n' '${token} ${i} start'`, c.line, `printf '\\n%s %s\\n' '${token} ${i} end' "$?"`);
  });
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", script.join("\n")], { env, detached: true, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    let trouble = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const timer = setTimeout(() => {
      trouble = `the session ran longer than ${SESSION_MS / 1000} s and was stopped`;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, SESSION_MS);
    child.on("close", () => {
      clearTimeout(timer);
      const ran = new Map<ShellCommand, Ran>();
      commands.forEach((c, i) => {
        const start = out.indexOf(`${token} ${i} start\n`);
        if (start < 0) return;
        const from = start + `${token} ${i} start\n`.length;
        const end = out.indexOf(`\n${token} ${i} end `, from);
        if (end < 0) return ran.set(c, { status: undefined, output: out.slice(from) });
        const status = Number(/^ (\d+)/.exec(out.slice(end + `\n${token} ${i} end`.length))?.[1]);
        ran.set(c, { status, output: out.slice(from, end) });
      });
      resolve({ ran, trouble });
    });
  });
}

/** The document's examples: README.md or man/manN/NAME.N. */
function examplesOf(doc: string): Example[] {
  const text = readFileSync(join(ROOT, doc), "utf8");
  return doc.endsWith(".md") ? markdownExamples(text, doc) : mdocExamples(text, doc);
}

const DOCS = ["README.md", ...readdirSync(join(ROOT, "man")).flatMap((d) => readdirSync(join(ROOT, "man", d)).map((f) => `man/${d}/${f}`)).sort()];

function skipReason(ex: Example): string | undefined {
  if (ex.what.kind === "not run") return ex.what.reason;
  if (ex.needs && !onPath(ex.needs)) return `needs ${ex.needs}, which is not installed`;
  return undefined;
}

function title(ex: Example): string {
  const w = ex.what;
  const first = w.kind === "session" ? `$ ${w.commands[0]?.line ?? ""}` : w.kind === "file" ? `is in ${w.path}` : "";
  const skip = skipReason(ex);
  return `${ex.where} ${first.slice(0, 60)}${skip ? ` (not run: ${skip})` : ""}`;
}

function checkSession(ex: Example, w: Extract<Example["what"], { kind: "session" }>, s: Session): void {
  w.commands.forEach((c, i) => {
    const r = s.ran.get(c);
    const last = i === w.commands.length - 1;
    const want = last ? w.status : 0;
    const where = `${ex.where}: $ ${c.line}`;
    if (!r) throw new Error(`${where}: never ran${s.trouble ? ` (${s.trouble})` : ""}`);
    if (r.status === undefined) throw new Error(`${where}: did not finish${s.trouble ? ` (${s.trouble})` : ""}; it printed:\n${r.output}`);
    expect(r.status, `${where}: exit status (want ${want}); it printed:\n${r.output}`).toBe(want);
    if (c.output.length > 0) {
      const diff = outputMismatch(c.output, r.output);
      expect(diff, `${where}: output differs from the document's; it printed:\n${r.output}`).toBeUndefined();
    }
  });
}

/** At most PARALLEL sessions at a time. */
const queue: Array<() => void> = [];
let running = 0;
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((r) => queue.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** Run a document's runnable shell blocks as one session. */
function startSession(examples: readonly Example[]): Promise<Session> | undefined {
  const commands = examples.flatMap((e) => (e.what.kind === "session" && !skipReason(e) ? e.what.commands : []));
  if (commands.length === 0) return undefined;
  return slot(async () => {
    const { dir, env } = sandbox();
    const { ran, trouble } = await runSession(dir, env, commands);
    return { dir, env, ran, trouble };
  });
}

for (const doc of DOCS) {
  const examples = examplesOf(doc);
  if (examples.length === 0) continue;
  const pending = startSession(examples);
  describe(`examples of ${doc}`, () => {
    let session: Session | undefined;
    beforeAll(async () => {
      session = await pending;
    }, Math.ceil(DOCS.length / PARALLEL) * SESSION_MS + 10_000);
    afterAll(async () => {
      if (!session) return;
      // Whatever the document left running goes, whether or not it passed.
      await runSession(session.dir, session.env, [{ line: "kld shutdown >/dev/null 2>&1", output: [] }]);
      rmSync(session.dir, { recursive: true, force: true });
    }, 30_000);

    for (const ex of examples) {
      const skip = skipReason(ex);
      it.skipIf(skip !== undefined)(title(ex), () => {
        const w = ex.what;
        if (w.kind === "unmarked") {
          throw new Error(`${ex.where}: an example block with no \`$ \` commands needs a marker: example: file PATH, or example: not run: REASON`);
        }
        if (w.kind === "file") {
          const file = join(ROOT, w.path);
          expect(existsSync(file), `${ex.where}: ${w.path} does not exist`).toBe(true);
          const words = (t: string): string => t.replace(/\s+/g, " ").trim();
          expect(words(readFileSync(file, "utf8")).includes(words(ex.text)), `${ex.where}: the block is not in ${w.path}`).toBe(true);
          return;
        }
        if (w.kind === "session") checkSession(ex, w, session!);
      });
    }
  });
}
