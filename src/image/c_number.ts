/**
 * C integer literals, as kernel configuration files and the image's option
 * and hint values spell them.  Shared by kconfig (src/config), which parses
 * them, and boot (src/kern), which reads option values from the image; it
 * lives with the image codec because both sides depend on that, not on each
 * other.  FreeBSD counterpart: the number rule of usr.sbin/config/lang.l.
 */
/**
 * A C integer literal as config(8) accepts it: `0x1f` hex, `017` octal,
 * `42` decimal.  Undefined when `text` is not one (or beyond 32 bits).
 */
export function parseCNumber(text: string): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = text.length === 1 ? 0 : Number.parseInt(text.slice(1), 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = Number.parseInt(text, 10);
  else return undefined;
  return v <= 0xffffffff ? v : undefined;
}
