/**
 * A minimal card type for the machine tests: eight byte latches at `port`,
 * an IRQ line raised by writing 1 to base+7, and a control() op.  Registered
 * once per test file (vitest isolates modules per file).
 */
import type { IrqLine, IsaDevice } from "../../src/isa/device.js";
import { KernelError } from "../../src/errno/kernel_error.js";
import { cardType, registerCardType } from "../../src/isa/devices/registry.js";

export const TEST_CARD = "testlatch";
export const TEST_COM = "testcom";

export function registerTestCards(): void {
  if (cardType(TEST_CARD)) return;
  registerCardType(TEST_CARD, {
    description: "test latch card",
    options: {
      port: { kind: "port", required: true, description: "base" },
      irq: { kind: "irq", description: "line" },
      drq: { kind: "drq", description: "dma" },
      iomem: { kind: "iomem", description: "window" },
      mode: { kind: "enum", values: ["a", "b"], default: "a", description: "model" },
      fast: { kind: "boolean", default: false, description: "flag" },
      mac: { kind: "mac", description: "address" },
      size: { kind: "integer", min: 1, max: 64, default: 8, description: "ports" },
    },
    create(name, o, ctx) {
      const regs = new Uint8Array(8);
      const base = o.port;
      const line: IrqLine | undefined = o.irq === undefined ? undefined : ctx.irq(o.irq);
      if (o.drq !== undefined) ctx.dma(o.drq);
      const win = new Uint8Array(0x2000);
      if (o.iomem !== undefined) {
        const start = o.iomem;
        ctx.claimMemory(start, win.length, { read: (a) => win[a - start]!, write: (a, v) => (win[a - start] = v) });
      }
      ctx.claimPorts({ start: base, length: o.size, widths: [1] }, {
        read: (p) => regs[(p - base) & 7]!,
        write: (p, v) => {
          regs[(p - base) & 7] = v;
          if (p - base === 7) line?.set(v === 1);
        },
      });
      const dev: IsaDevice = {
        name,
        type: TEST_CARD,
        reset: () => regs.fill(0),
        snapshot: () => ({ reg0: regs[0]!, mode: o.mode, fast: o.fast }),
        control(op, args) {
          if (op === "poke") {
            regs[Number(args[0])] = Number(args[1]);
            return [];
          }
          if (op === "echo") return [args.join(" ")];
          throw new KernelError("EOPNOTSUPP", name, `unknown operation "${op}"`);
        },
      };
      return dev;
    },
  });
  registerCardType(TEST_COM, {
    description: "test serial card the BIOS lists",
    bios: "com",
    options: { port: { kind: "port", required: true, description: "base" } },
    create(name, o, ctx) {
      ctx.claimPorts({ start: o.port, length: 8, widths: [1] }, { read: () => 0, write: () => {} });
      return { name, type: TEST_COM, reset: () => {}, snapshot: () => ({}) };
    },
  });
}
