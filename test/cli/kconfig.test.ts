// The kconfig binary, run as a user runs it (support/bin.ts: the compiled dist/, which `npm test` builds first;
// without it every test here fails saying so).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runSync } from "../support/bin.js";
import { scratchDir } from "../support/scratch.js";

const work = scratchDir("kconfig-cli");

function kconfig(...args: string[]) {
  const r = runSync("kconfig", args, { ...process.env, NO_COLOR: "1" });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe("kconfig(8)", () => {
  it("reports every error of a file with file:line, exit 1", () => {
    const f = path.join(work, "BAD");
    fs.writeFileSync(f, "ident BAD\ndevice sio0 at isa? port irq 4\nfrob\ndevice sio0 at isa?\n");
    const r = kconfig(f);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").filter(Boolean)).toEqual([
      `kconfig: ${f}:2: syntax error near 'irq': port wants a number, an IO_* name or '?'`,
      `kconfig: ${f}:3: syntax error near 'frob': unknown keyword`,
      `kconfig: ${f}: 2 errors, no kernel image built`,
    ]);
    expect(r.out).toBe("");
  });

  it("says which file it cannot open", () => {
    const r = kconfig("nonexistent-CONF");
    expect([r.code, r.err]).toEqual([1, "kconfig: nonexistent-CONF: No such file or directory\n"]);
  });

  it("builds the shipped 2.2 LINT, whose devices overlap on purpose, warning about each overlap (issue 14)", () => {
    const lint = "test/fixtures/config/freebsd-2.2-LINT";
    const r = kconfig("-n", "--allow-missing", lint);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/configuration is valid \(0 static modules, \d+ devices/);
    expect(r.err).toContain("kconfig: WARNING: resources overlap: stli0: ports 0x2a0-0x2a0 overlap stl0's 0x2a0-0x2a0");
    const strict = kconfig("-n", "--allow-missing", "--check-resources", lint);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/^kconfig: test\/fixtures\/config\/freebsd-2.2-LINT: Device busy:$/m);
  });

  it("usage errors exit 64", () => {
    expect(kconfig().code).toBe(64);
    expect(kconfig("--yaml", "--show", "configs/GENERIC").code).toBe(64);
    expect(kconfig("--bogus", "configs/GENERIC").code).toBe(64);
  });

  it("--yaml prints YAML that kconfig reads back to the same YAML", () => {
    const a = kconfig("--yaml", "configs/LINT");
    expect(a.code).toBe(0);
    const f = path.join(work, "LINT.yaml");
    fs.writeFileSync(f, a.out);
    const b = kconfig("--yaml", f);
    expect(b.code).toBe(0);
    const body = (s: string) => s.split("\n").slice(1).join("\n");
    expect(body(b.out)).toBe(body(a.out));
  });

  it("plain GENERIC names the missing driver modules in one error", () => {
    const r = kconfig("-n", "configs/GENERIC");
    expect(r.code).toBe(1);
    expect(r.err).toContain("kconfig: configs/GENERIC: no module object for 5 configured names:");
    expect(r.err).toContain("kconfig:   sio.ko, wanted by device sio0 (configs/GENERIC:");
    expect(r.err).toContain("--allow-missing");
  });

  it("--allow-missing builds GENERIC; --show and -x read the image", () => {
    const dest = path.join(work, "GENERIC");
    const r = kconfig("--allow-missing", "-d", dest, "configs/GENERIC");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Kernel image is .*GENERIC\/kernel \(4 static modules, 6 devices, 6 options\)\n$/);
    expect(r.err).toContain("kconfig: WARNING: no module sio.ko for device sio0");
    const s = kconfig("--show", path.join(dest, "kernel"));
    expect(s.code).toBe(0);
    expect(s.out).toContain("ident GENERIC, machine i386");
    expect(s.out).toMatch(/sio0\s+device isa\? IO_COM1\(0x3f8\) 4/);
    expect(s.out).toMatch(/hello\s+\S*hello\.ko/);
    expect(s.out).toContain("HZ=100");
    const j = JSON.parse(kconfig("--show", "--json", path.join(dest, "kernel")).out);
    expect(j.schema).toBe("kldsim.kconfig.image/1");
    expect(j.devices[3]).toMatchObject({ name: "ed0", port: 0x280, irq: 10, iomem: 0xd8000 });
    const x = kconfig("-x", path.join(dest, "kernel"));
    expect(x.out).toBe(fs.readFileSync("configs/GENERIC", "utf8"));
  });

  it("--show refuses a damaged image with the reason", () => {
    const dest = path.join(work, "MIN");
    expect(kconfig("-d", dest, "configs/MINIMAL").code).toBe(0);
    const f = path.join(dest, "kernel");
    const b = fs.readFileSync(f);
    b[b.length - 2]! ^= 1;
    fs.writeFileSync(f, b);
    const r = kconfig("--show", f);
    expect([r.code, r.err]).toEqual([1, `kconfig: ${f}: Exec format error\nkconfig: kernel image checksum mismatch: the file has been altered or damaged\n`]);
    fs.writeFileSync(f, b.subarray(0, 40));
    expect(kconfig("--show", f).err).toContain("truncated kernel image: 40 bytes");
  });

  it("refuses a DESTDIR it cannot write", () => {
    const r = kconfig("-d", "/sys/kernel/kldsim", "configs/MINIMAL");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^kconfig: \/sys\/kernel\/kldsim: (Permission denied|Operation not permitted|No such file or directory)\n$/);
  });
});
