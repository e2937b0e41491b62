import { describe, expect, it } from "vitest";
import { HZ } from "../../../src/kern/services/kern_clock.js";
import { fakeKernel, placeKernelData } from "./fake_env.js";


describe("kernel clock", () => {
  it("hz and tick are set up as FreeBSD's globals", () => {
    const k = fakeKernel();
    const at = placeKernelData(k);
    expect(k.readI32(at.get("hz") as number)).toBe(HZ);
    expect(k.readI32(at.get("tick") as number)).toBe(1_000_000 / HZ);
  });
  it("the clock's tick sets ticks from uptime × hz", () => {
    const k = fakeKernel();
    const at = placeKernelData(k);
    let now = 0;
    k.env.clock.setUptimeSource(() => now);
    now = 2500; // ms
    expect(k.env.clock.tick()).toBe(2.5 * HZ);
    expect(k.readI32(at.get("ticks") as number)).toBe(2.5 * HZ);
  });
  it("ticks wraps like a 32-bit int", () => {
    const k = fakeKernel();
    placeKernelData(k);
    k.env.clock.setUptimeSource(() => ((2 ** 31 + 5) * 1000) / HZ);
    expect(k.env.clock.tick()).toBe(-(2 ** 31) + 5);
  });
  it("the clock's tick before ticks is placed does nothing", () => {
    expect(fakeKernel().env.clock.tick()).toBe(0);
  });
  it("DELAY calls the delay hook with the microseconds", () => {
    const k = fakeKernel();
    const seen: number[] = [];
    k.call("DELAY", 10); // no hook: returns at once
    k.env.clock.setDelayHook((us) => seen.push(us));
    k.call("DELAY", 250);
    k.call("DELAY", -5);
    expect(seen).toEqual([250]);
  });
  it("bootverbose can be switched on by the kernel", () => {
    const k = fakeKernel();
    const at = placeKernelData(k);
    expect(k.readI32(at.get("bootverbose") as number)).toBe(0);
    k.env.clock.setBootverbose(true);
    expect(k.readI32(at.get("bootverbose") as number)).toBe(1);
  });
});
