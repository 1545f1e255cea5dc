/**
 * Differentiable primitive ops. Each op computes its forward with backend kernels and, while
 * recording, attaches a GradNode whose `backward` sits right beside it and adds into its inputs'
 * gradients. Layers and losses are built from these; composites need no backward of their own.
 */
import type { Conv2DInfo, KernelActivation } from '../backend/backend.js';
import { conv2dInfo, pool2dInfo, type Padding } from '../backend/shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { Random } from '../tensor/random.js';
import { needsGrad, type GradStore } from './tape.js';

function record(out: Tensor, op: string, inputs: Tensor[], backward: (dy: Tensor, grads: GradStore) => void, reluOutput = false): Tensor {
  if (needsGrad(inputs)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward, reluOutput };
  }
  return out;
}

/** The rows×cols view of a tensor whose last dimension is `cols`. */
function rowsCols(t: Tensor): [number, number] {
  const cols = t.shape[t.rank - 1] ?? 1;
  return [t.size / cols, cols];
}

/** a [m, k] · b [k, n] → [m, n]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0])
    throw new ShapeError(`matmul: inner dimensions must agree. Received ${fmtShape(a.shape)} · ${fmtShape(b.shape)}`);
  const [m, k] = a.shape, n = b.shape[1];
  const be = a.backend;
  const y = Tensor.empty([m, n], be);
  be.gemm(a.storage, b.storage, y.storage, m, n, k, false, false, false);
  return record(y, 'matmul', [a, b], (dy, grads) => {
    if (a.requiresGrad) {
      const s = grads.slot(a);
      be.gemm(dy.storage, b.storage, s.grad.storage, m, k, n, false, true, s.accumulate);
    }
    if (b.requiresGrad) {
      const s = grads.slot(b);
      be.gemm(a.storage, dy.storage, s.grad.storage, k, n, m, true, false, s.accumulate);
    }
  });
}

/** act(x + bias) with bias broadcast over the last dimension; `bias` may be null. */
export function biasActivation(x: Tensor, bias: Tensor | null, act: KernelActivation): Tensor {
  const [rows, cols] = rowsCols(x);
  if (bias && bias.size !== cols) throw new ShapeError(`biasActivation: bias of shape ${fmtShape(bias.shape)} does not match the last dimension of ${fmtShape(x.shape)}`);
  const be = x.backend;
  const y = Tensor.empty(x.shape, be);
  be.biasActivation(x.storage, bias?.storage ?? null, y.storage, rows, cols, act);
  const inputs = bias ? [x, bias] : [x];
  return record(y, `biasActivation(${act})`, inputs, (dy, grads) => {
    const xs = x.requiresGrad ? grads.slot(x) : null;
    // Write dz straight into x's gradient when it is fresh; otherwise use a temporary.
    const dz = xs && !xs.accumulate ? xs.grad : Tensor.empty(x.shape, be);
    be.activationBackward(y.storage, dy.storage, dz.storage, x.size, act, false);
    if (xs && xs.accumulate) be.scale(dz.storage, 1, xs.grad.storage, x.size, true);
    if (bias?.requiresGrad) {
      const s = grads.slot(bias);
      be.biasGrad(dz.storage, s.grad.storage, rows, cols, s.accumulate);
    }
  });
}

export interface Conv2DOptions {
  strides: [number, number];
  padding: Padding;
}

/** Checks a convolution's operands; returns its geometry and an empty output. */
function convSetup(x: Tensor, w: Tensor, { strides, padding }: Conv2DOptions): { info: Conv2DInfo; y: Tensor } {
  const [batch, inH, inW, inC] = x.shape;
  const [kH, kW, wC, outC] = w.shape;
  if (x.rank !== 4 || w.rank !== 4 || wC !== inC) throw new ShapeError(`conv2d: input ${fmtShape(x.shape)} and kernel ${fmtShape(w.shape)} disagree on channels`);
  const info = conv2dInfo({ batch, inH, inW, inC, outC, kH, kW, strideH: strides[0], strideW: strides[1], padding });
  if (info.outH <= 0 || info.outW <= 0) throw new ShapeError(`conv2d: kernel ${kH}x${kW} does not fit input ${fmtShape(x.shape)} with padding '${padding}'`);
  return { info, y: Tensor.empty([batch, info.outH, info.outW, outC], x.backend) };
}

/** Gradients of x and w of a convolution, given the gradient dz of its raw output. */
function convBackward(x: Tensor, w: Tensor, dz: Tensor, info: Conv2DInfo, grads: GradStore): void {
  const be = x.backend;
  if (x.requiresGrad) {
    const s = grads.slot(x);
    be.conv2dBackpropInput(dz.storage, w.storage, s.grad.storage, info, s.accumulate);
  }
  if (w.requiresGrad) {
    const s = grads.slot(w);
    be.conv2dBackpropFilter(x.storage, dz.storage, s.grad.storage, info, s.accumulate);
  }
}

/** NHWC convolution: x [n, h, w, c] with kernel w [kh, kw, c, filters]. */
export function conv2d(x: Tensor, w: Tensor, options: Conv2DOptions): Tensor {
  const { info, y } = convSetup(x, w, options);
  x.backend.conv2d(x.storage, w.storage, y.storage, info);
  return record(y, 'conv2d', [x, w], (dy, grads) => convBackward(x, w, dy, info, grads));
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
    // A max pool reading y may have folded the ReLU's gradient in already (see pool below).
    if (act !== 'linear' && !(act === 'relu' && grads.reluMasked(y))) {
      dz = Tensor.empty(y.shape, be);
      be.activationBackward(y.storage, dy.storage, dz.storage, y.size, act, false);
    }
    if (bias?.requiresGrad) {
      const s = grads.slot(bias);
      be.biasGrad(dz.storage, s.grad.storage, y.size / info.outC, info.outC, s.accumulate);
    }
    convBackward(x, w, dz, info, grads);
  }, act === 'relu');
}

export interface Pool2DOptions {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

function pool(kind: 'max' | 'avg', x: Tensor, o: Pool2DOptions): Tensor {
  const [batch, inH, inW, channels] = x.shape;
  if (x.rank !== 4) throw new ShapeError(`${kind}Pool2d: expected NHWC input. Received ${fmtShape(x.shape)}`);
  const info = pool2dInfo({ batch, inH, inW, channels, kH: o.poolSize[0], kW: o.poolSize[1], strideH: o.strides[0], strideW: o.strides[1], padding: o.padding });
  if (info.outH <= 0 || info.outW <= 0) throw new ShapeError(`${kind}Pool2d: pool ${o.poolSize.join('x')} does not fit input ${fmtShape(x.shape)} with padding '${o.padding}'`);
  const be = x.backend;
  const y = Tensor.empty([batch, info.outH, info.outW, channels], be);
  if (kind === 'max') be.maxPool(x.storage, y.storage, info);
  else be.avgPool(x.storage, y.storage, info);
  return record(y, `${kind}Pool2d`, [x], (dy, grads) => {
    const s = grads.slot(x);
    if (kind === 'max') {
      // Over a ReLU's output, route only positive maxima: that is the ReLU's gradient too, so the
      // producer can skip its own pass when this was the only gradient written to x.
      const relu = x.node?.reluOutput === true;
      be.maxPoolBackward(x.storage, dy.storage, s.grad.storage, info, s.accumulate, relu);
      if (relu && !s.accumulate) grads.markReluMasked(x);
    } else be.avgPoolBackward(dy.storage, s.grad.storage, info, s.accumulate);
  });
}

export const maxPool2d = (x: Tensor, o: Pool2DOptions): Tensor => pool('max', x, o);
export const avgPool2d = (x: Tensor, o: Pool2DOptions): Tensor => pool('avg', x, o);

/** Same values, new shape (shares storage). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const y = x.reshape(shape);
  return record(y, 'reshape', [x], (dy, grads) => {
    const s = grads.slot(x);
    x.backend.scale(dy.storage, 1, s.grad.storage, x.size, s.accumulate);
  });
}

/** x · alpha. */
export function scale(x: Tensor, alpha: number): Tensor {
  const be = x.backend;
  const y = Tensor.empty(x.shape, be);
  be.scale(x.storage, alpha, y.storage, x.size, false);
  return record(y, 'scale', [x], (dy, grads) => {
    const s = grads.slot(x);
    be.scale(dy.storage, alpha, s.grad.storage, x.size, s.accumulate);
  });
}

/** Element-wise a + b (same shapes). */
export function add(a: Tensor, b: Tensor): Tensor {
  sameShape('add', a, b);
  const be = a.backend;
  const y = Tensor.empty(a.shape, be);
  be.add(a.storage, b.storage, y.storage, a.size);
  return record(y, 'add', [a, b], (dy, grads) => {
    for (const t of [a, b])
      if (t.requiresGrad) {
        const s = grads.slot(t);
        be.scale(dy.storage, 1, s.grad.storage, t.size, s.accumulate);
      }
  });
}

/** Element-wise a ⊙ b (same shapes). */
export function mul(a: Tensor, b: Tensor): Tensor {
  sameShape('mul', a, b);
  const be = a.backend;
  const y = Tensor.empty(a.shape, be);
  be.mul(a.storage, b.storage, y.storage, a.size);
  return record(y, 'mul', [a, b], (dy, grads) => {
    for (const [t, other] of [[a, b], [b, a]] as const)
      if (t.requiresGrad) {
        const s = grads.slot(t);
        const tmp = Tensor.empty(t.shape, be);
        be.mul(dy.storage, other.storage, tmp.storage, t.size);
        be.scale(tmp.storage, 1, s.grad.storage, t.size, s.accumulate);
      }
  });
}

/** Σ x as a scalar tensor of shape []. */
export function sum(x: Tensor): Tensor {
  const be = x.backend;
  const y = Tensor.empty([], be);
  y.storage.data[0] = be.sum(x.storage, x.size);
  return record(y, 'sum', [x], (dy, grads) => {
    const s = grads.slot(x);
    const g = dy.storage.data[0];
    if (s.accumulate) {
      const tmp = Tensor.empty(x.shape, be);
      be.fill(tmp.storage, g, x.size);
      be.scale(tmp.storage, 1, s.grad.storage, x.size, true);
    } else be.fill(s.grad.storage, g, x.size);
  });
}

export const mean = (x: Tensor): Tensor => scale(sum(x), 1 / x.size);

/** Softmax over the last dimension. */
export function softmax(x: Tensor): Tensor {
  const [rows, cols] = rowsCols(x);
  const be = x.backend;
  const y = Tensor.empty(x.shape, be);
  be.softmax(x.storage, y.storage, rows, cols);
  return record(y, 'softmax', [x], (dy, grads) => {
    const s = grads.slot(x);
    const Y = y.storage.data, DY = dy.storage.data, DX = s.grad.storage.data;
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += DY[r * cols + c] * Y[r * cols + c];
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const g = Y[i] * (DY[i] - dot);
        DX[i] = s.accumulate ? DX[i] + g : g;
      }
    }
  });
}

/**
 * Mean softmax cross-entropy of logits [n, classes] against class indices (a float32 tensor [n]),
 * fused: the gradient with respect to the logits is (softmax − onehot) / n.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  const [rows, cols] = rowsCols(logits);
  const be = logits.backend;
  const losses = Tensor.empty([rows], be);
  const grad = needsGrad([logits]) ? Tensor.empty(logits.shape, be) : null;
  be.softmaxCrossEntropy(logits.storage, labels.storage, losses.storage, grad?.storage ?? null, rows, cols, 1 / rows);
  const y = Tensor.empty([], be);
  y.storage.data[0] = be.sum(losses.storage, rows) / rows;
  return record(y, 'softmaxCrossEntropy', [logits], (dy, grads) => {
    const s = grads.slot(logits);
    be.scale((grad as Tensor).storage, dy.storage.data[0], s.grad.storage, logits.size, s.accumulate);
  });
}

/**
 * Mean cross-entropy of probabilities [n, classes] against targets: class indices [n] (sparse) or
 * one-hot rows [n, classes]. Probabilities are clipped to [ε, 1 − ε] with Keras's ε = 1e-7.
 */
export function crossEntropy(probs: Tensor, targets: Tensor, sparse: boolean, epsilon = 1e-7): Tensor {
  const [rows, cols] = rowsCols(probs);
  const P = probs.storage.data, T = targets.storage.data;
  const target = (r: number, c: number): number => (sparse ? (T[r] === c ? 1 : 0) : T[r * cols + c]);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    // Keras normalises rows that do not sum to one before taking the log.
    let rowSum = 0;
    for (let c = 0; c < cols; c++) rowSum += P[r * cols + c];
    for (let c = 0; c < cols; c++) {
      const t = target(r, c);
      if (t !== 0) total -= t * Math.log(Math.min(Math.max(P[r * cols + c] / rowSum, epsilon), 1 - epsilon));
    }
  }
  const y = Tensor.empty([], probs.backend);
  y.storage.data[0] = total / rows;
  return record(y, 'crossEntropy', [probs], (dy, grads) => {
    const s = grads.slot(probs);
    const G = s.grad.storage.data, g0 = dy.storage.data[0] / rows;
    for (let r = 0; r < rows; r++) {
      let rowSum = 0, tSum = 0;
      for (let c = 0; c < cols; c++) {
        rowSum += P[r * cols + c];
        tSum += target(r, c);
      }
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const q = P[i] / rowSum;
        const clipped = q <= epsilon || q >= 1 - epsilon;
        // d/dp_i of −Σ t_j log(p_j / S) = −t_i / p_i + Σ t_j / S.
        const g = ((clipped ? 0 : -target(r, c) / P[i]) + tSum / rowSum) * g0;
        G[i] = s.accumulate ? G[i] + g : g;
      }
    }
  });
}

/** Mean squared error over all elements (Keras: mean over the last axis, then over the batch). */
export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  sameShape('meanSquaredError', pred, target);
  const P = pred.storage.data, T = target.storage.data, n = pred.size;
  let total = 0;
  for (let i = 0; i < n; i++) total += (P[i] - T[i]) ** 2;
  const y = Tensor.empty([], pred.backend);
  y.storage.data[0] = total / n;
  return record(y, 'meanSquaredError', [pred], (dy, grads) => {
    const s = grads.slot(pred);
    const G = s.grad.storage.data, g0 = (2 * dy.storage.data[0]) / n;
    for (let i = 0; i < n; i++) G[i] = (s.accumulate ? G[i] : 0) + g0 * (P[i] - T[i]);
  });
}

/** Inverted dropout: zeroes each element with probability `rate` and scales the rest by 1/(1 − rate). */
export function dropout(x: Tensor, rate: number, rng: Random): Tensor {
  const be = x.backend;
  const mask = Tensor.empty(x.shape, be);
  const M = mask.storage.data, keep = 1 / (1 - rate);
  for (let i = 0; i < x.size; i++) M[i] = rng.uniform() < rate ? 0 : keep;
  const y = Tensor.empty(x.shape, be);
  be.mul(x.storage, mask.storage, y.storage, x.size);
  return record(y, 'dropout', [x], (dy, grads) => {
    const s = grads.slot(x);
    const tmp = s.accumulate ? Tensor.empty(x.shape, be) : s.grad;
    be.mul(dy.storage, mask.storage, tmp.storage, x.size);
    if (s.accumulate) be.scale(tmp.storage, 1, s.grad.storage, x.size, true);
  });
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(`${op}: shapes must match. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
}
