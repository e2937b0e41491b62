// The five binaries' command-line behaviour, run for real: help, version,
// usage errors (exit 64 with a usage line), and the binaries still waiting
// for their subsystems (they say what they await, exit 1, no fake output).
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { envFor, ROOT, run, tempSocketDir } from "../support/bin.js";

const tmp = tempSocketDir("kldcli");
const env = envFor(tmp.socket);

describe.concurrent("kld command line", () => {
  it("--help lists the subcommands, exit 0", async () => {
    const r = await run("kld", ["--help"], env);
    expect(r.code).toBe(0);
    for (const sub of ["boot", "shutdown", "reboot", "status", "stat", "dmesg"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${sub}\\b`, "m"));
    }
  });

  it("a subcommand's --help shows its usage, exit 0", async () => {
    const r = await run("kld", ["boot", "--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: kld boot [-f | --json] [-m machine.yaml] [-l loader.conf] [-w ms] [image]");
  });

  it("an unknown subcommand is a usage error: exit 64", async () => {
    const r = await run("kld", ["frobnicate"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/^kld: unknown command 'frobnicate'/);
    expect(r.stderr).toContain("usage: kld ");
  });

  it("a near miss suggests the right subcommand", async () => {
    const r = await run("kld", ["stta"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("(Did you mean stat?)");
  });

  it("an unknown option is a usage error naming it, with the usage line", async () => {
    const r = await run("kld", ["dmesg", "-x"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("kld: unknown option '-x'\nusage: kld dmesg [--json]\n");
  });

  it("a missing option argument is a usage error", async () => {
    const r = await run("kld", ["boot", "-m"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("kld: option '-m, --machine <machine>' argument missing\nusage: kld boot ");
  });

  it("no subcommand at all is a usage error", async () => {
    const r = await run("kld", [], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("Usage: kld");
  });

  it("a bad watchdog value is a usage error", async () => {
    const r = await run("kld", ["boot", "-w", "soon"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe("kld: invalid watchdog time 'soon' (-w): expected milliseconds between 1 and 3600000\n");
  });

  it("a boot slower than the watchdog fails and leaves no socket", async () => {
    const r = await run("kld", ["boot", "-w", "1"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kld: can't boot kernel: panic: watchdog timeout during boot in \S+/);
    expect(existsSync(tmp.socket)).toBe(false);
  });

  it("an unusable socket directory fails with FreeBSD's wording", async () => {
    const r = await run("kld", ["boot"], { ...env, KLD_SOCKET: "/proc/kldsim-nope/kld.sock" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("kld: /proc/kldsim-nope: No such file or directory\n");
  });

  it("a missing image or machine file fails with FreeBSD's ENOENT text", async () => {
    const r = await run("kld", ["boot", "-m", "/nonexistent.yaml"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("kld: can't boot with machine /nonexistent.yaml: No such file or directory\n");
  });
});

describe.concurrent.each(["kld", "modload", "modunload", "isaconf", "kconfig"])("%s", (bin) => {
  it("--version prints the version, exit 0", async () => {
    const r = await run(bin, ["--version"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each(["--help", "-h"])("%s prints usage, exit 0", async (flag) => {
    const r = await run(bin, [flag], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${bin} `));
  });
});

describe("kld help", () => {
  it("kld help CMD prints what kld CMD --help prints, exit 0", async () => {
    const viaHelp = await run("kld", ["help", "load"], env);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe((await run("kld", ["load", "--help"], env)).stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: kld load /);
    const top = await run("kld", ["help"], env);
    expect(top.code).toBe(0);
    expect(top.stdout).toBe((await run("kld", ["--help"], env)).stdout);
  });

  it("kld help of an unknown command is a usage error", async () => {
    const r = await run("kld", ["help", "bogus"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("kld: unknown command 'bogus'");
  });
});

describe("isaconf usage", () => {
  it("an unknown command is a usage error, exit 64, naming the commands", async () => {
    const r = await run("isaconf", ["bogus"], env);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("Allowed choices are list, add, probe, change, remove");
    expect(r.stderr).toMatch(/\nusage: isaconf /);
  });
});

describe.concurrent.each([
  ["isaconf", [], "newbus and the ISA bus driver"],
])("%s before its subsystem exists", (bin, args, awaits) => {
  it("says what it awaits and fails, exit 1", async () => {
    const r = await run(bin, args, env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${bin}: not yet available: awaits ${awaits}: Function not implemented\n`);
  });
});

describe("boot settings", () => {
  it("are shown by kld status and kept across kld reboot", async () => {
    const own = tempSocketDir("kldset");
    const e = envFor(own.socket);
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const conf = join(own.dir, "loader.conf");
    writeFileSync(conf, 'hello_load="YES"\n');
    const machine = join(ROOT, "configs", "machines", "bare.yaml");
    try {
      const b = await run("kld", ["boot", "-m", machine, "-l", conf, "-w", "4321"], e);
      expect(b.code, b.stderr).toBe(0);
      const before = JSON.parse((await run("kld", ["status", "--json"], e)).stdout) as Record<string, unknown>;
      expect(before).toMatchObject({ machine, loaderConf: conf, watchdogMs: 4321, image: null, foreground: false });
      expect((await run("kld", ["reboot", "-q"], e)).code).toBe(0);
      const after = JSON.parse((await run("kld", ["status", "--json"], e)).stdout) as Record<string, unknown>;
      expect(after).toMatchObject({ machine, loaderConf: conf, watchdogMs: 4321, state: "running" });
      const text = (await run("kld", ["status"], e)).stdout;
      expect(text).toContain(`machine:  ${machine}\n`);
      expect(text).toContain(`loader:   ${conf}\n`);
    } finally {
      await run("kld", ["shutdown"], e);
      own.remove();
    }
  });
});
