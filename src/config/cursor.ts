/**
 * A cursor over one configuration statement's tokens, with config(8)-style
 * error reporting (`syntax error near 'X': why`); an error abandons the
 * statement (StatementError), and the parser goes on with the next one.
 * Callers: parse_classic.ts and old_statements.ts (their own file, so the
 * two do not import each other).  FreeBSD counterpart: the yyerror()
 * reporting of usr.sbin/config/config.y.
 */
import { parseCNumber } from "../image/c_number.js";
import { quoteForMessage } from "../errno/host_file.js";
import { WILDCARD, type Wildcard } from "./ast.js";
import type { Diagnostics } from "./diagnostics.js";
import type { Statement, Token } from "./lexer.js";

/** Thrown inside a statement to abandon it; caught per statement. */
export class StatementError extends Error {}

/** A cursor over one statement's tokens with config(8)-style error reporting. */
export class Cursor {
  private i = 0;
  constructor(private readonly st: Statement, private readonly file: string, private readonly diags: Diagnostics) {}

  get line(): number {
    return this.st.line;
  }
  peek(off = 0): Token | undefined {
    return this.st.tokens[this.i + off];
  }
  next(): Token | undefined {
    return this.st.tokens[this.i++];
  }
  atEnd(): boolean {
    return this.i >= this.st.tokens.length;
  }
  /** True when the rest of the statement has the word `w`. */
  hasWord(w: string): boolean {
    return this.st.tokens.slice(this.i).some((t) => t.kind === "word" && t.text === w);
  }
  /** Report `syntax error near 'X': why` at the current token and abandon the statement. */
  fail(why: string, tok: Token | undefined = this.peek()): never {
    const near = tok === undefined ? "end of line" : `'${quoteForMessage(tok.kind === "string" ? `"${tok.text}"` : tok.text)}'`;
    this.diags.error(this.file, tok?.line ?? this.st.line, `syntax error near ${near}: ${why}`);
    throw new StatementError();
  }
  /** A plain error at this statement (not a syntax error). */
  error(message: string, line = this.st.line): never {
    this.diags.error(this.file, line, message);
    throw new StatementError();
  }
  /** A word or quoted string. */
  name(what: string): Token {
    const t = this.peek();
    if (t === undefined || (t.kind !== "word" && t.kind !== "string") || t.text === "") this.fail(`${what} expected`, t);
    this.i++;
    return t;
  }
  number(what: string): number {
    const t = this.peek();
    const v = t && (t.kind === "word" || t.kind === "string") ? parseCNumber(t.text) : undefined;
    if (v === undefined) this.fail(`${what} wants a number`, t);
    this.i++;
    return v;
  }
  numberOrWild(what: string): number | Wildcard {
    if (this.peek()?.kind === "?") {
      this.i++;
      return WILDCARD;
    }
    const t = this.peek();
    const v = t && (t.kind === "word" || t.kind === "string") ? parseCNumber(t.text) : undefined;
    if (v === undefined) this.fail(`${what} wants a number or '?'`, t);
    this.i++;
    return v;
  }
  accept(kind: Token["kind"], text?: string): boolean {
    const t = this.peek();
    if (t && t.kind === kind && (text === undefined || t.text === text)) {
      this.i++;
      return true;
    }
    return false;
  }
  end(): void {
    if (!this.atEnd()) this.fail("unexpected extra words");
  }
}
