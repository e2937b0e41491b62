/**
 * The symbolic ISA I/O port names that config files may use (`port "IO_COM1"`,
 * `port IO_TIMER1`), with their addresses.
 *
 * Used by the config parsers to resolve a symbolic port and by to_yaml.ts to
 * keep the symbol.  Mirrors FreeBSD sys/i386/isa/isa.h (3.x/4.x revision);
 * this is the one TS file that spells these names.  (Port range sizes for
 * the overlap check are per driver: build_image.ts DRIVER_PORT_SIZE.)
 */

export const IO_PORTS: ReadonlyMap<string, number> = new Map<string, number>([
  // CPU board
  ["IO_DMA1", 0x000], ["IO_ICU1", 0x020], ["IO_PMP1", 0x026], ["IO_TIMER1", 0x040],
  ["IO_TIMER2", 0x048], ["IO_KBD", 0x060], ["IO_PPI", 0x061], ["IO_RTC", 0x070],
  ["IO_NMI", 0x070], ["IO_DMAPG", 0x080], ["IO_ICU2", 0x0a0], ["IO_DMA2", 0x0c0],
  ["IO_NPX", 0x0f0],
  // Cards
  ["IO_WD2", 0x170], ["IO_PMP2", 0x178], ["IO_WD1", 0x1f0], ["IO_GAME", 0x201],
  ["IO_ASC2", 0x22b], ["IO_ASC3", 0x26b], ["IO_GSC1", 0x270], ["IO_LPT2", 0x278],
  ["IO_ASC4", 0x2ab], ["IO_GSC2", 0x2e0], ["IO_COM4", 0x2e8], ["IO_ASC5", 0x2eb],
  ["IO_COM2", 0x2f8], ["IO_ASC6", 0x32b], ["IO_AHA0", 0x330], ["IO_BT0", 0x330],
  ["IO_UHA0", 0x330], ["IO_AHA1", 0x334], ["IO_BT1", 0x334], ["IO_WDS", 0x350],
  ["IO_ASC7", 0x36b], ["IO_GSC3", 0x370], ["IO_FD2", 0x370], ["IO_LPT1", 0x378],
  ["IO_ASC8", 0x3ab], ["IO_MDA", 0x3b0], ["IO_LPT3", 0x3bc], ["IO_VGA", 0x3c0],
  ["IO_CGA", 0x3d0], ["IO_GSC4", 0x3e0], ["IO_COM3", 0x3e8], ["IO_ASC1", 0x3eb],
  ["IO_FD1", 0x3f0], ["IO_COM1", 0x3f8],
  ["IO_ISABEGIN", 0x000], ["IO_ISAEND", 0x3ff],
]);

/** Resolve `IO_COM1` (case-sensitive, as in C); undefined when unknown. */
export function ioPort(name: string): number | undefined {
  return IO_PORTS.get(name);
}
