/**
 * tfjs's memory helpers that are not `tidy`/`dispose` (those live in the engine): `memory()` and
 * `keep()`.
 */
import { ValueError } from '../errors.js';
import { Tensor, liveCounts } from './tensor.js';

/** What `ck.memory()` reports (tfjs `MemoryInfo`). */
export interface MemoryInfo {
  /** Tensors created and not yet disposed. */
  numTensors: number;
  /** Storages behind them (reshaped views share one). */
  numDataBuffers: number;
  /** Bytes of those storages (4 per float32/int32 value, 1 per bool/uint8). */
  numBytes: number;
  /** True: tensors that are never disposed are freed by the garbage collector and count until then. */
  unreliable: boolean;
  reasons: string[];
}

/**
 * Counts of live tensors and their memory (tfjs `tf.memory()`): a loop that leaks tensors shows a
 * growing `numTensors`, as in tfjs. Tensors of a training step count only while the step runs.
 */
export function memory(): MemoryInfo {
  return {
    ...liveCounts(),
    unreliable: true,
    reasons: ['Tensors that are neither disposed nor kept are freed by garbage collection; they count until they are collected.'],
  };
}

/**
 * Keeps a tensor made inside `tidy` from being disposed when the tidy ends (tfjs `tf.keep`).
 * @example let b; ck.tidy(() => { b = ck.keep(a.square()); });
 */
export function keep<T extends Tensor>(result: T): T {
  if (!(result instanceof Tensor)) throw new ValueError(`keep: expects a tensor. Received ${typeof result}`);
  result.kept = true;
  return result;
}
