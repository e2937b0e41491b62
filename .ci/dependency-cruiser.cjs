/**
 * kldsim's layer rules (DESIGN.md §6), checked by `npm test` through
 * `npm run layers` (dependency-cruiser).  Arrows point one way:
 *
 *   bin -> cli -> rpc (client, protocol), config, build, image, wasmobj,
 *                 isa, errno, and of the daemon only socket_path and launch
 *   daemon -> kern, rpc, image, isa, errno
 *   kern -> wasmobj, image, isa, errno, and rpc/protocol for types only
 *   config -> wasmobj, image, errno;  build -> wasmobj, errno
 *   image -> wasmobj, errno;  wasmobj -> errno;  rpc -> errno;  isa -> errno
 *   errno -> nothing
 *
 * Below all of them, importing nothing of ours, any layer may use:
 *   - the leaf modules at src/*.ts (version, uptime, package paths,
 *     mkdir -p): Node built-ins only;
 *   - src/sys/sys_constants.ts, the TypeScript mirror of the C headers in
 *     src/sys/include: the modules' C ABI, which the kernel, the object
 *     library (module metadata) and kconfig (the kernel version a static
 *     module may depend on) all read.
 *
 * Each rule is named for the layer it guards, so a back arrow fails with
 * the rule's name and the offending import.  Type-only imports count
 * (tsPreCompilationDeps), and so do dynamic import()s.
 *
 * Where the rules differ from the first plan (issue 8), and why:
 *   - cli may import src/daemon/launch.ts besides socket_path.ts: it starts
 *     the daemon by path (a child process) and holds the launch messages,
 *     and imports no daemon or kernel code itself.
 *   - rpc/server.ts is the daemon's side of the transport: cli may not
 *     import it.
 *   - leaf modules and sys_constants.ts are allowed everywhere (see above).
 */
const LEAVES = ["^src/[^/]+\\.ts$", "^src/sys/[^/]+\\.ts$"];

/** A rule: files under `from` may import only what `allowed` matches (plus leaves, npm, Node). */
function layer(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from },
    to: {
      pathNot: [...allowed, ...LEAVES, "^node_modules/"],
      dependencyTypesNot: ["core"],
    },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, type-only ones included: a cycle means two files are one layer.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import must resolve to a file (a rule cannot check what it cannot see).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "bin-runs-cli-only",
      comment: "bin/ holds one launcher per binary; each runs its compiled CLI file and nothing else.",
      severity: "error",
      from: { path: "^bin/" },
      to: { pathNot: ["^dist/src/cli/[^/]+\\.js$"], dependencyTypesNot: ["core"] },
    },
    {
      name: "cli-never-loads-the-kernel",
      comment:
        "The CLI talks to the kernel over RPC only; kernel code on the CLI path costs start-up and " +
        "couples the tools to kernel internals.  Shapes the CLI needs belong to src/rpc/protocol.ts.  " +
        "Checked through every path, not only direct imports.",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/kern/", reachable: true },
    },
    layer(
      "cli-layer",
      "cli may use: rpc (client, protocol; not the server), config, build, image, wasmobj, isa, errno, " +
        "daemon/socket_path.ts and daemon/launch.ts (starting the daemon by path).",
      "^src/cli/",
      [
        "^src/cli/",
        "^src/rpc/(?!server\\.ts$)",
        "^src/(config|build|image|wasmobj|isa|errno)/",
        "^src/daemon/(socket_path|launch)\\.ts$",
      ],
    ),
    layer(
      "daemon-layer",
      "The daemon hosts the kernel worker and serves RPC: it may use kern, rpc, image, isa, errno, never the CLI.",
      "^src/daemon/",
      ["^src/(daemon|kern|rpc|image|isa|errno)/"],
    ),
    layer(
      "kern-layer",
      "The kernel uses its own parts, the object library, the image codec, the emulated machine, errno, " +
        "and the RPC protocol's types (the protocol owns its data shapes; kern maps onto them).",
      "^src/kern/",
      ["^src/(kern|wasmobj|image|isa|errno)/", "^src/rpc/protocol\\.ts$"],
    ),
    {
      name: "kern-uses-protocol-types-only",
      comment: "The kernel imports the protocol's types, never its code (validators, tables): `import type`.",
      severity: "error",
      from: { path: "^src/kern/" },
      to: { path: "^src/rpc/", dependencyTypesNot: ["type-only"] },
    },
    layer(
      "rpc-layer",
      "The protocol, framing, client and server sit below both CLI and daemon: errno only, never kern or daemon.",
      "^src/rpc/",
      ["^src/(rpc|errno)/"],
    ),
    layer(
      "config-layer",
      "kconfig builds images from objects: the object library, the image codec, errno; never the kernel.",
      "^src/config/",
      ["^src/(config|wasmobj|image|errno)/"],
    ),
    layer(
      "build-layer",
      "kld build and kldxref are userland tools over the object library: wasmobj and errno only.",
      "^src/build/",
      ["^src/(build|wasmobj|errno)/"],
    ),
    layer(
      "image-layer",
      "The kernel image codec sits below config and kern: errno and the object library only.",
      "^src/image/",
      ["^src/(image|wasmobj|errno)/"],
    ),
    layer("wasmobj-layer", "The wasm object library knows no kernel: errno only.", "^src/wasmobj/", [
      "^src/(wasmobj|errno)/",
    ]),
    layer("isa-layer", "The emulated PC imports nothing above it: errno only.", "^src/isa/", ["^src/(isa|errno)/"]),
    layer("errno-layer", "errno is the floor: it imports nothing of ours.", "^src/errno/", ["^src/errno/"]),
    {
      name: "leaves-import-nothing",
      comment: "src/*.ts and src/sys/*.ts are used by every layer, so they may import nothing of ours.",
      severity: "error",
      from: { path: LEAVES },
      to: { path: "^src/" },
    },
    {
      name: "terminal-libraries-in-cli-only",
      comment: "commander, chalk and ora are the CLI's; nothing below it draws on a terminal.",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^node_modules/(commander|chalk|ora)/" },
    },
  ],
  options: {
    doNotFollow: { path: ["^node_modules/", "^dist/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".cjs", ".mjs", ".json"],
    },
  },
};
