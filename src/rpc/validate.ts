/**
 * Runtime validators for RPC parameters: the decode boundary between JSON
 * that arrived on the socket and the typed params a kernel handler sees.
 *
 * protocol.ts builds one validator per method from these combinators; the
 * daemon runs it before a request is queued for the kernel, so a handler
 * never sees a wrong type.  A failure names the offending field the way a
 * user can act on it ("params.path: expected string, got number").
 * No FreeBSD counterpart: the kernel's syscall layer copies in C structs.
 */

/** A checker: returns the typed value or throws ParamError. */
export type Validator<T> = (value: unknown, where: string) => T;

/** A parameter failed validation; the daemon answers JSON-RPC -32602. */
export class ParamError extends Error {
  constructor(readonly where: string, readonly expected: string, got: unknown) {
    super(`${where}: expected ${expected}, got ${describe(got)}`);
    this.name = "ParamError";
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

export const string: Validator<string> = (v, where) => {
  if (typeof v !== "string") throw new ParamError(where, "string", v);
  return v;
};

export const boolean: Validator<boolean> = (v, where) => {
  if (typeof v !== "boolean") throw new ParamError(where, "boolean", v);
  return v;
};

/** A finite integer (JSON numbers are doubles; ids and sizes are not). */
export const integer: Validator<number> = (v, where) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new ParamError(where, "integer", v);
  }
  return v;
};

export function arrayOf<T>(item: Validator<T>): Validator<readonly T[]> {
  return (v, where) => {
    if (!Array.isArray(v)) throw new ParamError(where, "array", v);
    return v.map((x: unknown, i) => item(x, `${where}[${i}]`));
  };
}

export function oneOf<const T extends string>(...choices: readonly T[]): Validator<T> {
  return (v, where) => {
    if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
      throw new ParamError(where, `one of ${choices.join(", ")}`, v);
    }
    return v as T;
  };
}

type Shape = Record<string, Validator<unknown>>;
type Required<S extends Shape> = { readonly [K in keyof S]: ReturnType<S[K]> };
type Optional<S extends Shape> = { readonly [K in keyof S]?: ReturnType<S[K]> };

/**
 * An object with the given required and optional fields.  Unknown fields
 * are refused: a misspelt option must not be silently ignored.
 */
export function object<R extends Shape, O extends Shape = Record<never, never>>(
  required: R,
  optional?: O,
): Validator<Required<R> & Optional<O>> {
  return (v, where) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new ParamError(where, "object", v);
    }
    const rec = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(required)) {
      if (!(k in rec)) throw new ParamError(`${where}.${k}`, "a value (missing)", undefined);
      out[k] = check(rec[k], `${where}.${k}`);
    }
    for (const [k, check] of Object.entries(optional ?? {})) {
      if (k in rec && rec[k] !== undefined) out[k] = check(rec[k], `${where}.${k}`);
    }
    for (const k of Object.keys(rec)) {
      if (!(k in required) && !(optional && k in optional)) {
        throw new ParamError(`${where}.${k}`, "no such field", rec[k]);
      }
    }
    return out as Required<R> & Optional<O>;
  };
}

/** Parameters that must be absent, `{}` or `[]` (JSON-RPC allows all three). */
export const none: Validator<Record<string, never>> = (v, where) => {
  if (v === undefined) return {};
  if (Array.isArray(v) && v.length === 0) return {};
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) {
    return {};
  }
  throw new ParamError(where, "no parameters", v);
};
