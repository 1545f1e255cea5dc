/**
 * `stridedSlice` (tfjs/TensorFlow semantics: begin/end/strides with begin, end, ellipsis,
 * new-axis and shrink-axis bit masks). The spec is resolved to one strided window over the input
 * (TensorFlow's ValidateStridedSliceOp, as tfjs's `slice_util.sliceInfo` ports it), then copied
 * with one strided-copy kernel; the gradient scatters back through the same window.
 */
import { stridesOf } from '../../backend/shape.js';
import { ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { asStorage, storageType, toTensor, type TensorInput } from './util.js';

const NEW_AXIS = -2, SHRINK_AXIS = -1;

interface Dense {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  shrinkMask: number;
  /** For every output axis: the input axis it comes from, NEW_AXIS or SHRINK_AXIS. */
  gather: number[];
}

/** Expands the sparse spec (with its ellipsis and new axes) to one entry per input axis. */
function denseSpec(rank: number, begin: number[], end: number[], strides: number[], masks: { begin: number; end: number; ellipsis: number; newAxis: number; shrink: number }): Dense {
  let dims = strides.length;
  let ellipsisMask = masks.ellipsis;
  let ellipsisSeen = false, newAfterEllipsis = 0;
  for (let i = 0; i < dims; i++) {
    if (ellipsisSeen && (1 << i) & masks.newAxis) newAfterEllipsis++;
    if ((1 << i) & ellipsisMask) ellipsisSeen = true;
  }
  if (!ellipsisSeen) {
    ellipsisMask |= 1 << dims;
    dims++;
  }
  const d: Dense = { begin: [], end: [], strides: [], beginMask: 0, endMask: 0, shrinkMask: 0, gather: [] };
  let full = 0;
  for (let i = 0; i < dims; i++) {
    if ((1 << i) & ellipsisMask) {
      const next = Math.min(rank - (dims - i) + 1 + newAfterEllipsis, rank);
      for (; full < next; full++) {
        d.begin[full] = 0;
        d.end[full] = 0;
        d.strides[full] = 1;
        d.beginMask |= 1 << full;
        d.endMask |= 1 << full;
        d.gather.push(full);
      }
    } else if ((1 << i) & masks.newAxis) d.gather.push(NEW_AXIS);
    else {
      if (full === rank) throw new ValueError(`stridedSlice: the spec indexes ${full + 1} axes of a rank-${rank} tensor`);
      d.begin[full] = begin[i] ?? 0;
      d.end[full] = end[i] ?? 0;
      d.strides[full] = strides[i];
      if (masks.begin & (1 << i)) d.beginMask |= 1 << full;
      if (masks.end & (1 << i)) d.endMask |= 1 << full;
      if (masks.shrink & (1 << i)) {
        d.gather.push(SHRINK_AXIS);
        d.shrinkMask |= 1 << full;
      } else d.gather.push(full);
      full++;
    }
  }
  return d;
}

/** A begin (c = 0) or end (c = 1) index made non-negative and clamped to the valid range. */
function canonical(x: number, c: 0 | 1, stride: number, dim: number, masked: boolean): number {
  const valid = [stride > 0 ? 0 : -1, stride > 0 ? dim : dim - 1];
  if (masked) return stride > 0 ? valid[c] : valid[(c + 1) & 1];
  const fwd = x < 0 ? dim + x : x;
  return fwd < valid[0] ? valid[0] : fwd > valid[1] ? valid[1] : fwd;
}

/** The window: start, stride and length per input axis, and the output shape. */
function sliceInfo(shape: readonly number[], d: Dense): { begin: number[]; strides: number[]; sizes: number[]; outShape: number[] } {
  const sizes: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const s = d.strides[i], dim = shape[i];
    if (s === 0) throw new ValueError(`stridedSlice: strides[${i}] must not be 0`);
    const shrink = !!(d.shrinkMask & (1 << i));
    if (shrink) {
      if (s <= 0) throw new ValueError(`stridedSlice: a shrunk axis (${i}) needs stride 1. Received ${s}`);
      const fwd = d.begin[i] < 0 ? dim + d.begin[i] : d.begin[i];
      if (fwd < 0 || fwd >= dim) throw new ValueError(`stridedSlice: index ${d.begin[i]} is out of bounds for axis ${i} of size ${dim}`);
      d.begin[i] = fwd;
      d.end[i] = fwd + 1;
    } else {
      d.begin[i] = canonical(d.begin[i], 0, s, dim, !!(d.beginMask & (1 << i)));
      d.end[i] = canonical(d.end[i], 1, s, dim, !!(d.endMask & (1 << i)));
    }
    const len = d.end[i] - d.begin[i];
    sizes.push(len === 0 || len < 0 !== s < 0 ? 0 : Math.trunc(len / s) + (len % s !== 0 ? 1 : 0));
  }
  const outShape = d.gather.filter((g) => g !== SHRINK_AXIS).map((g) => (g === NEW_AXIS ? 1 : sizes[g]));
  return { begin: d.begin, strides: d.strides, sizes, outShape };
}

/**
 * A strided slice (tfjs `stridedSlice`): begin/end/strides per axis (negative indices count from
 * the end), with TensorFlow's masks: a set bit i in `beginMask`/`endMask` ignores begin[i]/end[i],
 * `ellipsisMask` expands spec i over the remaining axes, `newAxisMask` inserts an axis of 1 and
 * `shrinkAxisMask` takes the single index begin[i] and drops the axis.
 * @example ck.stridedSlice(x, [0, 1], [2, -1], [1, 2])
 */
export function stridedSlice(
  xIn: TensorInput, begin: readonly number[], end: readonly number[], strides?: readonly number[],
  beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkAxisMask = 0,
): Tensor {
  const x = toTensor(xIn, 'x', 'stridedSlice');
  if (ellipsisMask & (ellipsisMask - 1)) throw new ValueError(`stridedSlice: only one ellipsis is allowed. Received ellipsisMask=${ellipsisMask}`);
  const st = strides ? [...strides] : new Array<number>(begin.length).fill(1);
  if (end.length !== begin.length || st.length !== begin.length)
    throw new ValueError(`stridedSlice: begin, end and strides must have one length. Received ${begin.length}, ${end.length} and ${st.length} for shape ${fmtShape(x.shape)}`);
  const d = denseSpec(x.rank, [...begin], [...end], st, { begin: beginMask, end: endMask, ellipsis: ellipsisMask, newAxis: newAxisMask, shrink: shrinkAxisMask });
  const info = sliceInfo(x.shape, d);
  const X = asStorage(x);
  const xs = stridesOf(x.shape);
  const offset = info.begin.reduce((o, b, i) => o + b * xs[i], 0);
  const srcStrides = info.strides.map((s, i) => s * xs[i]);
  const be = X.backend;
  const y = Tensor.empty(info.sizes, storageType(X), be);
  if (y.size > 0) be.stridedCopy(X.storage, offset, srcStrides, y.storage, 0, stridesOf(info.sizes), info.sizes);
  const out = y.reshape(info.outShape);
  if (storageType(X) !== 'float32') return out;
  return record(out, 'stridedSlice', [x], (dy, grads) => {
    // Scatter dy back through the window (its positions are distinct).
    const s = grads.slot(x);
    if (!s.accumulate) be.fill(s.grad.storage, 0, x.size);
    if (dy.size > 0) be.stridedCopy(dy.storage, 0, stridesOf(info.sizes), s.grad.storage, offset, srcStrides, info.sizes, true);
  });
}
