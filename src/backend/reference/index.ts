/**
 * The reference backend: plain TypeScript loops that follow the definitions literally. It is the
 * oracle every fast kernel is tested against, so clarity wins over speed everywhere here.
 */
import type { AdamParams, Backend, Conv2DInfo, ConvEpilogue, KernelActivation, MemoryInfo, Pool2DInfo, Storage } from '../backend.js';

class ArrayStorage implements Storage {
  readonly ptr = 0;
  constructor(readonly data: Float32Array) {}
  get size(): number {
    return this.data.length;
  }
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

/** Calls `fn(inputIndex, weightIndex, outputIndex)` for every (in, w, out) term of a convolution. */
function forEachConvTerm(info: Conv2DInfo, fn: (xi: number, wi: number, yi: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = info;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padLeft;
            if (ix < 0 || ix >= inW) continue;
            for (let ci = 0; ci < inC; ci++)
              for (let co = 0; co < outC; co++) {
                const xi = ((b * inH + iy) * inW + ix) * inC + ci;
                const wi = ((ky * kW + kx) * inC + ci) * outC + co;
                const yi = ((b * outH + oy) * outW + ox) * outC + co;
                fn(xi, wi, yi);
              }
          }
        }
}

/** Calls `fn(outputIndex, inputIndices)` for every pooling window (padding cells excluded). */
function forEachWindow(info: Pool2DInfo, fn: (yi: number, xis: number[]) => void): void {
  const { batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft } = info;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let c = 0; c < channels; c++) {
          const xis: number[] = [];
          for (let py = 0; py < poolH; py++) {
            const iy = oy * strideH + py - padTop;
            if (iy < 0 || iy >= inH) continue;
            for (let px = 0; px < poolW; px++) {
              const ix = ox * strideW + px - padLeft;
              if (ix < 0 || ix >= inW) continue;
              xis.push(((b * inH + iy) * inW + ix) * channels + c);
            }
          }
          fn(((b * outH + oy) * outW + ox) * channels + c, xis);
        }
}

function zeroUnless(accumulate: boolean, s: Storage, n: number): void {
  if (!accumulate) s.data.fill(0, 0, n);
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly threads = 1;
  private persistent = 0;
  private inStep = false;
  private stepBytes = 0;
  private highWater = 0;

  alloc(size: number): Storage {
    if (this.inStep) {
      this.stepBytes += size * 4;
      this.highWater = Math.max(this.highWater, this.stepBytes);
    } else this.persistent += size * 4;
    return new ArrayStorage(new Float32Array(size));
  }
  free(s: Storage): void {
    if (!this.inStep) this.persistent -= s.size * 4;
  }
  view(s: Storage, offset: number, size: number): Storage {
    return new ArrayStorage(s.data.subarray(offset, offset + size));
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

  gemm(a: Storage, b: Storage, c: Storage, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    const A = a.data, B = b.data, C = c.data;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (transA ? A[p * m + i] : A[i * k + p]) * (transB ? B[j * k + p] : B[p * n + j]);
        C[i * n + j] = accumulate ? C[i * n + j] + s : s;
      }
  }

  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    y.data.fill(0, 0, info.batch * info.outH * info.outW * info.outC);
    forEachConvTerm(info, (xi, wi, yi) => (y.data[yi] += x.data[xi] * w.data[wi]));
    if (epilogue) this.biasActivation(y, epilogue.bias, y, info.batch * info.outH * info.outW, info.outC, epilogue.act);
  }
  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.inC);
    forEachConvTerm(info, (xi, wi, yi) => (dx.data[xi] += dy.data[yi] * w.data[wi]));
  }
  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dw, info.kH * info.kW * info.inC * info.outC);
    forEachConvTerm(info, (xi, wi, yi) => (dw.data[wi] += x.data[xi] * dy.data[yi]));
  }

  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    forEachWindow(info, (yi, xis) => (y.data[yi] = Math.max(...xis.map((i) => x.data[i]))));
  }
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask = false): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.channels);
    forEachWindow(info, (yi, xis) => {
      let best = xis[0];
      for (const i of xis) if (x.data[i] > x.data[best]) best = i;
      if (!reluMask || x.data[best] > 0) dx.data[best] += dy.data[yi];
    });
  }
  avgPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    forEachWindow(info, (yi, xis) => (y.data[yi] = xis.reduce((s, i) => s + x.data[i], 0) / xis.length));
  }
  avgPoolBackward(dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void {
    zeroUnless(accumulate, dx, info.batch * info.inH * info.inW * info.channels);
    forEachWindow(info, (yi, xis) => {
      for (const i of xis) dx.data[i] += dy.data[yi] / xis.length;
    });
  }

  biasActivation(x: Storage, bias: Storage | null, y: Storage, rows: number, cols: number, act: KernelActivation): void {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        y.data[i] = activate(x.data[i] + (bias ? bias.data[c] : 0), act);
      }
  }
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void {
    for (let i = 0; i < n; i++) {
      const g = dy.data[i] * activationSlope(y.data[i], act);
      dx.data[i] = accumulate ? dx.data[i] + g : g;
    }
  }
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void {
    zeroUnless(accumulate, db, cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) db.data[c] += dy.data[r * cols + c];
  }
  add(a: Storage, b: Storage, out: Storage, n: number): void {
    for (let i = 0; i < n; i++) out.data[i] = a.data[i] + b.data[i];
  }
  mul(a: Storage, b: Storage, out: Storage, n: number): void {
    for (let i = 0; i < n; i++) out.data[i] = a.data[i] * b.data[i];
  }
  scale(x: Storage, alpha: number, out: Storage, n: number, accumulate: boolean): void {
    for (let i = 0; i < n; i++) out.data[i] = (accumulate ? out.data[i] : 0) + alpha * x.data[i];
  }
  fill(out: Storage, value: number, n: number): void {
    out.data.fill(value, 0, n);
  }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    for (let i = 0; i < n; i++) dst.data[dstOffset + i] = src.data[srcOffset + i];
  }
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void {
    for (let i = 0; i < n; i++) dst.data[i] = src[srcOffset + i] * scale;
  }

  sum(x: Storage, n: number): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[i];
    return s;
  }

  softmax(x: Storage, y: Storage, rows: number, cols: number): void {
    for (let r = 0; r < rows; r++) {
      const row = x.data.subarray(r * cols, (r + 1) * cols);
      const max = Math.max(...row);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(row[c] - max);
      for (let c = 0; c < cols; c++) y.data[r * cols + c] = Math.exp(row[c] - max) / total;
    }
  }
  softmaxCrossEntropy(logits: Storage, labels: Storage, losses: Storage, dlogits: Storage | null, rows: number, cols: number, gradScale: number): void {
    for (let r = 0; r < rows; r++) {
      const row = logits.data.subarray(r * cols, (r + 1) * cols);
      const label = labels.data[r];
      const max = Math.max(...row);
      let total = 0;
      for (let c = 0; c < cols; c++) total += Math.exp(row[c] - max);
      // log softmax(label) = z_label − max − log Σ exp(z − max): stable for any logits.
      losses.data[r] = -(row[label] - max - Math.log(total));
      if (dlogits)
        for (let c = 0; c < cols; c++) dlogits.data[r * cols + c] = (Math.exp(row[c] - max) / total - (c === label ? 1 : 0)) * gradScale;
    }
  }

  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, o: AdamParams): void {
    const alpha = (o.lr * Math.sqrt(1 - o.beta2 ** o.step)) / (1 - o.beta1 ** o.step);
    for (let i = 0; i < n; i++) {
      const gi = g.data[i];
      m.data[i] = o.beta1 * m.data[i] + (1 - o.beta1) * gi;
      v.data[i] = o.beta2 * v.data[i] + (1 - o.beta2) * gi * gi;
      p.data[i] -= (alpha * m.data[i]) / (Math.sqrt(v.data[i]) + o.epsilon);
    }
  }
  sgdUpdate(p: Storage, g: Storage, velocity: Storage | null, n: number, lr: number, momentum: number, nesterov: boolean): void {
    for (let i = 0; i < n; i++) {
      if (!velocity || momentum === 0) {
        p.data[i] -= lr * g.data[i];
        continue;
      }
      const vNew = momentum * velocity.data[i] - lr * g.data[i];
      velocity.data[i] = vNew;
      p.data[i] += nesterov ? momentum * vNew - lr * g.data[i] : vNew;
    }
  }
  rmspropUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, rho: number, epsilon: number): void {
    for (let i = 0; i < n; i++) {
      acc.data[i] = rho * acc.data[i] + (1 - rho) * g.data[i] * g.data[i];
      p.data[i] -= (lr * g.data[i]) / Math.sqrt(acc.data[i] + epsilon);
    }
  }
}
