import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LineSplitter, type Frame } from "../../src/rpc/framing.js";

const lines = (frames: Frame[]): string[] =>
  frames.map((f) => (f.kind === "line" ? f.text : `<${f.kind}>`));

describe("LineSplitter", () => {
  it("splits lines and keeps a partial line for the next chunk", () => {
    const s = new LineSplitter(100);
    expect(lines(s.push(Buffer.from('{"a":1}\n{"b"')))).toEqual(['{"a":1}']);
    expect(lines(s.push(Buffer.from(":2}\n")))).toEqual(['{"b":2}']);
  });

  it("ignores blank lines and CRLF's lone CR", () => {
    const s = new LineSplitter(100);
    expect(lines(s.push(Buffer.from("\n\r\n\nx\n")))).toEqual(["x"]);
  });

  it("reports invalid UTF-8 instead of replacing it", () => {
    const s = new LineSplitter(100);
    expect(lines(s.push(Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x42, 0x0a])))).toEqual(["<invalid-utf8>", "B"]);
  });

  it("decodes a multi-byte character split across chunks", () => {
    const s = new LineSplitter(100);
    const bytes = Buffer.from("é\n");
    expect(s.push(bytes.subarray(0, 1))).toEqual([]);
    expect(lines(s.push(bytes.subarray(1)))).toEqual(["é"]);
  });

  it("reports an oversized line once, drops the rest of it, then recovers", () => {
    const s = new LineSplitter(10);
    expect(lines(s.push(Buffer.from("0123456789")))).toEqual([]);
    expect(lines(s.push(Buffer.from("abc")))).toEqual(["<oversized>"]);
    expect(lines(s.push(Buffer.from("more junk")))).toEqual([]);
    expect(lines(s.push(Buffer.from("tail\nok\n")))).toEqual(["ok"]);
  });

  it("accepts a line of exactly the limit", () => {
    const s = new LineSplitter(4);
    expect(lines(s.push(Buffer.from("abcd\nabcde\n")))).toEqual(["abcd", "<oversized>"]);
  });

  it("yields the same lines however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }).filter((x) => !x.includes("\n") && x.trim() === x && x !== "\r"), { maxLength: 10 }),
        fc.array(fc.nat(50), { maxLength: 8 }),
        (msgs, cuts) => {
          const all = Buffer.from(msgs.map((m) => m + "\n").join(""));
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const s = new LineSplitter(1000);
          const out: Frame[] = [];
          let prev = 0;
          for (const p of [...points, all.length]) {
            out.push(...s.push(all.subarray(prev, p)));
            prev = p;
          }
          expect(lines(out)).toEqual(msgs);
        },
      ),
    );
  });
});
