/**
 * JSON-RPC 2.0 message shapes and the decoder the daemon runs on every
 * received line: it turns untrusted text into well-formed requests, or into
 * the error responses the specification prescribes (parse error, invalid
 * request), including for each bad member of a batch.
 * Callers: src/rpc/server.ts (decode) and src/rpc/client.ts (responses).
 * No FreeBSD counterpart.
 */
import { RpcCode, type RpcErrorObject } from "./protocol.js";

export type RpcId = string | number | null;

export interface RpcRequest {
  readonly jsonrpc: "2.0";
  readonly method: string;
  readonly params?: unknown;
  /** Absent for a notification (no response is sent). */
  readonly id?: RpcId;
}

export interface RpcSuccess {
  readonly jsonrpc: "2.0";
  readonly id: RpcId;
  readonly result: unknown;
}

export interface RpcFailure {
  readonly jsonrpc: "2.0";
  readonly id: RpcId;
  readonly error: RpcErrorObject;
}

export type RpcResponse = RpcSuccess | RpcFailure;

/** A message without an id, from the daemon to a client (uprintf). */
export interface RpcNotification {
  readonly jsonrpc: "2.0";
  readonly method: string;
  readonly params: unknown;
}

/** One decoded member: a request to run, or an error already decided. */
export type Decoded =
  | { readonly kind: "request"; readonly request: RpcRequest }
  | { readonly kind: "error"; readonly response: RpcFailure };

export interface DecodedLine {
  readonly batch: boolean;
  readonly members: readonly Decoded[];
}

export function failure(id: RpcId, error: RpcErrorObject): RpcFailure {
  return { jsonrpc: "2.0", id, error };
}

export function success(id: RpcId, result: unknown): RpcSuccess {
  return { jsonrpc: "2.0", id, result };
}

function isId(v: unknown): v is RpcId {
  return v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
}

/** The id to echo in an error about `v`, when one can be recovered. */
function salvageId(v: unknown): RpcId {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const id = (v as Record<string, unknown>)["id"];
    if (isId(id)) return id;
  }
  return null;
}

function invalid(v: unknown, why: string): Decoded {
  return {
    kind: "error",
    response: failure(salvageId(v), { code: RpcCode.INVALID_REQUEST, message: `Invalid Request: ${why}` }),
  };
}

/** Check one parsed value against the Request object rules of JSON-RPC 2.0. */
export function decodeMember(v: unknown): Decoded {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return invalid(v, "not an object");
  }
  const o = v as Record<string, unknown>;
  if (o["jsonrpc"] !== "2.0") return invalid(v, 'jsonrpc must be "2.0"');
  if (typeof o["method"] !== "string") return invalid(v, "method must be a string");
  if ("id" in o && !isId(o["id"])) return invalid(v, "id must be a string, number or null");
  const params = o["params"];
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    return invalid(v, "params must be an object or an array");
  }
  for (const k of Object.keys(o)) {
    if (k !== "jsonrpc" && k !== "method" && k !== "params" && k !== "id") {
      return invalid(v, `unknown member "${k}"`);
    }
  }
  const request: RpcRequest = {
    jsonrpc: "2.0",
    method: o["method"] as string,
    ...(params !== undefined ? { params } : {}),
    ...("id" in o ? { id: o["id"] as RpcId } : {}),
  };
  return { kind: "request", request };
}

/** Decode one received line: a single request or a batch. */
export function decodeLine(text: string): DecodedLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : "not JSON";
    return {
      batch: false,
      members: [{ kind: "error", response: failure(null, { code: RpcCode.PARSE_ERROR, message: `Parse error: ${why}` }) }],
    };
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return { batch: false, members: [invalid(parsed, "empty batch")] };
    return { batch: true, members: parsed.map(decodeMember) };
  }
  return { batch: false, members: [decodeMember(parsed)] };
}
