/**
 * Reductions over axes with tfjs's `keepDims` (sum, mean, prod, max, min, any, all, argMax,
 * argMin). The reduced axes are moved last (a strided copy, skipped when they already are) and
 * each row is reduced by the backend's `reduce` kernel, in index order.
 */
import type { DType as StorageDType, ReduceOp } from '../../backend/backend.js';
import { sizeOf, stridesOf } from '../../backend/shape.js';
import { ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { abs, add, cast, div, equal, exp, log, mul, sqrt, square, sub } from './elementwise.js';
import { broadcastTo } from './transform.js';
import { asStorage, normAxes, storageType, toTensor, type TensorInput } from './util.js';

interface Plan {
  axes: number[];
  /** Output shape without the reduced axes, and with 1s there (keepDims). */
  outShape: number[];
  keptShape: number[];
  outer: number;
  inner: number;
}

function plan(x: Tensor, axis: number | readonly number[] | undefined | null, op: string): Plan {
  const axes = normAxes(axis, x.rank, op);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  return { axes, outShape, keptShape: kept, outer: sizeOf(outShape), inner };
}

/** x's storage with the reduced axes last and contiguous (a copy only when they are not already). */
function rowsOf(x: Tensor, axes: number[], dtype: StorageDType): Tensor {
  const X = asStorage(x, dtype);
  const rank = x.rank;
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing) return X;
  const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keptAxes, ...axes];
  const xs = stridesOf(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  const y = Tensor.empty(shape, dtype, X.backend);
  if (y.size > 0) X.backend.stridedCopy(X.storage, 0, perm.map((d) => xs[d]), y.storage, 0, stridesOf(shape), shape);
  return y;
}

function reduceRaw(op: ReduceOp, x: Tensor, p: Plan, inType: StorageDType, outType: StorageDType, keepDims: boolean): Tensor {
  const rows = rowsOf(x, p.axes, inType);
  const be = rows.backend;
  const y = Tensor.empty(keepDims ? p.keptShape : p.outShape, outType, be);
  if (p.inner === 0 && (op === 'argMax' || op === 'argMin')) throw new ValueError(`${op}: cannot reduce an axis of size 0 (shape ${fmtShape(x.shape)})`);
  if (y.size > 0) be.reduce(op, rows.storage, y.storage, p.outer, p.inner);
  return y;
}

type Axis = number | readonly number[] | null;

/** Σ over axes (all by default); bool sums count as int32 (tfjs). */
export function sum(xIn: TensorInput, axis: Axis = null, keepDims = false): Tensor {
  const x = toTensor(xIn, 'x', 'sum');
  const p = plan(x, axis, 'sum');
  const type = storageType(x) === 'bool' ? 'int32' : storageType(x);
  const y = reduceRaw('sum', x, p, type, type, keepDims);
  if (type !== 'float32') return y;
  return record(y, 'sum', [x], (dy, grads) => grads.add(x, broadcastTo(dy.reshape(p.keptShape), x.shape)));
}

/** Mean over axes (always float32). */
export function mean(xIn: TensorInput, axis: Axis = null, keepDims = false): Tensor {
  const x = toTensor(xIn, 'x', 'mean');
  const p = plan(x, axis, 'mean');
  const y = reduceRaw('mean', x, p, 'float32', 'float32', keepDims);
  return record(y, 'mean', [x], (dy, grads) => grads.add(x, broadcastTo(mul(dy, 1 / p.inner).reshape(p.keptShape), x.shape)));
}

/** Product over axes; its gradient assumes no zero in a reduced row (y / x). */
export function prod(xIn: TensorInput, axis: Axis = null, keepDims = false): Tensor {
  const x = toTensor(xIn, 'x', 'prod');
  const p = plan(x, axis, 'prod');
  const type = storageType(x) === 'bool' ? 'int32' : storageType(x);
  const y = reduceRaw('prod', x, p, type, type, keepDims);
  if (type !== 'float32') return y;
  return record(y, 'prod', [x], (dy, grads) => grads.add(x, div(broadcastTo(mul(dy, y).reshape(p.keptShape), x.shape), x)));
}

function extreme(op: 'max' | 'min', xIn: TensorInput, axis: Axis, keepDims: boolean): Tensor {
  const x = toTensor(xIn, 'x', op);
  const p = plan(x, axis, op);
  const type = storageType(x);
  const y = reduceRaw(op, x, p, type, type, keepDims);
  if (type !== 'float32') return y;
  // tfjs: every element equal to the extreme receives the gradient.
  return record(y, op, [x], (dy, grads) => {
    const yk = y.reshape(p.keptShape);
    grads.add(x, mul(broadcastTo(dy.reshape(p.keptShape), x.shape), cast(equal(x, yk), 'float32')));
  });
}

export const max = (x: TensorInput, axis: Axis = null, keepDims = false): Tensor => extreme('max', x, axis, keepDims);
export const min = (x: TensorInput, axis: Axis = null, keepDims = false): Tensor => extreme('min', x, axis, keepDims);

function logical(op: 'any' | 'all', xIn: TensorInput, axis: Axis, keepDims: boolean): Tensor {
  const x = toTensor(xIn, 'x', op);
  if (x.dtype !== 'bool') throw new ValueError(`${op}: argument 'x' must have dtype bool. Received ${x.dtype}`);
  return reduceRaw(op, x, plan(x, axis, op), 'bool', 'bool', keepDims);
}

export const any = (x: TensorInput, axis: Axis = null, keepDims = false): Tensor => logical('any', x, axis, keepDims);
export const all = (x: TensorInput, axis: Axis = null, keepDims = false): Tensor => logical('all', x, axis, keepDims);

function argExtreme(op: 'argMax' | 'argMin', xIn: TensorInput, axis: number): Tensor {
  const x = toTensor(xIn, 'x', op);
  const type = storageType(x) === 'bool' ? 'int32' : storageType(x);
  return reduceRaw(op, x, plan(x, axis, op), type, 'int32', false);
}

/** Index of the largest value along an axis (int32; the first on ties). */
export const argMax = (x: TensorInput, axis = 0): Tensor => argExtreme('argMax', x, axis);
export const argMin = (x: TensorInput, axis = 0): Tensor => argExtreme('argMin', x, axis);

// ---- composites (tfjs builds them from the primitives above, as here) ---------------------------

/** log(Σ exp(x)) over axes, computed stably as max + log Σ exp(x − max) (tfjs `logSumExp`). */
export function logSumExp(xIn: TensorInput, axis: Axis = null, keepDims = false): Tensor {
  const x = toTensor(xIn, 'x', 'logSumExp');
  const p = plan(x, axis, 'logSumExp');
  const xMax = max(x, p.axes, true);
  const d = log(sum(exp(sub(x, xMax)), p.axes));
  const res = add(xMax.reshape(d.shape), d);
  return keepDims ? res.reshape(p.keptShape) : res;
}

/** Mean and variance over axes (tfjs `moments`). */
export function moments(xIn: TensorInput, axis: Axis = null, keepDims = false): { mean: Tensor; variance: Tensor } {
  const x = toTensor(xIn, 'x', 'moments');
  const p = plan(x, axis, 'moments');
  const m = mean(x, p.axes, keepDims);
  const dev = square(sub(cast(x, 'float32'), m.reshape(p.keptShape)));
  return { mean: m, variance: mean(dev, p.axes, keepDims) };
}

/** Norm orders `norm` accepts. */
export type NormOrder = number | 'euclidean' | 'fro';

function normImpl(x: Tensor, ord: NormOrder, axis: Axis): Tensor {
  if (x.rank === 0) return abs(x);
  if (x.rank !== 1 && axis === null) return normImpl(x.reshape([-1]), ord, null);
  const ax = axis === null ? null : typeof axis === 'number' ? axis : axis.length === 1 ? axis[0] : [...axis];
  if (x.rank === 1 || typeof ax === 'number' || ax === null) {
    if (ord === 1) return sum(abs(x), ax);
    if (ord === Infinity) return max(abs(x), ax);
    if (ord === -Infinity) return min(abs(x), ax);
    if (ord === 'euclidean' || ord === 2) return sqrt(sum(square(abs(x)), ax));
    throw new ValueError(`norm: ord ${String(ord)} is not a vector norm (expected 1, 2, Infinity, -Infinity or 'euclidean')`);
  }
  if (ax.length === 2) {
    const [a0, a1] = normAxes(ax, x.rank, 'norm');
    if (ord === 1) return max(sum(abs(x), a0), a1 - 1);
    if (ord === Infinity) return max(sum(abs(x), a1), a0);
    if (ord === -Infinity) return min(sum(abs(x), a1), a0);
    if (ord === 'fro' || ord === 'euclidean') return sqrt(sum(square(x), ax));
    throw new ValueError(`norm: ord ${String(ord)} is not a matrix norm (expected 1, Infinity, -Infinity, 'fro' or 'euclidean')`);
  }
  throw new ValueError(`norm: axis must be a number or one or two axes. Received ${JSON.stringify(axis)}`);
}

/**
 * Vector or matrix norm (tfjs `norm`): over all values by default, over one axis (a vector norm)
 * or two axes (a matrix norm).
 */
export function norm(xIn: TensorInput, ord: NormOrder = 'euclidean', axis: Axis = null, keepDims = false): Tensor {
  const x = toTensor(xIn, 'x', 'norm');
  const n = normImpl(x, ord, axis);
  return keepDims ? n.reshape(plan(x, axis, 'norm').keptShape) : n;
}

/** The Euclidean norm over axes (tfjs `euclideanNorm`). */
export function euclideanNorm(x: TensorInput, axis: Axis = null, keepDims = false): Tensor {
  return norm(x, 'euclidean', axis, keepDims);
}
