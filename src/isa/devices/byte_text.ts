/**
 * Bytes as text for the cards' run-time operations: the `kld machine`
 * script (`card com1 type "login\r"`, `card ne0 inject ff:ff:...`) hands the
 * cards strings, and their answers (what a UART transmitted, what a printer
 * printed) come back as one printable line.  Escapes follow C / printf(1):
 * \n \r \t \0 \\ \xHH; hex dumps accept "ff ff", "ff:ff" or "ffff".
 * Called by ns16550.ts, ne2000.ts and lpt.ts; no FreeBSD counterpart.
 */
import { KernelError } from "../../errno/kernel_error.js";

const SIMPLE: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, "0": 0x00, "\\": 0x5c, e: 0x1b, a: 0x07, b: 0x08 };

/**
 * Decode C-style escapes; other characters are taken as UTF-8.
 * @throws KernelError EINVAL naming the bad escape.
 */
export function parseEscapedBytes(text: string): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "\\") {
      out.push(...enc.encode(c));
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) throw new KernelError("EINVAL", text, "trailing backslash");
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out.push(simple);
      i++;
    } else if (e === "x") {
      const hex = text.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new KernelError("EINVAL", text, `bad escape \\x${hex}: need two hex digits`);
      out.push(parseInt(hex, 16));
      i += 3;
    } else {
      throw new KernelError("EINVAL", text, `unknown escape \\${e}`);
    }
  }
  return Uint8Array.from(out);
}

/** Printable ASCII as is, everything else escaped (inverse of parseEscapedBytes). */
export function formatEscapedBytes(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) {
    if (b === 0x5c) s += "\\\\";
    else if (b === 0x0a) s += "\\n";
    else if (b === 0x0d) s += "\\r";
    else if (b === 0x09) s += "\\t";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\x" + b.toString(16).padStart(2, "0");
  }
  return s;
}

/**
 * Decode a hex dump: pairs of hex digits, optionally separated by ':', '-'
 * or spaces.
 * @throws KernelError EINVAL on an odd digit count or a non-hex character.
 */
export function parseHexBytes(text: string): Uint8Array {
  const digits = text.replace(/[\s:-]/g, "");
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new KernelError("EINVAL", text, "not a hex dump");
  if (digits.length % 2 !== 0) throw new KernelError("EINVAL", text, "odd number of hex digits");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
