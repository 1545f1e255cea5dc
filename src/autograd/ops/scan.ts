/**
 * Scans and selection (tfjs `cumsum`, `cumprod`, `topk`), each one backend kernel over the tensor
 * viewed as [outer, axis, inner]; no transposes.
 */
import { sizeOf } from '../../backend/shape.js';
import { ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { div, mul } from './elementwise.js';
import { asStorage, normAxis, storageType, toTensor, type TensorInput } from './util.js';

function scan(op: 'sum' | 'prod', xIn: TensorInput, axis: number, exclusive: boolean, reverse: boolean): Tensor {
  const name = op === 'sum' ? 'cumsum' : 'cumprod';
  const x0 = toTensor(xIn, 'x', name);
  const ax = normAxis(axis, Math.max(x0.rank, 1), name);
  // tfjs: bool sums and products count as int32.
  const dtype = storageType(x0) === 'float32' ? 'float32' : 'int32';
  const x = asStorage(x0, dtype);
  const shape = x0.rank === 0 ? [1] : x0.shape;
  const outer = sizeOf(shape.slice(0, ax)), len = shape[ax], inner = sizeOf(shape.slice(ax + 1));
  const be = x.backend;
  const y = Tensor.empty(x0.shape, dtype, be);
  if (y.size > 0) be.cumulative(op, x.storage, y.storage, outer, len, inner, exclusive, reverse);
  if (dtype !== 'float32') return y;
  return record(y, name, [x0], (dy, grads) => {
    // d/dx of a running sum is the running sum of dy the other way round.
    if (op === 'sum') grads.add(x0, scan('sum', dy, ax, exclusive, !reverse));
    // Running product: dx_i = Σ_{j ≥ i} dy_j·y_j / x_i (x without zeros, as TensorFlow's gradient assumes).
    else grads.add(x0, div(scan('sum', mul(dy, y), ax, exclusive, !reverse), x0));
  });
}

/**
 * Running sum along an axis (tfjs `cumsum`): `exclusive` leaves each value out of its own sum,
 * `reverse` sums from the end.
 * @example ck.cumsum([1, 2, 3]) // [1, 3, 6]
 */
export function cumsum(x: TensorInput, axis = 0, exclusive = false, reverse = false): Tensor {
  return scan('sum', x, axis, exclusive, reverse);
}

/** Running product along an axis (tfjs `cumprod`). */
export function cumprod(x: TensorInput, axis = 0, exclusive = false, reverse = false): Tensor {
  return scan('prod', x, axis, exclusive, reverse);
}

/**
 * The k largest entries of the last axis and their int32 indices (tfjs `topk`): sorted descending
 * by default, ties to the lower index.
 * @example const { values, indices } = ck.topk(logits, 5);
 */
export function topk(xIn: TensorInput, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  const x0 = toTensor(xIn, 'x', 'topk');
  if (x0.rank === 0) throw new ValueError('topk: x must have rank 1 or more. Received a scalar');
  const cols = x0.shape[x0.rank - 1];
  if (!Number.isInteger(k) || k < 0 || k > cols) throw new ValueError(`topk: k must be an integer in [0, ${cols}] for x of shape ${fmtShape(x0.shape)}. Received k=${k}`);
  const dtype = storageType(x0);
  const x = asStorage(x0, dtype);
  const shape = [...x0.shape.slice(0, -1), k];
  const be = x.backend;
  const values = Tensor.empty(shape, dtype, be), indices = Tensor.empty(shape, 'int32', be);
  const rows = sizeOf(x0.shape.slice(0, -1));
  if (values.size > 0) be.topk(x.storage, values.storage, indices.storage, rows, cols, k, sorted);
  return { values, indices };
}
