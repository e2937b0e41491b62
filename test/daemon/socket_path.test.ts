import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareSocketDir, probeSocket, socketPath } from "../../src/daemon/socket_path.js";
import { expectKernelError } from "../support/kernel_error.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "kldsp-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("socketPath", () => {
  it("takes $KLD_SOCKET first", () => {
    expect(socketPath({ KLD_SOCKET: "/a/b.sock", XDG_RUNTIME_DIR: "/run/x" })).toBe("/a/b.sock");
  });
  it("else a kldsim directory under $XDG_RUNTIME_DIR", () => {
    expect(socketPath({ XDG_RUNTIME_DIR: "/run/user/7" })).toBe("/run/user/7/kldsim/kld.sock");
  });
  it("else a per-user directory in the temp dir", () => {
    expect(socketPath({})).toMatch(/kldsim-\d+\/kld\.sock$/);
  });
});

describe("prepareSocketDir", () => {
  it("creates the directory with mode 0700", () => {
    const p = join(tmp(), "d", "kld.sock");
    prepareSocketDir(p, false);
    expect(statSync(join(p, "..")).mode & 0o777).toBe(0o700);
  });

  it("refuses a default directory others can enter, with EPERM", () => {
    const d = join(tmp(), "open");
    mkdirSync(d);
    chmodSync(d, 0o755);
    expectKernelError(() => prepareSocketDir(join(d, "kld.sock"), false), "EPERM", /mode 0700 \(it is 755\)/);
    // An explicit $KLD_SOCKET directory is the user's own business.
    expect(() => prepareSocketDir(join(d, "kld.sock"), true)).not.toThrow();
  });

  it("refuses a path too long for sun_path with ENAMETOOLONG", () => {
    const p = join(tmp(), "x".repeat(120), "kld.sock");
    expect(() => prepareSocketDir(p, true)).toThrow(/File name too long/);
  });

  it("fails fast, not forever, for a directory that cannot be made", () => {
    // mkdirSync's own `recursive` never returns here on Node 20.
    expect(() => prepareSocketDir("/proc/kldsim-nope/kld.sock", true)).toThrow(/ENOENT/);
  });

  it("refuses a file where the directory should be with ENOTDIR", () => {
    const d = tmp();
    writeFileSync(join(d, "f"), "");
    expect(() => prepareSocketDir(join(d, "f", "kld.sock"), true)).toThrow();
  });
});

describe("probeSocket", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it("absent when nothing is there", async () => {
    expect(await probeSocket(join(tmp(), "none.sock"))).toBe("absent");
  });

  it("not-a-socket for a regular file", async () => {
    const p = join(tmp(), "file");
    writeFileSync(p, "x");
    expect(await probeSocket(p)).toBe("not-a-socket");
  });

  it("live when something listens, stale once it has gone", async () => {
    const p = join(tmp(), "s.sock");
    server = createServer((c) => c.end());
    await new Promise<void>((r) => server!.listen(p, r));
    expect(await probeSocket(p)).toBe("live");
    // Closing a Unix server removes its file; recreate a dead one by hand.
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const { spawnSync } = await import("node:child_process");
    // A child that binds and dies by SIGKILL leaves the socket file behind.
    spawnSync(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    expect(await probeSocket(p)).toBe("stale");
  });
});
