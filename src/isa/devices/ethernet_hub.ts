/**
 * A virtual Ethernet hub (a repeater, not a switch): every frame a port
 * sends is delivered to every other port of the same hub.  One machine's
 * NE2000s share a hub per name (option `hub:`, default "hub0"); hubs are
 * found through the machine's clock, which is unique per machine, so two
 * machines in one process never hear each other.  Delivery is synchronous
 * at the moment the sender's transmission completes in virtual time.
 * Used by ne2000.ts; no FreeBSD counterpart (think of a 10BASE2 coax
 * segment, or a bridge(4) of tap(4)s).
 */
import type { Clock } from "../device.js";

export interface HubPort {
  /** A frame from another station on the segment. */
  receiveFrame(frame: Uint8Array): void;
}

export class EthernetHub {
  private readonly ports = new Set<HubPort>();

  attach(port: HubPort): void {
    this.ports.add(port);
  }

  detach(port: HubPort): void {
    this.ports.delete(port);
  }

  /** Repeat `frame` to every port but the sender (null: a host-side injection reaching all). */
  send(from: HubPort | null, frame: Uint8Array): void {
    for (const p of [...this.ports]) {
      if (p !== from) p.receiveFrame(frame.slice());
    }
  }

  size(): number {
    return this.ports.size;
  }
}

const hubs = new WeakMap<Clock, Map<string, EthernetHub>>();

/** The hub called `name` of the machine that owns `clock`. */
export function hubFor(clock: Clock, name: string): EthernetHub {
  let m = hubs.get(clock);
  if (!m) {
    m = new Map();
    hubs.set(clock, m);
  }
  let h = m.get(name);
  if (!h) {
    h = new EthernetHub();
    m.set(name, h);
  }
  return h;
}
