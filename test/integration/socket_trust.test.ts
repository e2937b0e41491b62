/**
 * Issue 13 defect 3: every client checks, before it connects, that the
 * default socket directory is the caller's with mode 0700 and that the
 * socket is the caller's; otherwise it refuses, naming the path and the
 * owner, and sends nothing.  Another owner can only be faked as root
 * (chown to nobody); CI runs as root, elsewhere those cases skip.
 */
import { afterEach, describe, expect, it } from "vitest";
import { chmodSync, chownSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { envFor, run, tempSocketDir } from "../support/bin.js";

const NOBODY = 65534;
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A fake daemon at `path` that counts the connections it gets. */
async function fakeDaemon(path: string): Promise<{ server: Server; connections: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.end('{"jsonrpc":"2.0","id":1,"result":{"files":[]}}\n');
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanups.push(() => server.close());
  return { server, connections: () => n };
}

/** The default socket location under a private $XDG_RUNTIME_DIR. */
function defaultLocation(): { runtime: string; dir: string; socket: string; env: NodeJS.ProcessEnv } {
  const t = tempSocketDir("kldtrust");
  cleanups.push(t.remove);
  const dir = join(t.dir, "kldsim");
  return { runtime: t.dir, dir, socket: join(dir, "kld.sock"), env: envFor(t.socket, { KLD_SOCKET: undefined, XDG_RUNTIME_DIR: t.dir }) };
}

describe("clients trust only their own socket", () => {
  it("refuses a default socket directory others can enter, naming it and its mode", async () => {
    const loc = defaultLocation();
    mkdirSync(loc.dir);
    chmodSync(loc.dir, 0o755);
    const fake = await fakeDaemon(loc.socket);
    for (const [bin, args] of [["kld", ["stat"]], ["kld", ["load", "./x.ko"]], ["modunload", ["-n", "x"]]] as const) {
      const r = await run(bin, args, loc.env);
      expect(r.code, `${bin} ${args.join(" ")}`).toBe(69);
      expect(r.stderr).toContain(`${bin}: ${loc.dir}: Operation not permitted`);
      expect(r.stderr).toContain("must have mode 0700 (it is 755)");
    }
    expect(fake.connections()).toBe(0);
  });

  it.skipIf(!isRoot)("refuses a default socket directory another user owns (needs root to chown)", async () => {
    const loc = defaultLocation();
    mkdirSync(loc.dir, { mode: 0o700 });
    const fake = await fakeDaemon(loc.socket);
    chownSync(loc.dir, NOBODY, NOBODY);
    const r = await run("kld", ["stat"], loc.env);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(`is owned by uid ${NOBODY}, not by you (uid 0)`);
    expect(fake.connections()).toBe(0);
  });

  it.skipIf(!isRoot)("refuses a socket another user owns, even at $KLD_SOCKET (needs root to chown)", async () => {
    const t = tempSocketDir("kldtrust");
    cleanups.push(t.remove);
    mkdirSync(join(t.dir, "s"), { mode: 0o700 });
    const fake = await fakeDaemon(t.socket);
    chownSync(t.socket, NOBODY, NOBODY);
    const r = await run("kld", ["load", "./x.ko"], envFor(t.socket));
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(`kld: ${t.socket}: Operation not permitted`);
    expect(r.stderr).toContain(`socket ${t.socket} is owned by uid ${NOBODY}`);
    expect(fake.connections()).toBe(0);
  });

  it("still talks to its own socket in its own 0700 directory", async () => {
    const loc = defaultLocation();
    mkdirSync(loc.dir, { mode: 0o700 });
    const fake = await fakeDaemon(loc.socket);
    const r = await run("kld", ["stat", "--json"], loc.env);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ "kld-file-information": [] });
    expect(fake.connections()).toBe(1);
  });
});
