/**
 * readObject: parse and validate a wasm relocatable object (STUB: being written).
 */
import { KernelError } from "../kernel_error.js";
import type { WasmObject } from "./object_types.js";

export function isWasmObject(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

export function readObject(_bytes: Uint8Array, filename: string): WasmObject {
  throw new KernelError("ENOEXEC", filename, "readObject not implemented yet");
}
