/**
 * The lexer of the classic configuration syntax: splits text into statements
 * (one per line, or separated by `;`) of words, quoted strings and the
 * punctuation `=`, `,` and `?`.
 *
 * Called by parse_classic.ts.  Corresponds to FreeBSD usr.sbin/config/lang.l:
 * `#` starts a comment, a newline ends a statement (lang.l turns it into
 * SEMICOLON), strings are double-quoted, and `?` is its own token so that
 * `port?` and `isa?` work without a space.  Numbers are words here; the parser
 * decides (`parseCNumber`) where a number is expected, which keeps `0x280`,
 * `IO_COM1` and `-g` all simple words.  An unterminated string runs to the
 * end of its line; the complaint travels with its statement, so that the
 * parser reports it in line order with everything else.
 */

import { quoteForMessage } from "../errno/host_file.js";

export type TokenKind = "word" | "string" | "=" | "," | "?";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

export interface Statement {
  readonly line: number;
  readonly tokens: readonly Token[];
  /** What the lexer found wrong in this statement (an unterminated string). */
  readonly lexError?: string;
}

const PUNCT = new Set(["=", ",", "?"]);
const isSpace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v";

/** Tokenize a whole file into non-empty statements. Never throws. */
export function lexConfig(text: string): Statement[] {
  const out: Statement[] = [];
  let tokens: Token[] = [];
  let lexError: string | undefined;
  let stmtLine = 1;
  let line = 1;
  let i = 0;
  const n = text.length;
  const endStatement = (): void => {
    if (tokens.length > 0) out.push({ line: stmtLine, tokens, ...(lexError !== undefined ? { lexError } : {}) });
    tokens = [];
    lexError = undefined;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      endStatement();
      line++;
      i++;
      continue;
    }
    if (c === ";") {
      endStatement();
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (tokens.length === 0) stmtLine = line;
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== "\n") j++;
      if (j >= n || text[j] === "\n") {
        lexError ??= `unterminated quoted string '"${quoteForMessage(text.slice(i + 1, j))}'`;
        tokens.push({ kind: "string", text: text.slice(i + 1, j), line });
        i = j;
        continue;
      }
      tokens.push({ kind: "string", text: text.slice(i + 1, j), line });
      i = j + 1;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, line });
      i++;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text[j]!;
      if (d === "\n" || d === ";" || d === "#" || d === '"' || isSpace(d) || PUNCT.has(d)) break;
      j++;
    }
    tokens.push({ kind: "word", text: text.slice(i, j), line });
    i = j;
  }
  endStatement();
  return out;
}
