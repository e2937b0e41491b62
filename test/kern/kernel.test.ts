// The kernel object as the worker uses it (src/kern/kernel.ts, kern_msgbuf.ts).
import { describe, expect, it } from "vitest";
import { CurrentCall, Kernel, KernelPanic, dateString, registerCoreMethods } from "../../src/kern/kernel.js";
import type { BootSettings } from "../../src/rpc/protocol.js";
import { KernelError } from "../../src/errno/kernel_error.js";
import { MsgBuf } from "../../src/kern/kern_msgbuf.js";

const settings: BootSettings = {
  image: null,
  machine: null,
  loaderConf: null,
  foreground: false,
  watchdogMs: 1000,
  socket: "/tmp/x.sock",
};

const ctx = (out: string[] = []) => ({ method: "m", uprintf: (t: string) => void out.push(t) });

describe("MsgBuf", () => {
  it("keeps what was appended, partial lines included", () => {
    const m = new MsgBuf(100);
    m.append("a");
    m.append("b\nc\n");
    expect(m.text()).toBe("ab\nc\n");
  });

  it("drops the oldest whole lines when full", () => {
    const m = new MsgBuf(10);
    m.append("line1\n");
    m.append("line2\n");
    m.append("line3\n");
    expect(m.text()).toBe("line3\n");
    expect(m.text().length).toBeLessThanOrEqual(10);
  });
});

describe("Kernel", () => {
  it("prints the banner to the msgbuf and the console", () => {
    const con: string[] = [];
    const k = new Kernel(settings, (t) => void con.push(t));
    k.printBanner(undefined);
    expect(k.msgbuf.text()).toBe(con.join(""));
    expect(k.msgbuf.text()).toMatch(/^Copyright \(c\) 2026 The kldsim authors\.\n/);
    expect(k.msgbuf.text()).toContain("image: none (core kernel only)\n");
    expect(k.msgbuf.text()).not.toContain("---<<BOOT>>---");
  });

  it("keeps the previous boot's messages after a BOOT marker", () => {
    const k = new Kernel(settings);
    k.printBanner("old message\n");
    expect(k.msgbuf.text()).toMatch(/^old message\n---<<BOOT>>---\nCopyright/);
  });

  it("dispatches to registered handlers with their context", async () => {
    const k = new Kernel(settings);
    registerCoreMethods(k);
    const out: string[] = [];
    expect(await k.dispatch("debug.uprintf", { text: "hi" }, ctx(out))).toEqual({ ok: true });
    expect(out).toEqual(["hi"]);
    const stat = (await k.dispatch("kernel.stat", {}, ctx())) as { files: { id: number; name: string }[] };
    expect(stat.files.map((f) => [f.id, f.name])).toEqual([[1, "kernel"]]);
  });

  it("answers a method no subsystem registered with ENOSYS", async () => {
    const k = new Kernel(settings);
    await expect(k.dispatch("kld.load", {}, ctx())).rejects.toMatchObject({
      info: { name: "ENOSYS" },
      subject: "kld.load",
    });
    await expect(k.dispatch("kld.load", {}, ctx())).rejects.toBeInstanceOf(KernelError);
  });

  it("refuses to register a method twice", () => {
    const k = new Kernel(settings);
    registerCoreMethods(k);
    expect(() => k.register("kernel.stat", () => ({ files: [] }))).toThrow(/registered twice/);
  });

  it("lets the linker replace the file list", async () => {
    const k = new Kernel(settings);
    registerCoreMethods(k);
    k.setLinkerFileLister(() => [{ id: 1, refs: 3, address: 0, size: 1, name: "kernel", pathname: "" }]);
    expect(((await k.dispatch("kernel.stat", {}, ctx())) as { files: { refs: number }[] }).files[0]?.refs).toBe(3);
  });

  it("panic() prints, reports and unwinds", () => {
    const panics: string[] = [];
    const k = new Kernel(settings, () => {}, new CurrentCall(), (m) => void panics.push(m));
    expect(() => k.panic("bad invariant")).toThrow(KernelPanic);
    expect(panics).toEqual(["bad invariant"]);
    expect(k.msgbuf.text()).toBe("panic: bad invariant\n");
  });

  it("runs shutdown hooks in reverse order, then logs the uptime", async () => {
    const k = new Kernel(settings);
    const order: number[] = [];
    k.onShutdown(() => void order.push(1));
    k.onShutdown(() => void order.push(2));
    k.onShutdown(() => {
      throw new Error("hook broke");
    });
    await k.shutdown("halt");
    expect(order).toEqual([2, 1]);
    expect(k.msgbuf.text()).toMatch(/shutdown: hook failed: hook broke\nUptime: 0s\nThe operating system has halted\.\n$/);
  });
});

describe("CurrentCall", () => {
  it("is shared through its buffer and truncates long labels", () => {
    const a = new CurrentCall();
    const b = new CurrentCall(a.buffer);
    expect(b.get()).toBeUndefined();
    a.set("hello.ko:hello_loader");
    expect(b.get()).toBe("hello.ko:hello_loader");
    a.set("x".repeat(1000));
    expect(b.get()).toHaveLength(CurrentCall.BYTES);
    a.set(undefined);
    expect(b.get()).toBeUndefined();
  });
});

describe("formatting", () => {
  it("formats dates as date(1) in UTC", () => {
    expect(dateString(new Date(Date.UTC(2026, 10, 5, 8, 1, 55)))).toBe("Thu Nov  5 08:01:55 UTC 2026");
  });
});
