import { describe, expect, it } from "vitest";
import { ByteLog } from "../../../src/isa/devices/byte_log.js";

describe("ByteLog", () => {
  it("keeps the last `limit` bytes, oldest first, however many were pushed", () => {
    const log = new ByteLog(4);
    for (let i = 0; i < 11; i++) log.push(i);
    expect(log.length).toBe(4);
    expect([...log.bytes()]).toEqual([7, 8, 9, 10]);
    log.clear();
    expect(log.length).toBe(0);
    expect([...log.bytes()]).toEqual([]);
  });
});
