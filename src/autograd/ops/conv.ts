/**
 * Convolution and pooling with tfjs's function signatures (`tf.conv2d(x, filter, strides, pad)`,
 * `tf.maxPool`, `tf.avgPool`, `tf.conv1d`) over the backend's NHWC kernels. Padding may be
 * 'valid', 'same', a number, or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
 * Dilations above 1 and NCHW data are refused (the kernels do not have them).
 */
import type { Conv2DInfo, Pool2DInfo } from '../../backend/backend.js';
import { windowOutput } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { conv2dWith, poolWith } from './nn.js';
import { reshape } from './transform.js';
import { asStorage, toTensor, type TensorInput } from './util.js';

/** tfjs's padding argument. */
export type PadArg = 'valid' | 'same' | number | readonly (readonly [number, number])[];

function pair(v: number | readonly [number, number], name: string, op: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`${op}: ${name} must be positive integers. Received ${JSON.stringify(v)}`);
  return p;
}

/** Output size and leading pad of one spatial axis for a tfjs padding argument. */
function axisWindow(op: string, pad: PadArg, axis: 0 | 1, inSize: number, k: number, stride: number, roundingMode?: 'floor' | 'round' | 'ceil'): { out: number; before: number } {
  if (pad === 'valid' || pad === 'same') {
    const w = windowOutput(inSize, k, stride, pad);
    return { out: w.out, before: w.padBefore };
  }
  let before: number, after: number;
  if (typeof pad === 'number') {
    if (!Number.isInteger(pad) || pad < 0) throw new ValueError(`${op}: a numeric pad must be a non-negative integer. Received ${pad}`);
    before = after = pad;
  } else {
    if (!Array.isArray(pad) || pad.length !== 4) throw new ValueError(`${op}: explicit padding must be [[0, 0], [top, bottom], [left, right], [0, 0]]. Received ${JSON.stringify(pad)}`);
    [before, after] = pad[axis + 1];
  }
  const raw = (inSize + before + after - k) / stride + 1;
  const round = roundingMode === 'round' ? Math.round : roundingMode === 'ceil' ? Math.ceil : Math.floor;
  return { out: round(raw), before };
}

function batched(op: string, x: Tensor): { x4: Tensor; single: boolean } {
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${op}: x must have rank 3 [h, w, c] or 4 [n, h, w, c]. Received ${fmtShape(x.shape)}`);
  return x.rank === 3 ? { x4: reshape(x, [1, ...x.shape]), single: true } : { x4: x, single: false };
}

function refuse(op: string, dataFormat: string, dilations: number | readonly [number, number]): void {
  if (dataFormat !== 'NHWC') throw new ValueError(`${op}: only dataFormat 'NHWC' is supported. Received ${JSON.stringify(dataFormat)}`);
  const d = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (d.some((v) => v !== 1)) throw new ValueError(`${op}: dilations other than 1 are not supported. Received ${JSON.stringify(dilations)}`);
}

/**
 * 2-D convolution (tfjs `tf.conv2d`): x [n, h, w, inC] (or one image [h, w, inC]) with filter
 * [kh, kw, inC, outC].
 * @example ck.conv2d(images, filters, 1, 'same')
 */
export function conv2d(
  xIn: TensorInput, filterIn: TensorInput, strides: number | readonly [number, number], pad: PadArg,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | readonly [number, number] = [1, 1], dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Tensor {
  refuse('conv2d', dataFormat, dilations);
  const { x4, single } = batched('conv2d', asStorage(toTensor(xIn, 'x', 'conv2d'), 'float32'));
  const filter = asStorage(toTensor(filterIn, 'filter', 'conv2d'), 'float32');
  if (filter.rank !== 4) throw new ShapeError(`conv2d: filter must have rank 4 [kh, kw, inC, outC]. Received ${fmtShape(filter.shape)}`);
  const [batch, inH, inW, inC] = x4.shape;
  const [kH, kW, fC, outC] = filter.shape;
  if (fC !== inC) throw new ShapeError(`conv2d: x ${fmtShape(x4.shape)} has ${inC} channels but filter ${fmtShape(filter.shape)} expects ${fC}`);
  const [strideH, strideW] = pair(strides, 'strides', 'conv2d');
  const h = axisWindow('conv2d', pad, 0, inH, kH, strideH, dimRoundingMode), w = axisWindow('conv2d', pad, 1, inW, kW, strideW, dimRoundingMode);
  if (h.out <= 0 || w.out <= 0) throw new ShapeError(`conv2d: filter ${kH}x${kW} does not fit x ${fmtShape(x4.shape)} with pad ${JSON.stringify(pad)}`);
  const info: Conv2DInfo = { batch, inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW, strideH, strideW, padTop: h.before, padLeft: w.before, dilationH: 1, dilationW: 1 };
  const y = conv2dWith(x4, filter, info);
  return single ? reshape(y, y.shape.slice(1)) : y;
}

/** 1-D convolution (tfjs `tf.conv1d`): x [n, width, inC] with filter [k, inC, outC]. */
export function conv1d(
  xIn: TensorInput, filterIn: TensorInput, stride: number, pad: 'valid' | 'same' | number,
  dataFormat: 'NWC' | 'NCW' = 'NWC', dilation = 1, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Tensor {
  if (dataFormat !== 'NWC') throw new ValueError(`conv1d: only dataFormat 'NWC' is supported. Received ${JSON.stringify(dataFormat)}`);
  const x = toTensor(xIn, 'x', 'conv1d'), filter = toTensor(filterIn, 'filter', 'conv1d');
  if (x.rank !== 2 && x.rank !== 3) throw new ShapeError(`conv1d: x must have rank 2 or 3. Received ${fmtShape(x.shape)}`);
  if (filter.rank !== 3) throw new ShapeError(`conv1d: filter must have rank 3 [k, inC, outC]. Received ${fmtShape(filter.shape)}`);
  const x3 = x.rank === 2 ? reshape(x, [1, ...x.shape]) : x;
  const numericPad = typeof pad === 'number' ? ([[0, 0], [0, 0], [pad, pad], [0, 0]] as const) : pad;
  const y = conv2d(reshape(x3, [x3.shape[0], 1, x3.shape[1], x3.shape[2]]), reshape(filter, [1, ...filter.shape]), [1, stride], numericPad, 'NHWC', [1, dilation], dimRoundingMode);
  const out = reshape(y, [y.shape[0], y.shape[2], y.shape[3]]);
  return x.rank === 2 ? reshape(out, out.shape.slice(1)) : out;
}

function pool(kind: 'max' | 'avg', xIn: TensorInput, filterSize: number | readonly [number, number], strides: number | readonly [number, number], pad: PadArg, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  const op = kind === 'max' ? 'maxPool' : 'avgPool';
  const { x4, single } = batched(op, asStorage(toTensor(xIn, 'x', op), 'float32'));
  const [kH, kW] = pair(filterSize, 'filterSize', op);
  const [strideH, strideW] = pair(strides, 'strides', op);
  const [batch, inH, inW, channels] = x4.shape;
  const h = axisWindow(op, pad, 0, inH, kH, strideH, dimRoundingMode), w = axisWindow(op, pad, 1, inW, kW, strideW, dimRoundingMode);
  if (h.out <= 0 || w.out <= 0) throw new ShapeError(`${op}: window ${kH}x${kW} does not fit x ${fmtShape(x4.shape)} with pad ${JSON.stringify(pad)}`);
  const info: Pool2DInfo = { batch, inH, inW, channels, outH: h.out, outW: w.out, poolH: kH, poolW: kW, strideH, strideW, padTop: h.before, padLeft: w.before };
  const y = poolWith(kind, x4, info);
  return single ? reshape(y, y.shape.slice(1)) : y;
}

/** Max pooling (tfjs `tf.maxPool(x, filterSize, strides, pad)`). */
export function maxPool(x: TensorInput, filterSize: number | readonly [number, number], strides: number | readonly [number, number], pad: PadArg, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  return pool('max', x, filterSize, strides, pad, dimRoundingMode);
}

/** Average pooling (tfjs `tf.avgPool`); padded cells do not count in the average. */
export function avgPool(x: TensorInput, filterSize: number | readonly [number, number], strides: number | readonly [number, number], pad: PadArg, dimRoundingMode?: 'floor' | 'round' | 'ceil'): Tensor {
  return pool('avg', x, filterSize, strides, pad, dimRoundingMode);
}
