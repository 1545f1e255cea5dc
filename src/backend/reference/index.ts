/**
 * The reference backend: plain TypeScript loops that follow the definitions literally. It is the
 * oracle every fast kernel is tested against, so clarity wins over speed everywhere here.
 */
import {
  arrayFor, type AdamParams, type Backend, type BinaryOp, type BroadcastInfo, type Conv2DInfo, type ConvEpilogue, type DifferentiableUnaryOp, type DType,
  type CropInfo, type KernelActivation, type MemoryInfo, NO_WINNER, type NormAccumulate, type NormActivation, type Pool2DInfo, type ReduceOp, type ResizeInfo, type Storage, type TypedArray, type UnaryOp,
} from '../backend.js';
import * as cpu from '../cpu/generic.js';
import * as cpuImage from '../cpu/image.js';
import * as norm from '../cpu/normalization.js';
import * as cpuScan from '../cpu/scan.js';
import { checkArgmaxWindow, checkConvPool } from '../shape.js';

class ArrayStorage implements Storage {
  constructor(
    readonly data: TypedArray,
    readonly dtype: DType,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

/** The values of a storage of this backend. */
function arr(s: Storage): TypedArray {
  return (s as ArrayStorage).data;
}

/** The float32 values of a storage of this backend (the float kernels' operands). */
function f32(s: Storage): Float32Array {
  return (s as ArrayStorage).data as Float32Array;
}

function activate(v: number, act: KernelActivation): number {
  switch (act) {
    case 'linear':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    default:
      return act satisfies never;
  }
}

/** Derivative of the activation written in terms of its output y. */
function activationSlope(y: number, act: KernelActivation): number {
  switch (act) {
    case 'linear':
      return 1;
    case 'relu':
      return y > 0 ? 1 : 0;
    case 'sigmoid':
      return y * (1 - y);
    case 'tanh':
      return 1 - y * y;
    default:
      return act satisfies never;
  }
}

/**
 * Calls `fn(inputIndex, weightIndex, outputIndex)` for every (in, w, out) term of a convolution
 * (dilated taps included). With `depthwise`, input channel c meets only its own filters q, writing
 * output channel c·m + q (m = outC / inC), and w is [kH, kW, inC, m].
 */
function forEachConvTerm(info: Conv2DInfo, fn: (xi: number, wi: number, yi: number) => void, depthwise = false): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = info;
  const m = depthwise ? outC / inC : 0;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky * dilationH - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx * dilationW - padLeft;
            if (ix < 0 || ix >= inW) continue;
            for (let ci = 0; ci < inC; ci++) {
              const xi = ((b * inH + iy) * inW + ix) * inC + ci;
              if (depthwise) {
                for (let q = 0; q < m; q++)
                  fn(xi, ((ky * kW + kx) * inC + ci) * m + q, ((b * outH + oy) * outW + ox) * outC + ci * m + q);
                continue;
              }
              for (let co = 0; co < outC; co++) {
                const wi = ((ky * kW + kx) * inC + ci) * outC + co;
                const yi = ((b * outH + oy) * outW + ox) * outC + co;
                fn(xi, wi, yi);
              }
            }
          }
        }
}

/** Calls `fn(outputIndex, inputIndices)` for every pooling window (padding cells excluded). */
/** Calls fn with each output element's index, its window's cells inside the input and their positions py·poolW + px in the window. */
function forEachWindow(info: Pool2DInfo, fn: (yi: number, xis: number[], positions: number[]) => void): void {
  const { batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let c = 0; c < channels; c++) {
          const xis: number[] = [], positions: number[] = [];
          for (let py = 0; py < poolH; py++) {
            const iy = oy * strideH + py - padTop;
            if (iy < 0 || iy >= inH) continue;
            for (let px = 0; px < poolW; px++) {
              const ix = ox * strideW + px - padLeft;
              if (ix < 0 || ix >= inW) continue;
              xis.push(((b * inH + iy) * inW + ix) * channels + c);
              positions.push(py * poolW + px);
            }
          }
          fn(((b * outH + oy) * outW + ox) * channels + c, xis, positions);
        }
}

function zeroUnless(accumulate: boolean, s: Storage, n: number): void {
  if (!accumulate) f32(s).fill(0, 0, n);
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly threads = 1;
  private persistent = 0;
  private inStep = false;
  private stepBytes = 0;
  private highWater = 0;

  readonly canReadSync = true;

  alloc(size: number, dtype: DType = 'float32'): Storage {
    const bytes = size * (dtype === 'bool' ? 1 : 4);
    if (this.inStep) {
      this.stepBytes += bytes;
      this.highWater = Math.max(this.highWater, this.stepBytes);
    } else this.persistent += bytes;
    return new ArrayStorage(arrayFor(dtype, size), dtype);
  }
  free(s: Storage): void {
    if (!this.inStep) this.persistent -= s.size * (s.dtype === 'bool' ? 1 : 4);
  }
  write(s: Storage, values: ArrayLike<number>, offset = 0): void {
    const d = arr(s);
    if (offset < 0 || offset + values.length > d.length) throw new RangeError(`write of ${values.length} values at ${offset} is outside a storage of ${d.length}`);
    if (s.dtype === 'bool') for (let i = 0; i < values.length; i++) d[offset + i] = values[i] !== 0 ? 1 : 0;
    else for (let i = 0; i < values.length; i++) d[offset + i] = values[i];
  }
  readSync(s: Storage, offset = 0, size = s.size - offset): TypedArray {
    return arr(s).slice(offset, offset + size);
  }
  async read(s: Storage, offset?: number, size?: number): Promise<TypedArray> {
    return this.readSync(s, offset, size);
  }
  beginStep(): void {
    this.inStep = true;
    this.stepBytes = 0;
  }
  endStep(): void {
    this.inStep = false;
    this.stepBytes = 0;
  }
  memory(): MemoryInfo {
    return { persistentBytes: this.persistent, arenaHighWater: this.highWater, reservedBytes: this.persistent + this.highWater };
  }
  dispose(): void {}

  unary(op: UnaryOp, x: Storage, y: Storage, n: number, params?: readonly number[]): void {
    cpu.unary(op, arr(x), arr(y), n, params);
  }
  unaryBackward(op: DifferentiableUnaryOp, x: Storage | null, y: Storage | null, dy: Storage, dx: Storage, n: number, accumulate: boolean, params?: readonly number[]): void {
    cpu.unaryBackward(op, x && arr(x), y && arr(y), arr(dy), arr(dx), n, accumulate, params);
  }
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, info: BroadcastInfo): void {
    cpu.binary(op, arr(a), arr(b), arr(out), info);
  }
  where(cond: Storage, a: Storage, b: Storage, out: Storage, info: BroadcastInfo): void {
    cpu.where(arr(cond), arr(a), arr(b), arr(out), info);
  }
  cast(x: Storage, y: Storage, n: number): void {
    cpu.cast(arr(x), arr(y), n);
  }
  fill(out: Storage, value: number, n: number, offset = 0): void {
    arr(out).fill(out.dtype === 'bool' ? +(value !== 0) : value, offset, offset + n);
  }
  stridedCopy(src: Storage, srcOffset: number, srcStrides: readonly number[], dst: Storage, dstOffset: number, dstStrides: readonly number[], shape: readonly number[], accumulate = false): void {
    cpu.stridedCopy(arr(src), srcOffset, srcStrides, arr(dst), dstOffset, dstStrides, shape, accumulate);
  }
  reduce(op: ReduceOp, x: Storage, y: Storage, outer: number, inner: number): void {
    cpu.reduce(op, arr(x), arr(y), outer, inner);
  }
  gather(x: Storage, indices: Storage, y: Storage, outer: number, axisLen: number, inner: number, n: number): void {
    cpu.gather(arr(x), arr(indices), arr(y), outer, axisLen, inner, n);
  }
  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number, n: number): void {
    cpu.scatterAdd(arr(dy), arr(indices), arr(dx), outer, axisLen, inner, n);
  }
  randomUniform(out: Storage, n: number, seed: number): void {
    cpu.randomUniform(arr(out), n, seed);
  }
  cumulative(op: 'sum' | 'prod', x: Storage, y: Storage, outer: number, len: number, inner: number, exclusive: boolean, reverse: boolean): void {
    cpuScan.cumulative(op, arr(x), arr(y), outer, len, inner, exclusive, reverse);
  }
  topk(x: Storage, values: Storage, indices: Storage, rows: number, cols: number, k: number, sorted: boolean): void {
    cpuScan.topk(arr(x), arr(values), arr(indices), rows, cols, k, sorted);
  }
  resizeBilinear(x: Storage, y: Storage, info: ResizeInfo): void {
    cpuImage.resizeBilinear(arr(x), arr(y), info);
  }
  resizeBilinearBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void {
    cpuImage.resizeBilinearBackward(arr(dy), arr(dx), info, accumulate);
  }
  resizeNearest(x: Storage, y: Storage, info: ResizeInfo): void {
    cpuImage.resizeNearest(arr(x), arr(y), info);
  }
  resizeNearestBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void {
    cpuImage.resizeNearestBackward(arr(dy), arr(dx), info, accumulate);
  }
  cropAndResize(image: Storage, boxes: Storage, boxIndices: Storage, y: Storage, info: CropInfo): void {
    cpuImage.cropAndResize(arr(image), arr(boxes), arr(boxIndices), arr(y), info);
  }

  gemm(a: Storage, b: Storage, c: Storage, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    const A = f32(a), B = f32(b), C = f32(c);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (transA ? A[p * m + i] : A[i * k + p]) * (transB ? B[j * k + p] : B[p * n + j]);
        C[i * n + j] = accumulate ? C[i * n + j] + s : s;
      }
  }

  batchGemm(a: Storage, b: Storage, c: Storage, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, accumulate: boolean): void {
    const A = f32(a), B = f32(b), C = f32(c);
    for (let i = 0; i < batch; i++) {
      const view = (x: Float32Array, off: number, len: number): ArrayStorage => new ArrayStorage(x.subarray(off, off + len), 'float32');
      this.gemm(view(A, i * strideA, m * k), view(B, i * strideB, k * n), view(C, i * m * n, m * n), m, n, k, transA, transB, accumulate);
    }
  }

  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    this.convForward(x, w, y, info, epilogue, false);
  }
  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.inC);
    forEachConvTerm(info, (xi, wi, yi) => (f32(dx)[xi] += f32(dy)[yi] * f32(w)[wi]));
  }
  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dw, info.kH * info.kW * info.inC * info.outC);
    forEachConvTerm(info, (xi, wi, yi) => (f32(dw)[wi] += f32(x)[xi] * f32(dy)[yi]));
  }

  depthwiseConv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    this.convForward(x, w, y, info, epilogue, true);
  }
  depthwiseConv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.inC);
    forEachConvTerm(info, (xi, wi, yi) => (f32(dx)[xi] += f32(dy)[yi] * f32(w)[wi]), true);
  }
  depthwiseConv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dw, info.kH * info.kW * info.outC);
    forEachConvTerm(info, (xi, wi, yi) => (f32(dw)[wi] += f32(x)[xi] * f32(dy)[yi]), true);
  }

  private convForward(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue: ConvEpilogue | undefined, depthwise: boolean): void {
    f32(y).fill(0, 0, info.batch * info.outH * info.outW * info.outC);
    forEachConvTerm(info, (xi, wi, yi) => (f32(y)[yi] += f32(x)[xi] * f32(w)[wi]), depthwise);
    if (epilogue) this.biasActivation(y, epilogue.bias, y, info.batch * info.outH * info.outW, info.outC, epilogue.act);
  }

  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    forEachWindow(info, (yi, xis) => (f32(y)[yi] = Math.max(...xis.map((i) => f32(x)[i]))));
  }
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask = false): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.channels);
    forEachWindow(info, (yi, xis) => {
      let best = xis[0];
      for (const i of xis) if (f32(x)[i] > f32(x)[best]) best = i;
      if (!reluMask || f32(x)[best] > 0) f32(dx)[best] += f32(dy)[yi];
    });
  }
  maxPoolArgmax(x: Storage, y: Storage, argmax: Storage, info: Pool2DInfo, reluMask: boolean): void {
    checkArgmaxWindow(info);
    forEachWindow(info, (yi, xis, positions) => {
      const m = Math.max(...xis.map((i) => f32(x)[i]));
      f32(y)[yi] = m;
      const k = xis.findIndex((i) => f32(x)[i] === m);
      arr(argmax)[yi] = k < 0 || (reluMask && !(m > 0)) ? NO_WINNER : positions[k];
    });
  }
  maxPoolBackwardArgmax(argmax: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void {
    checkArgmaxWindow(info);
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.channels);
    forEachWindow(info, (yi, xis, positions) => {
      const k = positions.indexOf(arr(argmax)[yi]);
      if (k >= 0) f32(dx)[xis[k]] += f32(dy)[yi];
    });
  }
  conv2dMaxPool(x: Storage, w: Storage, y: Storage, argmax: Storage | null, info: Conv2DInfo, pool: Pool2DInfo, epilogue?: ConvEpilogue): void {
    checkConvPool(info, pool, epilogue);
    const z = this.alloc(info.batch * info.outH * info.outW * info.outC);
    this.conv2d(x, w, z, info, epilogue);
    if (argmax) this.maxPoolArgmax(z, y, argmax, pool, epilogue?.act === 'relu');
    else this.maxPool(z, y, pool);
    this.free(z);
  }
  avgPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    forEachWindow(info, (yi, xis) => (f32(y)[yi] = xis.reduce((s, i) => s + f32(x)[i], 0) / xis.length));
  }
  avgPoolBackward(dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.channels);
    forEachWindow(info, (yi, xis) => {
      for (const i of xis) f32(dx)[i] += f32(dy)[yi] / xis.length;
    });
  }

  biasActivation(x: Storage, bias: Storage | null, y: Storage, rows: number, cols: number, act: KernelActivation): void {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        f32(y)[i] = activate(f32(x)[i] + (bias ? f32(bias)[c] : 0), act);
      }
  }
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void {
    for (let i = 0; i < n; i++) {
      const g = f32(dy)[i] * activationSlope(f32(y)[i], act);
      f32(dx)[i] = accumulate ? f32(dx)[i] + g : g;
    }
  }
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void {
    zeroUnless(accumulate, db, cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f32(db)[c] += f32(dy)[r * cols + c];
  }
  scale(x: Storage, alpha: number, out: Storage, n: number, accumulate: boolean): void {
    for (let i = 0; i < n; i++) f32(out)[i] = (accumulate ? f32(out)[i] : 0) + alpha * f32(x)[i];
  }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    const S = arr(src), D = arr(dst);
    for (let i = 0; i < n; i++) D[dstOffset + i] = S[srcOffset + i];
  }
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void {
    for (let i = 0; i < n; i++) f32(dst)[i] = src[srcOffset + i] * scale;
  }


  batchNormStats(x: Storage, mean: Storage, variance: Storage, rows: number, cols: number): void {
    norm.batchNormStats(f32(x), f32(mean), f32(variance), rows, cols);
  }
  batchNormForward(x: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, rows: number, cols: number, epsilon: number, act: NormActivation): void {
    norm.batchNormForward(f32(x), f32(mean), f32(variance), gamma && f32(gamma), beta && f32(beta), f32(y), rows, cols, epsilon, act);
  }
  batchNormBackward(
    x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null, dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null,
    rows: number, cols: number, epsilon: number, act: NormActivation, training: boolean, accumulate: NormAccumulate,
  ): void {
    const o = (s: Storage | null) => s && f32(s);
    norm.batchNormBackward(f32(x), f32(dy), f32(mean), f32(variance), o(gamma), o(beta), o(dx), o(dgamma), o(dbeta), rows, cols, epsilon, act, training, accumulate);
  }

  softmax(x: Storage, y: Storage, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const row = f32(x).subarray(r * cols, (r + 1) * cols);
      const max = Math.max(...row);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(row[c] - max);
      for (let c = 0; c < cols; c++) f32(y)[r * cols + c] = Math.exp(row[c] - max) / total;
    }
  }
  softmaxCrossEntropy(logits: Storage, labels: Storage, losses: Storage, dlogits: Storage | null, rows: number, cols: number, gradScale: number): void {
    for (let r = 0; r < rows; r++) {
      const row = f32(logits).subarray(r * cols, (r + 1) * cols);
      const label = arr(labels)[r];
      const max = Math.max(...row);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(row[c] - max);
      // log softmax(label) = z_label − max − log Σ exp(z − max): stable for any logits.
      f32(losses)[r] = label >= 0 && label < cols ? -(row[label] - max - Math.log(total)) : NaN;
      if (dlogits)
        for (let c = 0; c < cols; c++) f32(dlogits)[r * cols + c] = (Math.exp(row[c] - max) / total - (c === label ? 1 : 0)) * gradScale;
    }
  }

  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, o: AdamParams): void {
    const alpha = (o.lr * Math.sqrt(1 - o.beta2 ** o.step)) / (1 - o.beta1 ** o.step);
    for (let i = 0; i < n; i++) {
      const gi = f32(g)[i];
      f32(m)[i] = o.beta1 * f32(m)[i] + (1 - o.beta1) * gi;
      f32(v)[i] = o.beta2 * f32(v)[i] + (1 - o.beta2) * gi * gi;
      f32(p)[i] -= (alpha * f32(m)[i]) / (Math.sqrt(f32(v)[i]) + o.epsilon);
    }
  }
  sgdUpdate(p: Storage, g: Storage, velocity: Storage | null, n: number, lr: number, momentum: number, nesterov: boolean): void {
    for (let i = 0; i < n; i++) {
      if (!velocity || momentum === 0) {
        f32(p)[i] -= lr * f32(g)[i];
        continue;
      }
      const vNew = momentum * f32(velocity)[i] - lr * f32(g)[i];
      f32(velocity)[i] = vNew;
      f32(p)[i] += nesterov ? momentum * vNew - lr * f32(g)[i] : vNew;
    }
  }
  rmspropUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, rho: number, epsilon: number): void {
    for (let i = 0; i < n; i++) {
      f32(acc)[i] = rho * f32(acc)[i] + (1 - rho) * f32(g)[i] * f32(g)[i];
      f32(p)[i] -= (lr * f32(g)[i]) / Math.sqrt(f32(acc)[i] + epsilon);
    }
  }
}
