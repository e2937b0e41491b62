/**
 * linkObject: relocate, emit, compile and instantiate (STUB: being written).
 */
import { KernelError } from "../kernel_error.js";
import type { LinkEnv, LinkedObject, WasmObject } from "./object_types.js";

export function linkObject(obj: WasmObject, _env: LinkEnv): LinkedObject {
  throw new KernelError("ENOEXEC", obj.filename, "linkObject not implemented yet");
}
