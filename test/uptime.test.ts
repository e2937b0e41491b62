import { describe, expect, it } from "vitest";
import { formatUptime } from "../src/uptime.js";

describe("formatUptime", () => {
  it("formats uptime as kern_shutdown.c does", () => {
    expect(formatUptime(5.9)).toBe("5s");
    expect(formatUptime(65)).toBe("1m5s");
    expect(formatUptime(3600)).toBe("1h0m0s");
    expect(formatUptime(90061)).toBe("1d1h1m1s");
  });
});
