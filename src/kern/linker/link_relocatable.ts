/**
 * mergeObjects: ld -r (STUB: being written).
 */
import { KernelError } from "../kernel_error.js";

export interface ObjectInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export function mergeObjects(inputs: readonly ObjectInput[]): Uint8Array {
  throw new KernelError("ENOEXEC", inputs[0]?.name, "mergeObjects not implemented yet");
}
