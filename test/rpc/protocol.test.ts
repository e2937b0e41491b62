import { describe, expect, it } from "vitest";
import { DAEMON_METHODS, isMethodName, methods } from "../../src/rpc/protocol.js";
import { ParamError, arrayOf, boolean, integer, object, oneOf, string } from "../../src/rpc/validate.js";

describe("protocol table", () => {
  it("declares every daemon-served method", () => {
    for (const m of DAEMON_METHODS) expect(isMethodName(m)).toBe(true);
  });

  it("does not treat Object.prototype names as methods", () => {
    expect(isMethodName("toString")).toBe(false);
    expect(isMethodName("__proto__")).toBe(false);
  });

  it.each(["kernel.status", "kernel.stat", "kernel.dmesg", "kernel.shutdown", "kernel.reboot"])(
    "%s takes no parameters: absent, {} or [] pass, anything else fails",
    (name) => {
      const v = methods[name as keyof typeof methods].params as (x: unknown, w: string) => unknown;
      expect(v(undefined, "params")).toEqual({});
      expect(v({}, "params")).toEqual({});
      expect(v([], "params")).toEqual({});
      expect(() => v({ x: 1 }, "params")).toThrow(ParamError);
      expect(() => v([1], "params")).toThrow(/expected no parameters, got array/);
    },
  );

  it("debug.spin wants an integer ms", () => {
    expect(methods["debug.spin"].params({ ms: 5 }, "params")).toEqual({ ms: 5 });
    expect(() => methods["debug.spin"].params({ ms: "5" }, "params")).toThrow("params.ms: expected integer, got string");
    expect(() => methods["debug.spin"].params({ ms: 1.5 }, "params")).toThrow(ParamError);
    expect(() => methods["debug.spin"].params({}, "params")).toThrow("params.ms: expected a value (missing)");
    expect(() => methods["debug.spin"].params({ ms: 1, mss: 2 }, "params")).toThrow("params.mss: expected no such field");
  });
});

describe("validators", () => {
  const v = object({ path: string, ids: arrayOf(integer) }, { force: boolean, how: oneOf("a", "b") });

  it("returns the typed value and drops nothing", () => {
    expect(v({ path: "/x", ids: [1, 2], force: true, how: "b" }, "p")).toEqual({
      path: "/x",
      ids: [1, 2],
      force: true,
      how: "b",
    });
  });

  it("names the offending element", () => {
    expect(() => v({ path: "/x", ids: [1, "2"] }, "p")).toThrow("p.ids[1]: expected integer, got string");
    expect(() => v({ path: "/x", ids: [], how: "c" }, "p")).toThrow("p.how: expected one of a, b");
    expect(() => v(null, "p")).toThrow("p: expected object, got null");
    expect(() => v([], "p")).toThrow("p: expected object, got array");
  });
});
