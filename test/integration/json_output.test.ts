/**
 * Issue 13 polish: --json on every kld command that prints a result (boot,
 * load, unload, reboot, shutdown, build and xref beside the listings), and
 * kld boot takes -m/--machine as kld machine does.
 */
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { envFor, ROOT, run, tempSocketDir } from "../support/bin.js";

const tmp = tempSocketDir("kldjson");
const env = envFor(tmp.socket);
const HELLO = join(ROOT, "src", "sys", "modules", "hello", "hello.ko");
const BARE = join(ROOT, "configs", "machines", "bare.yaml");

afterAll(async () => {
  await run("kld", ["shutdown"], env);
  tmp.remove();
});

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("--json results", () => {
  it("boot --machine ... --json: the socket and pid; the machine is the one named", async () => {
    const r = await run("kld", ["boot", "--machine", BARE, "--json"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ schema: "kldsim.boot/1", socket: tmp.socket });
    expect(typeof doc["pid"]).toBe("number");
    expect(json((await run("kld", ["status", "--json"], env)).stdout)["machine"]).toBe(BARE);
  });

  it("load --json: each file loaded or failed; failures still on stderr, exit 1", async () => {
    const r = await run("kld", ["load", "--json", HELLO, "./nonexistent.ko"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("kld: can't load ./nonexistent.ko: No such file or directory");
    const doc = json(r.stdout) as { schema: string; files: Array<Record<string, unknown>> };
    expect(doc.schema).toBe("kldsim.kldload/1");
    expect(doc.files[0]).toMatchObject({ file: HELLO, status: "loaded", name: "hello.ko", pathname: HELLO });
    expect(typeof doc.files[0]!["id"]).toBe("number");
    expect(doc.files[1]).toMatchObject({ file: "./nonexistent.ko", status: "failed" });
    expect(String(doc.files[1]!["error"])).toContain("No such file or directory");
    const again = json((await run("kld", ["load", "-n", "--json", HELLO], env)).stdout);
    expect(again["files"]).toEqual([{ file: HELLO, status: "present" }]);
  });

  it("unload --json: the files that left the kernel", async () => {
    const r = await run("kld", ["unload", "--json", "hello.ko"], env);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ schema: "kldsim.kldunload/1", name: "hello.ko", unloaded: [{ name: "hello.ko" }] });
  });

  it("reboot --json: the new kernel's status", async () => {
    const r = await run("kld", ["reboot", "--json"], env);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ schema: "kldsim.status/1", state: "running", machine: BARE });
  });

  it("boot -f --json is a usage error", async () => {
    const r = await run("kld", ["boot", "-f", "--json"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("--json is for a detached boot");
  });

  it("shutdown --json: halted, socket removed", async () => {
    const r = await run("kld", ["shutdown", "--json"], env);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toEqual({ schema: "kldsim.shutdown/1", socket: tmp.socket, halted: true, socketRemoved: true });
  });

  it("xref --json: each directory's files and their records", async () => {
    const dir = join(ROOT, "src", "sys", "modules", "hello");
    const { mkdtempSync, copyFileSync } = await import("node:fs");
    const d = mkdtempSync(join(tmp.dir, "x-"));
    copyFileSync(join(dir, "hello.ko"), join(d, "hello.ko"));
    const r = await run("kld", ["xref", "--json", d], env);
    expect(r.code).toBe(0);
    const doc = json(r.stdout) as { directories: Array<{ dir: string; files: Array<{ file: string; records: unknown[] }> }> };
    expect(doc.directories[0]?.dir).toBe(d);
    expect(doc.directories[0]?.files[0]?.file).toBe("hello.ko");
    expect(doc.directories[0]?.files[0]?.records).toContainEqual(expect.objectContaining({ name: "hello" }));
  });
});
