/**
 * More layout ops with tfjs names, composed from the primitives in transform.ts (so their
 * gradients come from those): `mirrorPad`, `unsortedSegmentSum`, `flatten`, `reshapeAs`, and
 * tfjs's rank-specific aliases (`slice2d`, `concat3d`, `reverse1d`, `pad4d`, ...).
 */
import { sizeOf } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { concat, gather, pad, reshape, reverse, slice } from './transform.js';
import { asStorage, storageType, toTensor, type TensorInput } from './util.js';

/**
 * Pads with reflections of the tensor (tfjs `mirrorPad`): 'reflect' leaves the edge out of the
 * mirror, 'symmetric' repeats it.
 * @example ck.mirrorPad([1, 2, 3], [[2, 1]], 'reflect') // [3, 2, 1, 2, 3, 2]
 */
export function mirrorPad(xIn: TensorInput, paddings: readonly (readonly [number, number])[], mode: 'reflect' | 'symmetric'): Tensor {
  const x = toTensor(xIn, 'x', 'mirrorPad');
  if (mode !== 'reflect' && mode !== 'symmetric') throw new ValueError(`mirrorPad: mode must be 'reflect' or 'symmetric'. Received ${JSON.stringify(mode)}`);
  if (paddings.length !== x.rank) throw new ValueError(`mirrorPad: paddings must have ${x.rank} pairs for shape ${fmtShape(x.shape)}. Received ${JSON.stringify(paddings)}`);
  const shift = mode === 'reflect' ? 1 : 0;
  let y = x;
  paddings.forEach(([before, after], axis) => {
    const dim = x.shape[axis];
    if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0 || before > dim - shift || after > dim - shift)
      throw new ValueError(`mirrorPad: paddings of axis ${axis} must be integers in [0, ${dim - shift}] for mode '${mode}'. Received [${before}, ${after}] for shape ${fmtShape(x.shape)}`);
    if (before === 0 && after === 0) return;
    const part = (start: number, len: number): Tensor =>
      reverse(slice(y, y.shape.map((_, i) => (i === axis ? start : 0)), y.shape.map((d, i) => (i === axis ? len : d))), axis);
    const parts: Tensor[] = [];
    if (before > 0) parts.push(part(shift, before));
    parts.push(y);
    if (after > 0) parts.push(part(dim - after - shift, after));
    y = concat(parts, axis);
  });
  return y;
}

/**
 * Sums the slices of x (along axis 0, or the leading dims covered by segmentIds) into
 * `numSegments` rows by segment id (tfjs `unsortedSegmentSum`); ids outside [0, numSegments) are
 * dropped.
 */
export function unsortedSegmentSum(xIn: TensorInput, segmentIdsIn: TensorInput, numSegments: number): Tensor {
  const x = toTensor(xIn, 'x', 'unsortedSegmentSum');
  const ids0 = toTensor(segmentIdsIn, 'segmentIds', 'unsortedSegmentSum', 'int32');
  if (ids0.dtype !== 'int32') throw new ValueError(`unsortedSegmentSum: segmentIds must have dtype int32. Received ${ids0.dtype}`);
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new ValueError(`unsortedSegmentSum: numSegments must be a non-negative integer. Received ${numSegments}`);
  const lead = ids0.rank;
  if (lead > x.rank || ids0.shape.some((d, i) => d !== x.shape[i]))
    throw new ShapeError(`unsortedSegmentSum: segmentIds ${fmtShape(ids0.shape)} must match the leading dimensions of x ${fmtShape(x.shape)}`);
  const ids = asStorage(ids0, 'int32');
  const inner = sizeOf(x.shape.slice(lead));
  const type = storageType(x) === 'bool' ? 'int32' : storageType(x);
  const X = asStorage(x, type);
  const be = X.backend;
  const y = Tensor.empty([numSegments, ...x.shape.slice(lead)], type, be);
  if (y.size > 0 && x.size > 0) be.scatterAdd(X.storage, ids.storage, y.storage, 1, numSegments, inner, ids.size);
  if (type !== 'float32') return y;
  // Each slice's gradient is its segment's row (zero for dropped ids: gather gives zeros outside the range).
  return record(y, 'unsortedSegmentSum', [x], (dy, grads) => grads.add(x, gather(dy, ids, 0).reshape(x.shape)));
}

/** The values as one axis (tfjs `tensor.flatten()`). */
export function flatten(x: TensorInput): Tensor {
  return reshape(x, [-1]);
}

/** x in the shape of `like` (tfjs `tensor.reshapeAs`). */
export function reshapeAs(x: TensorInput, like: Tensor): Tensor {
  return reshape(x, like.shape);
}

function rankCheck(op: string, t: Tensor, rank: number): Tensor {
  if (t.rank !== rank) throw new ShapeError(`${op}: expects a rank-${rank} tensor. Received ${fmtShape(t.shape)}`);
  return t;
}

function sliceN(rank: number): (x: TensorInput, begin: number | readonly number[], size?: number | readonly number[]) => Tensor {
  return (x, begin, size) => slice(rankCheck(`slice${rank}d`, toTensor(x, 'x', `slice${rank}d`), rank), begin, size);
}
function concatN(rank: number): (tensors: readonly TensorInput[], axis?: number) => Tensor {
  return (tensors, axis = 0) => concat(tensors.map((t, i) => rankCheck(`concat${rank}d`, toTensor(t, `tensors[${i}]`, `concat${rank}d`), rank)), axis);
}
function reverseN(rank: number): (x: TensorInput, axis?: number | readonly number[]) => Tensor {
  return (x, axis) => reverse(rankCheck(`reverse${rank}d`, toTensor(x, 'x', `reverse${rank}d`), rank), axis);
}
function padN(rank: number): (x: TensorInput, paddings: readonly (readonly [number, number])[], constantValue?: number) => Tensor {
  return (x, paddings, constantValue = 0) => pad(rankCheck(`pad${rank}d`, toTensor(x, 'x', `pad${rank}d`), rank), paddings, constantValue);
}

export const slice1d = sliceN(1), slice2d = sliceN(2), slice3d = sliceN(3), slice4d = sliceN(4);
export const concat1d = concatN(1), concat2d = concatN(2), concat3d = concatN(3), concat4d = concatN(4);
export const reverse1d = reverseN(1), reverse2d = reverseN(2), reverse3d = reverseN(3), reverse4d = reverseN(4);
/** tfjs `pad1d(x, [before, after])` takes one pair. */
export const pad1d = (x: TensorInput, paddings: readonly [number, number], constantValue = 0): Tensor => padN(1)(x, [paddings], constantValue);
export const pad2d = padN(2), pad3d = padN(3), pad4d = padN(4);
