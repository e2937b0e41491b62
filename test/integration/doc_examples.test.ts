// The example extractor and output matcher of examples.test.ts: what they
// take for an example, and that a wrong output or an unknown marker fails.
import { describe, expect, it } from "vitest";
import { markdownExamples, mdocExamples, outputMismatch, parseMarker } from "./doc_examples.js";

describe("markdownExamples", () => {
  it("takes fenced blocks with $ prompts and marked blocks, not diagrams", () => {
    const md = [
      "```", "a -> b", "```",
      "```", "$ kld stat", "Id Refs", "$ kld shutdown", "```",
      "<!-- example: not run: needs a TTY -->", "", "```", "$ npm start", "```",
      "<!-- example: file examples/SMALL -->", "```", "ident SMALL", "```",
    ].join("\n");
    const ex = markdownExamples(md, "R.md");
    expect(ex.map((e) => [e.where, e.what.kind])).toEqual([["R.md:4", "session"], ["R.md:11", "not run"], ["R.md:15", "file"]]);
    const s = ex[0]!.what;
    expect(s.kind === "session" && s.commands).toEqual([{ line: "kld stat", output: ["Id Refs"] }, { line: "kld shutdown", output: [] }]);
  });

  it("refuses a marker it does not know", () => {
    expect(() => parseMarker("skip it", "R.md:1")).toThrow(/unknown example marker 'skip it'/);
    expect(parseMarker("status 1; needs socat", "x")).toEqual({ status: 1, needs: "socat" });
  });
});

describe("mdocExamples", () => {
  it("reads .Bd -literal and .Dl in EXAMPLES only, unescaping, and flags unmarked non-sessions", () => {
    const page = [
      ".Sh DESCRIPTION", ".Bd -literal", "$ not this", ".Ed",
      ".Sh EXAMPLES", ".Bd -literal -offset indent", "$ kld build x.c", "printf(\"a\\en\");", "\\&...", ".Ed",
      ".Dl $ kld stat", ".Dl $ kld shutdown",
      ".Bd -literal", "int x;", ".Ed",
      ".Sh SEE ALSO",
    ].join("\n");
    const ex = mdocExamples(page, "k.8");
    expect(ex.map((e) => e.what.kind)).toEqual(["session", "session", "unmarked"]);
    expect(ex[0]!.text).toBe('$ kld build x.c\nprintf("a\\n");\n...');
    expect(ex[1]!.where).toBe("k.8:11");
  });
});

describe("outputMismatch", () => {
  it("matches line by line, blanks squeezed, ... for any text or lines", () => {
    expect(outputMismatch(["Id  Refs", " 1    1  kernel"], "Id Refs\n 1 1 kernel\n")).toBeUndefined();
    expect(outputMismatch(["kernel running at .../kld.sock (pid ...)"], "kernel running at /tmp/x/kld.sock (pid 42)\n")).toBeUndefined();
    expect(outputMismatch(["a", "...", "z"], "a\nb\nc\nz\n")).toBeUndefined();
    expect(outputMismatch(["a", "...", "z"], "a\nz\n")).toBeUndefined();
  });

  it("reports the first difference, a missing line and an extra one", () => {
    expect(outputMismatch(["Refs 3"], "Refs 1\n")).toBe('first difference at shown line 1: shown "Refs 3", printed "Refs 1"');
    expect(outputMismatch(["a", "b"], "a\n")).toMatch(/shown "b", printed "\(end\)"/);
    expect(outputMismatch(["a"], "a\nb\n")).toMatch(/shown "\(end\)", printed "b"/);
  });
});
