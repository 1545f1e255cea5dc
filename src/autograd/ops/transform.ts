/**
 * Shape and layout ops (tfjs names): reshape, transpose, broadcastTo, slice, concat, pad, gather,
 * tile, reverse and their relatives. Each moves data with the backend's strided copy or gather
 * kernels; every gradient is the transposed movement.
 */
import { broadcastStrides, sizeOf, stridesOf } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor, resolveShape } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { broadcastShape, sumToShape } from './elementwise.js';
import { sum } from './reduction.js';
import { asStorage, normAxis, storageType, toTensor, type TensorInput } from './util.js';

/** Same values, new shape (shares storage; one dimension may be -1). */
export function reshape(xIn: TensorInput, shape: readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'reshape');
  const y = Tensor.view(x, resolveShape(shape, x.size, x.shape));
  return record(y, 'reshape', [x], (dy, grads) => grads.add(x, dy.reshape(x.shape)));
}

/** An independent copy (tfjs `clone`). */
export function clone(xIn: TensorInput): Tensor {
  const x = asStorage(toTensor(xIn, 'x', 'clone'));
  const y = Tensor.empty(x.shape, storageType(x), x.backend);
  x.backend.copy(x.storage, 0, y.storage, 0, x.size);
  return record(y, 'clone', [x], (dy, grads) => grads.add(x, dy));
}

/** Copies `x` (any layout given by strides) into a new contiguous tensor of `shape`. */
function gatherStrided(x: Tensor, shape: readonly number[], strides: readonly number[], offset = 0): Tensor {
  const X = asStorage(x);
  const y = Tensor.empty(shape, storageType(X), X.backend);
  if (y.size > 0) X.backend.stridedCopy(X.storage, offset, strides, y.storage, 0, stridesOf(shape), shape);
  return y;
}

/** Permutes dimensions (tfjs `transpose`; default: reverse them). */
export function transpose(xIn: TensorInput, perm?: readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'transpose');
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i))
    throw new ValueError(`transpose: perm must be a permutation of [0, ${x.rank}). Received perm=${JSON.stringify(perm)} for shape ${fmtShape(x.shape)}`);
  if (p.every((v, i) => v === i)) return reshape(x, x.shape);
  const xs = stridesOf(x.shape);
  const y = gatherStrided(x, p.map((d) => x.shape[d]), p.map((d) => xs[d]));
  return record(y, 'transpose', [x], (dy, grads) => {
    const inv = new Array<number>(p.length);
    p.forEach((d, i) => (inv[d] = i));
    grads.add(x, transpose(dy, inv));
  });
}

/** Broadcasts to `shape` (tfjs `broadcastTo`). */
export function broadcastTo(xIn: TensorInput, shape: readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'broadcastTo');
  const out = broadcastShape('broadcastTo', x.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i]))
    throw new ShapeError(`broadcastTo: ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  const y = gatherStrided(x, shape, broadcastStrides(x.shape, shape));
  return record(y, 'broadcastTo', [x], (dy, grads) => grads.add(x, sumToShape(dy, x.shape)));
}

/** Normalises tfjs `slice` arguments: begin (number or per-axis), size (-1 = to the end). */
function sliceBounds(shape: readonly number[], begin: number | readonly number[], size?: number | readonly number[]): { begin: number[]; size: number[] } {
  const rank = shape.length;
  const b = typeof begin === 'number' ? [begin, ...new Array<number>(rank - 1).fill(0)] : [...begin];
  while (b.length < rank) b.push(0);
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  while (s.length < rank) s.push(-1);
  const outSize = s.map((d, i) => (d === -1 ? shape[i] - b[i] : d));
  for (let i = 0; i < rank; i++)
    if (!Number.isInteger(b[i]) || b[i] < 0 || !Number.isInteger(outSize[i]) || outSize[i] < 0 || b[i] + outSize[i] > shape[i])
      throw new ShapeError(`slice: begin ${JSON.stringify(b)} and size ${JSON.stringify(s)} do not fit in shape ${fmtShape(shape)} (axis ${i})`);
  return { begin: b, size: outSize };
}

/** The block starting at `begin` of `size` (tfjs `slice`). */
export function slice(xIn: TensorInput, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'slice');
  const { begin: b, size: s } = sliceBounds(x.shape, begin, size);
  const xs = stridesOf(x.shape);
  const y = gatherStrided(x, s, xs, b.reduce((acc, v, i) => acc + v * xs[i], 0));
  return record(y, 'slice', [x], (dy, grads) => grads.add(x, pad(dy, b.map((v, i) => [v, x.shape[i] - v - s[i]] as [number, number]))));
}

/** Joins tensors along an axis (tfjs `concat`). */
export function concat(tensors: readonly TensorInput[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('concat: expected a non-empty list of tensors');
  const xs = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'concat'));
  const first = xs[0];
  const ax = normAxis(axis, first.rank, 'concat');
  const dtype = xs.map(storageType).reduce((a, b) => (a === 'float32' || b === 'float32' ? 'float32' : a === 'int32' || b === 'int32' ? 'int32' : 'bool'));
  for (const t of xs)
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i]))
      throw new ShapeError(`concat: shapes must match except along axis ${ax}. Received ${xs.map((u) => fmtShape(u.shape)).join(', ')}`);
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, t) => n + t.shape[ax], 0);
  const be = asStorage(first).backend;
  const y = Tensor.empty(shape, dtype, be);
  const ys = stridesOf(shape);
  let offset = 0;
  for (const t of xs) {
    const T = asStorage(t, dtype);
    if (T.size > 0) be.stridedCopy(T.storage, 0, stridesOf(T.shape), y.storage, offset * ys[ax], ys, T.shape);
    offset += t.shape[ax];
  }
  return record(y, 'concat', xs, (dy, grads) => {
    let start = 0;
    for (const t of xs) {
      if (t.requiresGrad) grads.add(t, slice(dy, shape.map((_, i) => (i === ax ? start : 0)), t.shape));
      start += t.shape[ax];
    }
  });
}

/** Pads with a constant (tfjs `pad`: paddings [[before, after], ...] per axis). */
export function pad(xIn: TensorInput, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  const x = toTensor(xIn, 'x', 'pad');
  if (paddings.length !== x.rank || paddings.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0)))
    throw new ValueError(`pad: paddings must be ${x.rank} pairs of non-negative integers. Received ${JSON.stringify(paddings)} for shape ${fmtShape(x.shape)}`);
  const X = asStorage(x);
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const be = X.backend;
  const y = Tensor.empty(shape, storageType(X), be);
  if (constantValue !== 0) be.fill(y.storage, constantValue, y.size);
  const ys = stridesOf(shape);
  if (x.size > 0) be.stridedCopy(X.storage, 0, stridesOf(x.shape), y.storage, paddings.reduce((a, p, i) => a + p[0] * ys[i], 0), ys, x.shape);
  return record(y, 'pad', [x], (dy, grads) => grads.add(x, slice(dy, paddings.map((p) => p[0]), x.shape)));
}

/** Repeats the tensor `reps[i]` times along each axis (tfjs `tile`). */
export function tile(xIn: TensorInput, reps: readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'tile');
  if (reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0))
    throw new ValueError(`tile: reps must hold ${x.rank} non-negative integers. Received ${JSON.stringify(reps)} for shape ${fmtShape(x.shape)}`);
  // View the output as [r0, d0, r1, d1, ...] reading x with stride 0 along the repeats.
  const xs = stridesOf(x.shape);
  const viewShape = x.shape.flatMap((d, i) => [reps[i], d]);
  const viewStrides = xs.flatMap((s) => [0, s]);
  const y = gatherStrided(x, viewShape, viewStrides).reshape(x.shape.map((d, i) => d * reps[i]));
  return record(y, 'tile', [x], (dy, grads) => {
    const sumAxes = reps.map((_, i) => 2 * i);
    grads.add(x, sum(dy.reshape(viewShape), sumAxes).reshape(x.shape));
  });
}

/** Reverses the order of elements along axes (tfjs `reverse`). */
export function reverse(xIn: TensorInput, axis?: number | readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'reverse');
  const axes = axis === undefined ? x.shape.map((_, i) => i) : (typeof axis === 'number' ? [axis] : [...axis]).map((a) => normAxis(a, x.rank, 'reverse'));
  const xs = stridesOf(x.shape);
  const strides = xs.map((s, i) => (axes.includes(i) ? -s : s));
  const offset = axes.reduce((o, a) => o + (x.shape[a] - 1) * xs[a], 0);
  const y = gatherStrided(x, x.shape, strides, x.size > 0 ? offset : 0);
  return record(y, 'reverse', [x], (dy, grads) => grads.add(x, reverse(dy, axes)));
}

/** Inserts a dimension of size 1 (tfjs `expandDims`). */
export function expandDims(xIn: TensorInput, axis = 0): Tensor {
  const x = toTensor(xIn, 'x', 'expandDims');
  if (!Number.isInteger(axis) || axis < -(x.rank + 1) || axis > x.rank)
    throw new ValueError(`expandDims: axis ${axis} is out of range for a rank-${x.rank} tensor ${fmtShape(x.shape)} (expected [${-(x.rank + 1)}, ${x.rank}])`);
  const ax = normAxis(axis, x.rank + 1, 'expandDims');
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/** Removes dimensions of size 1 (all, or the given axes) (tfjs `squeeze`). */
export function squeeze(xIn: TensorInput, axis?: readonly number[]): Tensor {
  const x = toTensor(xIn, 'x', 'squeeze');
  const axes = axis === undefined ? null : axis.map((a) => normAxis(a, x.rank, 'squeeze'));
  if (axes) for (const a of axes) if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmtShape(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
}

/** Stacks same-shape tensors along a new axis (tfjs `stack`). */
export function stack(tensors: readonly TensorInput[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('stack: expected a non-empty list of tensors');
  const xs = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'stack'));
  for (const t of xs)
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => d !== xs[0].shape[i]))
      throw new ShapeError(`stack: all tensors must have the same shape. Received ${xs.map((u) => fmtShape(u.shape)).join(', ')}`);
  const ax = normAxis(axis, xs[0].rank + 1, 'stack');
  return concat(xs.map((t) => expandDims(t, ax)), ax);
}

/** Splits into tensors along an axis, removing it (tfjs `unstack`). */
export function unstack(xIn: TensorInput, axis = 0): Tensor[] {
  const x = toTensor(xIn, 'x', 'unstack');
  const ax = normAxis(axis, x.rank, 'unstack');
  const size = x.shape.map((d, i) => (i === ax ? 1 : d));
  const shape = x.shape.filter((_, i) => i !== ax);
  return Array.from({ length: x.shape[ax] }, (_, k) => reshape(slice(x, x.shape.map((_, i) => (i === ax ? k : 0)), size), shape));
}

/** Splits along an axis into equal parts or the given sizes (tfjs `split`; one size may be -1). */
export function split(xIn: TensorInput, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  const x = toTensor(xIn, 'x', 'split');
  const ax = normAxis(axis, x.rank, 'split');
  const len = x.shape[ax];
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits <= 0 || len % numOrSizeSplits !== 0)
      throw new ValueError(`split: the axis of size ${len} cannot be split into ${numOrSizeSplits} equal parts`);
    sizes = new Array<number>(numOrSizeSplits).fill(len / numOrSizeSplits);
  } else {
    sizes = [...numOrSizeSplits];
    const unknown = sizes.indexOf(-1);
    if (unknown >= 0) sizes[unknown] = len - sizes.reduce((a, b) => (b === -1 ? a : a + b), 0);
    if (sizes.reduce((a, b) => a + b, 0) !== len || sizes.some((s) => s < 0))
      throw new ValueError(`split: sizes ${JSON.stringify(numOrSizeSplits)} do not add up to the axis size ${len}`);
  }
  let start = 0;
  return sizes.map((s) => {
    const part = slice(x, x.shape.map((_, i) => (i === ax ? start : 0)), x.shape.map((d, i) => (i === ax ? s : d)));
    start += s;
    return part;
  });
}

/** Gathers slices along an axis by int32 indices (tfjs `gather`; batchDims other than 0 are refused). */
export function gather(xIn: TensorInput, indicesIn: TensorInput, axis = 0, batchDims = 0): Tensor {
  const x = toTensor(xIn, 'x', 'gather');
  if (batchDims !== 0) throw new ValueError(`gather: batchDims other than 0 is not supported. Received batchDims=${batchDims}`);
  const idx0 = toTensor(indicesIn, 'indices', 'gather', 'int32');
  if (idx0.dtype !== 'int32' && idx0.dtype !== 'uint8') throw new ValueError(`gather: argument 'indices' must have dtype int32. Received ${idx0.dtype} ${fmtShape(idx0.shape)}`);
  const idx = asStorage(idx0, 'int32');
  const ax = normAxis(axis, x.rank, 'gather');
  const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1)), axisLen = x.shape[ax];
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  const X = asStorage(x);
  const be = X.backend;
  const y = Tensor.empty(shape, storageType(X), be);
  be.gather(X.storage, idx.storage, y.storage, outer, axisLen, inner, idx.size);
  return record(y, 'gather', [x], (dy, grads) => {
    const s = grads.slot(x);
    if (!s.accumulate) be.fill(s.grad.storage, 0, x.size);
    be.scatterAdd(dy.storage, idx.storage, s.grad.storage, outer, axisLen, inner, idx.size);
  });
}
