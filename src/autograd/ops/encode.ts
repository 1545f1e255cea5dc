/** Encodings of class indices: one-hot rows (tfjs `oneHot`). */
import { Tensor } from '../../tensor/tensor.js';
import { ValueError } from '../../errors.js';
import { add, cast, equal, mul } from './elementwise.js';
import { reshape } from './transform.js';
import { asStorage, toTensor, type TensorInput } from './util.js';

/**
 * One-hot rows for int32 indices: shape [...indices.shape, depth], `onValue` at the index and
 * `offValue` elsewhere (an index outside [0, depth) gives a row of `offValue`). dtype int32 as in
 * tfjs; cast it for float targets.
 */
export function oneHot(indicesIn: TensorInput, depth: number, onValue = 1, offValue = 0, dtype: 'int32' | 'float32' = 'int32'): Tensor {
  const indices = toTensor(indicesIn, 'indices', 'oneHot', 'int32');
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`oneHot: depth must be a positive integer. Received depth=${depth}`);
  // Float indices are truncated to int32 (tfjs's kernel reads them as integers too).
  const idx = asStorage(indices, 'int32');
  const classes = Tensor.fromValues([depth], Int32Array.from({ length: depth }, (_, i) => i), 'int32', idx.backend);
  const hot = cast(equal(reshape(idx, [...idx.shape, 1]), classes), dtype);
  if (onValue === 1 && offValue === 0) return hot;
  const scalar = (v: number): Tensor => Tensor.fromValues([], [v], dtype, idx.backend);
  return add(mul(hot, scalar(onValue - offValue)), scalar(offValue));
}
