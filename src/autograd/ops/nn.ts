/**
 * Neural-network ops with fused kernels: bias + activation, convolution (with its epilogue),
 * pooling, softmax, the fused softmax cross-entropy, and dropout. Each op computes its forward
 * with backend kernels and records its backward right beside it.
 */
import type { Conv2DInfo, KernelActivation, Pool2DInfo } from '../../backend/backend.js';
import { conv2dInfo, pool2dInfo, type Padding } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { needsGrad, record, type GradStore } from '../tape.js';
import { randomUniform } from './creation.js';
import { add, cast, div, exp, floor, greater, greaterEqual, log, mul, sub, where } from './elementwise.js';
import { max, sum } from './reduction.js';
import { asStorage, toTensor, type TensorInput } from './util.js';

/** The rows×cols view of a tensor whose last dimension is `cols`. */
function rowsCols(t: Tensor): [number, number] {
  const cols = t.shape[t.rank - 1] ?? 1;
  return [cols === 0 ? 0 : t.size / cols, cols];
}

/** act(x + bias) with bias broadcast over the last dimension; `bias` may be null. */
export function biasActivation(x: Tensor, bias: Tensor | null, act: KernelActivation): Tensor {
  const [rows, cols] = rowsCols(x);
  if (bias && bias.size !== cols) throw new ShapeError(`biasActivation: bias of shape ${fmtShape(bias.shape)} does not match the last dimension of ${fmtShape(x.shape)}`);
  const be = x.backend;
  const y = Tensor.empty(x.shape, 'float32', be);
  be.biasActivation(x.storage, bias?.storage ?? null, y.storage, rows, cols, act);
  const inputs = bias ? [x, bias] : [x];
  return record(y, `biasActivation(${act})`, inputs, (dy, grads) => {
    let dz = dy;
    if (act === 'linear') {
      // dz is dy itself: x's gradient shares it (or adds it), the bias's reads it.
      if (x.requiresGrad) grads.add(x, dy);
    } else {
      const xs = x.requiresGrad ? grads.slot(x) : null;
      // Write dz straight into x's gradient when it is fresh; otherwise use a temporary.
      dz = xs && !xs.accumulate ? xs.grad : Tensor.empty(x.shape, 'float32', be);
      be.activationBackward(y.storage, dy.storage, dz.storage, x.size, act, false);
      if (xs && xs.accumulate) be.scale(dz.storage, 1, xs.grad.storage, x.size, true);
    }
    if (bias?.requiresGrad) {
      const s = grads.slot(bias);
      be.biasGrad(dz.storage, s.grad.storage, rows, cols, s.accumulate);
    }
  });
}

export interface Conv2DOptions {
  strides: [number, number];
  padding: Padding;
  /** Dilation rates [h, w] (default [1, 1]); with a rate above 1 the strides must be 1 (as TensorFlow requires). */
  dilations?: [number, number];
}

/** Checks a convolution's operands; returns its geometry and an empty output. With `depthwise`, w is [kh, kw, c, multiplier]. */
function convSetup(x: Tensor, w: Tensor, options: Conv2DOptions, depthwise = false): { info: Conv2DInfo; y: Tensor } {
  const info = convInfo(x, w, options, depthwise);
  return { info, y: Tensor.empty([info.batch, info.outH, info.outW, info.outC], 'float32', x.backend) };
}

/** The geometry of a convolution of x with kernel w, its shapes and options checked. */
function convInfo(x: Tensor, w: Tensor, { strides, padding, dilations = [1, 1] }: Conv2DOptions, depthwise = false): Conv2DInfo {
  const op = depthwise ? 'depthwiseConv2d' : 'conv2d';
  const [batch, inH, inW, inC] = x.shape;
  const [kH, kW, wC, wOut] = w.shape;
  if (x.rank !== 4 || w.rank !== 4 || wC !== inC) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} and kernel ${fmtShape(w.shape)} disagree on channels`);
  if (!dilations.every((d) => Number.isInteger(d) && d >= 1)) throw new ValueError(`${op}: dilations must be positive integers. Received dilations=${JSON.stringify(dilations)}`);
  if (dilations.some((d) => d > 1) && strides.some((s) => s > 1))
    throw new ValueError(`${op}: strides and dilations cannot both exceed 1 (TensorFlow's rule). Received strides=${JSON.stringify(strides)}, dilations=${JSON.stringify(dilations)}`);
  const outC = depthwise ? inC * wOut : wOut;
  const info = conv2dInfo({ batch, inH, inW, inC, outC, kH, kW, strideH: strides[0], strideW: strides[1], padding, dilationH: dilations[0], dilationW: dilations[1] });
  if (info.outH <= 0 || info.outW <= 0) throw new ShapeError(`${op}: kernel ${kH}x${kW} with dilations ${dilations.join('x')} does not fit input ${fmtShape(x.shape)} with padding '${padding}'`);
  return info;
}

/** Gradients of x, w (and bias) of a convolution, given the gradient dz of its pre-activation output. */
function convBackward(x: Tensor, w: Tensor, bias: Tensor | null, dz: Tensor, info: Conv2DInfo, grads: GradStore, depthwise = false): void {
  const be = x.backend;
  if (bias?.requiresGrad) {
    const s = grads.slot(bias);
    be.biasGrad(dz.storage, s.grad.storage, dz.size / info.outC, info.outC, s.accumulate);
  }
  if (x.requiresGrad) {
    const s = grads.slot(x);
    if (depthwise) be.depthwiseConv2dBackpropInput(dz.storage, w.storage, s.grad.storage, info, s.accumulate);
    else be.conv2dBackpropInput(dz.storage, w.storage, s.grad.storage, info, s.accumulate);
  }
  if (w.requiresGrad) {
    const s = grads.slot(w);
    if (depthwise) be.depthwiseConv2dBackpropFilter(x.storage, dz.storage, s.grad.storage, info, s.accumulate);
    else be.conv2dBackpropFilter(x.storage, dz.storage, s.grad.storage, info, s.accumulate);
  }
}

/**
 * Depthwise NHWC convolution (tfjs `depthwiseConv2d`): x [n, h, w, c] with kernel
 * [kh, kw, c, multiplier]; output channel c·multiplier + q is channel c convolved with filter q.
 */
export function depthwiseConv2d(x: Tensor, w: Tensor, options: Conv2DOptions): Tensor {
  const { info, y } = convSetup(x, w, options, true);
  x.backend.depthwiseConv2d(x.storage, w.storage, y.storage, info);
  return record(y, 'depthwiseConv2d', [x, w], (dy, grads) => convBackward(x, w, null, dy, info, grads, true));
}

/** NHWC convolution: x [n, h, w, c] with kernel w [kh, kw, c, filters]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2DOptions): Tensor {
  const { info, y } = convSetup(x, w, options);
  return conv2dWith(x, w, info, y);
}

/** The convolution of a given geometry (any padding the geometry describes), into `y` or a new output. */
export function conv2dWith(x: Tensor, w: Tensor, info: Conv2DInfo, y = Tensor.empty([info.batch, info.outH, info.outW, info.outC], 'float32', x.backend)): Tensor {
  x.backend.conv2d(x.storage, w.storage, y.storage, info);
  return record(y, 'conv2d', [x, w], (dy, grads) => convBackward(x, w, null, dy, info, grads));
}

/**
 * act(conv2d(x, w) + bias) as one op: the backend applies bias and activation while it writes the
 * convolution's output, so the raw output is never stored or read again.
 */
export function conv2dBiasActivation(x: Tensor, w: Tensor, bias: Tensor | null, act: KernelActivation, options: Conv2DOptions): Tensor {
  const { info, y } = convSetup(x, w, options);
  if (bias && bias.size !== info.outC) throw new ShapeError(`conv2d: bias of shape ${fmtShape(bias.shape)} does not match ${info.outC} filters`);
  const be = x.backend;
  be.conv2d(x.storage, w.storage, y.storage, info, { bias: bias?.storage ?? null, act });
  return record(y, `conv2d+biasActivation(${act})`, bias ? [x, w, bias] : [x, w], (dy, grads) => {
    let dz = dy;
    if (act !== 'linear') {
      dz = Tensor.empty(y.shape, 'float32', be);
      be.activationBackward(y.storage, dy.storage, dz.storage, y.size, act, false);
    }
    convBackward(x, w, bias, dz, info, grads);
  });
}

export interface Pool2DOptions {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

function poolInfo(kind: string, x: Tensor, o: Pool2DOptions) {
  return poolInfoOf(kind, x.shape, o);
}

/** The geometry of a pooling of an input of `shape` (NHWC). */
function poolInfoOf(kind: string, shape: readonly number[], o: Pool2DOptions) {
  const [batch, inH, inW, channels] = shape;
  if (shape.length !== 4) throw new ShapeError(`${kind}Pool2d: expected NHWC input. Received ${fmtShape(shape)}`);
  const info = pool2dInfo({ batch, inH, inW, channels, kH: o.poolSize[0], kW: o.poolSize[1], strideH: o.strides[0], strideW: o.strides[1], padding: o.padding });
  if (info.outH <= 0 || info.outW <= 0) throw new ShapeError(`${kind}Pool2d: pool ${o.poolSize.join('x')} does not fit input ${fmtShape(shape)} with padding '${o.padding}'`);
  return info;
}

function pool(kind: 'max' | 'avg', x: Tensor, o: Pool2DOptions): Tensor {
  return poolWith(kind, x, poolInfo(kind, x, o));
}

/** Max or average pooling of a given geometry (any padding the geometry describes). */
export function poolWith(kind: 'max' | 'avg', x: Tensor, info: Pool2DInfo): Tensor {
  const be = x.backend;
  const y = Tensor.empty([info.batch, info.outH, info.outW, info.channels], 'float32', be);
  if (kind === 'max') be.maxPool(x.storage, y.storage, info);
  else be.avgPool(x.storage, y.storage, info);
  return record(y, `${kind}Pool2d`, [x], (dy, grads) => {
    const s = grads.slot(x);
    if (kind === 'max') be.maxPoolBackward(x.storage, dy.storage, s.grad.storage, info, s.accumulate);
    else be.avgPoolBackward(dy.storage, s.grad.storage, info, s.accumulate);
  });
}

export const maxPool2d = (x: Tensor, o: Pool2DOptions): Tensor => pool('max', x, o);
export const avgPool2d = (x: Tensor, o: Pool2DOptions): Tensor => pool('avg', x, o);

/**
 * maxPool(act(conv2d(x, w) + bias)) as one op, act 'linear' or 'relu', for a model that found this
 * chain with no other reader of the convolution's output. The forward pass records each window's
 * winner (a byte per output) and keeps no convolution output: the backend may pool it as it writes
 * it, and the pool's backward routes dy by the winners alone. Under 'relu' a window whose maximum
 * is not positive has no winner, which is the ReLU's gradient, so no activation-backward pass runs.
 */
export function conv2dMaxPool(x: Tensor, w: Tensor, bias: Tensor | null, act: 'linear' | 'relu', conv: Conv2DOptions, poolOptions: Pool2DOptions): Tensor {
  const info = convInfo(x, w, conv);
  if (bias && bias.size !== info.outC) throw new ShapeError(`conv2d: bias of shape ${fmtShape(bias.shape)} does not match ${info.outC} filters`);
  const be = x.backend;
  const pinfo = poolInfoOf('max', [info.batch, info.outH, info.outW, info.outC], poolOptions);
  const shape = [pinfo.batch, pinfo.outH, pinfo.outW, pinfo.channels];
  const inputs = bias ? [x, w, bias] : [x, w];
  // The winners only serve the backward pass: none without a gradient to compute.
  const y = Tensor.empty(shape, 'float32', be), winners = needsGrad(inputs) ? Tensor.empty(shape, 'bool', be) : null;
  be.conv2dMaxPool(x.storage, w.storage, y.storage, winners?.storage ?? null, info, pinfo, { bias: bias?.storage ?? null, act });
  return record(y, `conv2d+${act === 'relu' ? 'relu+' : ''}maxPool2d`, inputs, (dy, grads) => {
    const dz = Tensor.empty([info.batch, info.outH, info.outW, info.outC], 'float32', be);
    be.maxPoolBackwardArgmax((winners as Tensor).storage, dy.storage, dz.storage, pinfo, false);
    convBackward(x, w, bias, dz, info, grads);
  });
}

function lastAxisOnly(op: string, x: Tensor, dim: number): void {
  if (dim !== -1 && dim !== x.rank - 1)
    throw new ValueError(`${op}: only the last axis is supported (as in tfjs). Received axis ${dim} for shape ${fmtShape(x.shape)}`);
}

/** Softmax over the last axis (tfjs `softmax`; like tfjs, other axes are refused). */
export function softmax(xIn: TensorInput, dim = -1): Tensor {
  const x = asStorage(toTensor(xIn, 'logits', 'softmax'), 'float32');
  lastAxisOnly('softmax', x, dim);
  const [rows, cols] = rowsCols(x);
  const be = x.backend;
  const y = Tensor.empty(x.shape, 'float32', be);
  if (y.size > 0) be.softmax(x.storage, y.storage, rows, cols);
  return record(y, 'softmax', [x], (dy, grads) => {
    // dx = y ⊙ (dy − Σ_c dy·y)
    grads.add(x, mul(y, sub(dy, sum(mul(dy, y), -1, true))));
  });
}

/** log(softmax(x)) over the last axis, computed as (x − max) − log Σ exp(x − max) (tfjs `logSoftmax`). */
export function logSoftmax(xIn: TensorInput, axis = -1): Tensor {
  const x = toTensor(xIn, 'logits', 'logSoftmax');
  lastAxisOnly('logSoftmax', x, axis);
  const shifted = sub(x, max(x, -1, true));
  return sub(cast(shifted, 'float32'), log(sum(exp(shifted), -1, true)));
}

/** Leaky ReLU with learned slopes: x where x > 0, alpha·x elsewhere (alpha broadcasts; tfjs `prelu`). */
export function prelu(xIn: TensorInput, alphaIn: TensorInput): Tensor {
  const x = toTensor(xIn, 'x', 'prelu'), alpha = toTensor(alphaIn, 'alpha', 'prelu');
  return where(greater(x, 0), x, mul(alpha, x));
}

/**
 * tfjs's `dropout(x, rate, noiseShape?, seed?)`: zeroes each element with probability `rate` and
 * scales the rest by 1/(1 − rate); `noiseShape` (broadcast to x) shares the mask along axes.
 */
export function dropoutOp(xIn: TensorInput, rate: number, noiseShape?: readonly number[], seed?: number | string): Tensor {
  const x = toTensor(xIn, 'x', 'dropout');
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`dropout: rate must be in [0, 1). Received rate=${rate}`);
  if (rate === 0) return x;
  const shape = noiseShape ? noiseShape.map((d, i) => (d === null || d === undefined ? x.shape[i] : d)) : x.shape;
  const keep = 1 - rate;
  return mul(x, div(floor(add(randomUniform(shape, 0, 1, 'float32', seed), keep)), keep));
}

/**
 * Mean softmax cross-entropy of logits [n, classes] against int32 class indices [n], fused: the
 * gradient with respect to the logits is (softmax − onehot) / n.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const [rows, cols] = rowsCols(logits);
  const L = asStorage(labels, 'int32');
  if (L.size !== rows) throw new ShapeError(`softmaxCrossEntropy: ${L.size} labels for ${rows} rows of logits ${fmtShape(logits.shape)}`);
  const be = logits.backend;
  const losses = Tensor.empty([rows], 'float32', be);
  const grad = logits.requiresGrad ? Tensor.empty(logits.shape, 'float32', be) : null;
  be.softmaxCrossEntropy(logits.storage, L.storage, losses.storage, grad?.storage ?? null, rows, cols, 1 / rows);
  const y = Tensor.empty([], 'float32', be);
  be.reduce('mean', losses.storage, y.storage, 1, rows);
  return record(y, 'softmaxCrossEntropy', [logits], (dy, grads) => grads.add(logits, mul(grad as Tensor, dy)));
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the rest by
 * 1/(1 − rate). The mask comes from the backend's counter-based generator, seeded from `rng`.
 * With `noiseShape` (tfjs/Keras), the mask has that shape and is broadcast over x: a 1 in a
 * dimension drops whole slices along it (e.g. [n, 1, 1, c] drops whole feature maps).
 */
export function dropout(x: Tensor, rate: number, rng: Random, noiseShape?: readonly number[]): Tensor {
  const be = x.backend;
  const shape = noiseShape ?? x.shape;
  if (noiseShape && (noiseShape.length !== x.rank || noiseShape.some((d, i) => d !== 1 && d !== x.shape[i])))
    throw new ShapeError(`dropout: noiseShape ${fmtShape(noiseShape)} must have x's rank with each dimension 1 or x's. Received x ${fmtShape(x.shape)}`);
  const u = Tensor.empty(shape, 'float32', be);
  be.randomUniform(u.storage, u.size, rng.nextUint32());
  const mask = mul(cast(greaterEqual(u, rate), 'float32'), 1 / (1 - rate));
  return mul(x, mask);
}
