// CLI helpers: error wording, colour policy, kldstat rows, watchdog option.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { toCliError } from "../../src/cli/diagnostics.js";
import { CliError, EX_FAILURE, EX_UNAVAILABLE, EX_USAGE } from "../../src/cli/cli_error.js";
import { unreachable } from "../../src/cli/client.js";
import { colourLevel, painterFor } from "../../src/cli/colour.js";
import { SUBCOMMANDS } from "../../src/cli/kld.js";
import { statHeader, statRow } from "../../src/cli/kld/stat.js";
import { watchdogMs } from "../../src/cli/kld/boot.js";
import { KernelError } from "../../src/errno/kernel_error.js";
import { KLDSIM_VERSION } from "../../src/version.js";
import { ConnectionError } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/rpc_error.js";

describe("error wording", () => {
  it("prints a kernel error err(3)-style with FreeBSD's strerror text", () => {
    const e = toCliError(new KernelError("ENOEXEC", "x.ko", "bad magic"), "can't load x.ko");
    expect(e.message).toBe("can't load x.ko: Exec format error");
    expect(e.more).toEqual(["bad magic"]);
    expect(e.exitCode).toBe(EX_FAILURE);
  });

  it("uses FreeBSD's words where Linux differs", () => {
    expect(toCliError(new KernelError("EBUSY", "foo")).message).toBe("foo: Device busy");
    expect(toCliError(new KernelError("ENXIO", "sio0")).message).toBe("sio0: Device not configured");
    expect(toCliError(new KernelError("EFTYPE", "f")).message).toBe("f: Inappropriate file type or format");
  });

  it("recovers the kernel error carried by an RPC error", () => {
    const r = new RpcError(-32000, "x", { errno: "EEXIST", code: 17, subject: "foo.ko" });
    expect(toCliError(r, "can't load foo.ko").message).toBe("can't load foo.ko: File exists");
  });

  it("ignores RPC error data whose errno name and number disagree", () => {
    const r = new RpcError(-32000, "strange", { errno: "EEXIST", code: 2 });
    expect(r.kernelError()).toBeUndefined();
    expect(toCliError(r).message).toBe("strange");
  });

  it("turns a panic into exit 69 with a hint", () => {
    const e = toCliError(new RpcError(-32001, "kernel panicked: panic: x", { errno: "ENXIO", code: 6 }));
    expect(e.exitCode).toBe(EX_UNAVAILABLE);
    expect(e.more).toEqual(["run 'kld reboot' to start a new kernel"]);
  });

  it("rewords Node system errors with FreeBSD's text", () => {
    const err = Object.assign(new Error("EBUSY: resource busy or locked"), { code: "EBUSY", errno: -16, path: "/dev/x" });
    expect(toCliError(err).message).toBe("/dev/x: Device busy");
  });

  it("explains an unreachable kernel, exit 69", () => {
    const e = unreachable(new ConnectionError("/s", "ENOENT", "x"));
    expect(e.message).toBe("kernel not running (no socket at /s); start it with 'kld boot'");
    expect(e.exitCode).toBe(EX_UNAVAILABLE);
    expect(unreachable(new ConnectionError("/s", "ECONNREFUSED", "x")).message).toContain("stale socket at /s");
    expect(unreachable(new ConnectionError("/s", "EACCES", "x")).message).toBe("connect /s: Permission denied");
  });
});

describe("colour policy", () => {
  it("colours a terminal only", () => {
    expect(colourLevel({ isTTY: true }, {})).toBe(1);
    expect(colourLevel({ isTTY: false }, {})).toBe(0);
  });
  it("never colours under NO_COLOR, even when forced", () => {
    expect(colourLevel({ isTTY: true }, { NO_COLOR: "1" })).toBe(0);
    expect(colourLevel({ isTTY: false }, { NO_COLOR: "1", FORCE_COLOR: "3" })).toBe(0);
  });
  it("treats an empty NO_COLOR as unset, and honours FORCE_COLOR and TERM=dumb", () => {
    expect(colourLevel({ isTTY: true }, { NO_COLOR: "" })).toBe(1);
    expect(colourLevel({ isTTY: false }, { FORCE_COLOR: "2" })).toBe(2);
    expect(colourLevel({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(0);
    expect(colourLevel({ isTTY: true }, { TERM: "dumb" })).toBe(0);
  });
  it("paints nothing when colour is off", async () => {
    const p = await painterFor({ isTTY: true }, { NO_COLOR: "1" });
    expect(p.bad("panicked")).toBe("panicked");
    const q = await painterFor({ isTTY: true }, { FORCE_COLOR: "1" });
    expect(q.bad("panicked")).toContain("\u001b[");
  });
});

describe("kld stat rows", () => {
  it("match kldstat's %2d %4d %*p %8zx %s with a 10-column pointer", () => {
    expect(statHeader()).toBe("Id Refs Address        Size Name");
    expect(statRow({ id: 1, refs: 38, address: 0x1000, size: 0xff000, name: "kernel", pathname: "" })).toBe(
      " 1   38     0x1000    ff000 kernel",
    );
    expect(statRow({ id: 12, refs: 1, address: 0x00123000, size: 0x2000, name: "hello.ko", pathname: "" })).toBe(
      "12    1   0x123000     2000 hello.ko",
    );
  });
});

describe("kld boot -w", () => {
  it("defaults to 10 s, takes $KLD_WATCHDOG_MS, and -w over both", () => {
    expect(watchdogMs(undefined, {})).toBe(10_000);
    expect(watchdogMs(undefined, { KLD_WATCHDOG_MS: "250" })).toBe(250);
    expect(watchdogMs("99", { KLD_WATCHDOG_MS: "250" })).toBe(99);
  });
  it.each(["0", "-5", "1.5", "ten", "99999999999"])("refuses %s as a usage error", (v) => {
    try {
      watchdogMs(v, {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(EX_USAGE);
    }
  });
});

describe("kld subcommand table", () => {
  it("each entry's module registers exactly the command it is listed under", async () => {
    for (const [name, load] of SUBCOMMANDS) {
      const p = new Command("kld");
      (await load()).register(p);
      expect(p.commands.map((c) => c.name())).toEqual([name]);
    }
  });
});

describe("version", () => {
  it("matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(KLDSIM_VERSION).toBe(pkg.version);
  });
});
