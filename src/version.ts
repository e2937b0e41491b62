/**
 * kldsim's version string, shown by the boot banner, `kld status` and every
 * binary's --version.  A constant rather than a read of package.json so the
 * CLI does no file I/O to start; test/cli/cli.test.ts keeps the two
 * in step.  FreeBSD counterpart: sys/conf/newvers.sh (the `version` string).
 */
export const KLDSIM_VERSION = "0.1.0";
