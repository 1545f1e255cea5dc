/**
 * Shape math, once: output sizes and padding for convolution and pooling, used by layers, kernel
 * wrappers and error messages alike. Follows TensorFlow's rule (tf.nn.conv2d / Keras
 * `compute_conv_output_shape`): 'valid' uses no padding; 'same' gives ceil(in / stride) outputs and
 * pads max((out − 1)·stride + k − in, 0) in total, the smaller half before and the odd extra after.
 */
import { ShapeError, ValueError } from '../errors.js';
import { MAX_WINNER_CELLS, type Conv2DInfo, type Pool2DInfo } from './backend.js';

export type Padding = 'valid' | 'same';

/** Output length and zero padding of one spatial dimension. `out` ≤ 0 means the window does not fit. */
export function windowOutput(inSize: number, k: number, stride: number, padding: Padding): { out: number; padBefore: number; padAfter: number } {
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + k - inSize, 0);
    return { out, padBefore: Math.floor(total / 2), padAfter: total - Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize - k) / stride) + 1, padBefore: 0, padAfter: 0 };
}

export interface WindowArgs {
  batch: number;
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
}

function spatial(a: WindowArgs, dilationH = 1, dilationW = 1) {
  const h = windowOutput(a.inH, dilatedSize(a.kH, dilationH), a.strideH, a.padding);
  const w = windowOutput(a.inW, dilatedSize(a.kW, dilationW), a.strideW, a.padding);
  return { outH: h.out, outW: w.out, padTop: h.padBefore, padLeft: w.padBefore };
}

/** The extent of a kernel of `k` taps with dilation `d`: (k − 1)·d + 1 (TensorFlow's effective filter size). */
export function dilatedSize(k: number, d: number): number {
  return (k - 1) * d + 1;
}

/**
 * Geometry of a convolution of NHWC input [batch, inH, inW, inC] with `outC` filters of kH×kW
 * (dilation 1 unless given; a dilated kernel covers (k − 1)·d + 1 input cells).
 */
export function conv2dInfo(a: WindowArgs & { inC: number; outC: number; dilationH?: number; dilationW?: number }): Conv2DInfo {
  const { dilationH = 1, dilationW = 1 } = a;
  return {
    batch: a.batch, inH: a.inH, inW: a.inW, inC: a.inC, outC: a.outC, kH: a.kH, kW: a.kW, strideH: a.strideH, strideW: a.strideW,
    ...spatial(a, dilationH, dilationW), dilationH, dilationW,
  };
}

/** Geometry of a pooling window over NHWC input [batch, inH, inW, channels]. */
export function pool2dInfo(a: WindowArgs & { channels: number }): Pool2DInfo {
  const s = spatial(a);
  return {
    batch: a.batch, inH: a.inH, inW: a.inW, channels: a.channels, poolH: a.kH, poolW: a.kW,
    strideH: a.strideH, strideW: a.strideW, ...s,
  };
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Contiguous row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * The shape two shapes broadcast to (NumPy rules: align on the right; each pair of dimensions is
 * equal or one of them is 1), or null when they do not broadcast.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read `shape` as broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

/** Axes of `outShape` along which `shape` was broadcast (to sum a gradient back). */
export function broadcastAxes(shape: readonly number[], outShape: readonly number[]): number[] {
  const off = outShape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) if (i < off || (shape[i - off] === 1 && outShape[i] !== 1)) axes.push(i);
  return axes;
}

/** Refuses a max-pool window too large for its winner to fit the byte of `maxPoolArgmax` (MAX_WINNER_CELLS). */
export function checkArgmaxWindow(info: Pool2DInfo): void {
  if (info.poolH * info.poolW > MAX_WINNER_CELLS)
    throw new ValueError(`maxPoolArgmax: a ${info.poolH}x${info.poolW} window has ${info.poolH * info.poolW} cells; at most ${MAX_WINNER_CELLS} can record their winner`);
}

/** Refuses a `conv2dMaxPool` whose pooling does not read the convolution's output or whose activation the winners cannot fold in. */
export function checkConvPool(info: Conv2DInfo, pool: Pool2DInfo, epilogue?: { readonly act: string }): void {
  checkArgmaxWindow(pool);
  if (pool.batch !== info.batch || pool.inH !== info.outH || pool.inW !== info.outW || pool.channels !== info.outC)
    throw new ShapeError(
      `conv2dMaxPool: the pooling reads [${pool.batch}, ${pool.inH}, ${pool.inW}, ${pool.channels}] but the convolution writes [${info.batch}, ${info.outH}, ${info.outW}, ${info.outC}]`,
    );
  const act = epilogue?.act ?? 'linear';
  if (act !== 'linear' && act !== 'relu') throw new ValueError(`conv2dMaxPool: activation '${act}' is not supported (linear or relu: their gradient the pooling's winners can carry)`);
}
