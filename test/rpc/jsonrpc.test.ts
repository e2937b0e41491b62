import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decodeLine, type Decoded } from "../../src/rpc/jsonrpc.js";
import { RpcCode } from "../../src/rpc/protocol.js";

function errCode(d: Decoded): number | undefined {
  return d.kind === "error" ? d.response.error.code : undefined;
}

describe("decodeLine", () => {
  it("decodes a well-formed request", () => {
    const d = decodeLine('{"jsonrpc":"2.0","id":7,"method":"kernel.stat","params":{}}');
    expect(d.batch).toBe(false);
    expect(d.members[0]).toEqual({
      kind: "request",
      request: { jsonrpc: "2.0", id: 7, method: "kernel.stat", params: {} },
    });
  });

  it("keeps a notification without an id", () => {
    const d = decodeLine('{"jsonrpc":"2.0","method":"kernel.stat"}');
    expect(d.members[0]?.kind).toBe("request");
    expect(d.members[0]?.kind === "request" && "id" in d.members[0].request).toBe(false);
  });

  it("answers garbage with a parse error and id null", () => {
    const d = decodeLine("\u0001\u0002garbage{");
    expect(errCode(d.members[0]!)).toBe(RpcCode.PARSE_ERROR);
    expect(d.members[0]?.kind === "error" && d.members[0].response.id).toBe(null);
  });

  it.each([
    ["a number", "42", "not an object"],
    ["a string", '"x"', "not an object"],
    ["null", "null", "not an object"],
    ["wrong version", '{"jsonrpc":"1.0","id":1,"method":"m"}', "jsonrpc"],
    ["no method", '{"jsonrpc":"2.0","id":1}', "method"],
    ["method not a string", '{"jsonrpc":"2.0","id":1,"method":5}', "method"],
    ["params a string", '{"jsonrpc":"2.0","id":1,"method":"m","params":"x"}', "params"],
    ["params null", '{"jsonrpc":"2.0","id":1,"method":"m","params":null}', "params"],
    ["id an object", '{"jsonrpc":"2.0","id":{},"method":"m"}', "id"],
    ["extra member", '{"jsonrpc":"2.0","id":1,"method":"m","x":1}', '"x"'],
    ["empty batch", "[]", "empty batch"],
  ])("refuses %s as an invalid request", (_name, text, why) => {
    const m = decodeLine(text).members[0]!;
    expect(errCode(m)).toBe(RpcCode.INVALID_REQUEST);
    expect(m.kind === "error" && m.response.error.message).toContain(why);
  });

  it("echoes a usable id in an invalid-request error", () => {
    const m = decodeLine('{"jsonrpc":"1.0","id":"abc","method":"m"}').members[0]!;
    expect(m.kind === "error" && m.response.id).toBe("abc");
  });

  it("gives each bad member of a batch its own error", () => {
    const d = decodeLine('[1,2,3,{"jsonrpc":"2.0","id":4,"method":"m"}]');
    expect(d.batch).toBe(true);
    expect(d.members.map(errCode)).toEqual([
      RpcCode.INVALID_REQUEST,
      RpcCode.INVALID_REQUEST,
      RpcCode.INVALID_REQUEST,
      undefined,
    ]);
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const d = decodeLine(text);
        expect(d.members.length).toBeGreaterThan(0);
      }),
    );
  });
});
