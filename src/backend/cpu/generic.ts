/**
 * The generic kernels (element-wise with broadcasting, casts, strided copies, row reductions,
 * gather/scatter, counter-based random numbers) as plain loops over typed arrays. The reference
 * backend runs them on its arrays; the WASM backend runs them on views of its memory for the ops
 * that have no SIMD kernel of their own. Sums run in index order in float64.
 */
import type { BinaryOp, BroadcastInfo, DifferentiableUnaryOp, ReduceOp, TypedArray, UnaryOp } from '../backend.js';
import { binaryFn, derivativeFn, unaryFn } from './elementwise.js';

export function unary(op: UnaryOp, x: TypedArray, y: TypedArray, n: number, params?: readonly number[]): void {
  const f = unaryFn(op, params);
  for (let i = 0; i < n; i++) y[i] = f(x[i]);
}

export function unaryBackward(
  op: DifferentiableUnaryOp, x: TypedArray | null, y: TypedArray | null, dy: TypedArray, dx: TypedArray, n: number, accumulate: boolean, params?: readonly number[],
): void {
  const d = derivativeFn(op, params);
  for (let i = 0; i < n; i++) {
    const g = dy[i] * d(x ? x[i] : NaN, y ? y[i] : NaN);
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

/**
 * Calls `row(offsets, length)` for every innermost row of `shape`, where `offsets[k]` is the k-th
 * operand's element offset at the row's start; operands advance by their last stride within it.
 */
function forEachRow(shape: readonly number[], strides: readonly (readonly number[])[], offsets0: readonly number[], row: (offsets: number[], length: number) => void): void {
  const rank = shape.length;
  const offsets = [...offsets0];
  if (rank === 0) {
    row(offsets, 1);
    return;
  }
  if (shape.some((d) => d === 0)) return;
  const len = shape[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    row(offsets, len);
    // Odometer over the outer dimensions.
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Contiguous row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

export function binary(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray, info: BroadcastInfo): void {
  const f = binaryFn(op);
  const [sa, sb] = info.strides;
  const so = contiguousStrides(info.shape);
  const last = info.shape.length - 1;
  const ia = last >= 0 ? sa[last] : 0, ib = last >= 0 ? sb[last] : 0;
  forEachRow(info.shape, [sa, sb, so], [0, 0, 0], ([pa, pb, po], len) => {
    for (let i = 0; i < len; i++) out[po + i] = f(a[pa + i * ia], b[pb + i * ib]);
  });
}

export function where(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, info: BroadcastInfo): void {
  const [sc, sa, sb] = info.strides;
  const so = contiguousStrides(info.shape);
  const last = info.shape.length - 1;
  const ic = last >= 0 ? sc[last] : 0, ia = last >= 0 ? sa[last] : 0, ib = last >= 0 ? sb[last] : 0;
  forEachRow(info.shape, [sc, sa, sb, so], [0, 0, 0, 0], ([pc, pa, pb, po], len) => {
    for (let i = 0; i < len; i++) out[po + i] = cond[pc + i * ic] !== 0 ? a[pa + i * ia] : b[pb + i * ib];
  });
}

export function cast(x: TypedArray, y: TypedArray, n: number): void {
  if (y instanceof Uint8Array) for (let i = 0; i < n; i++) y[i] = x[i] !== 0 ? 1 : 0;
  // Int32Array stores truncate toward zero (NaN and ±Infinity become 0, as in TensorFlow.js).
  else for (let i = 0; i < n; i++) y[i] = x[i];
}

export function stridedCopy(
  src: TypedArray, srcOffset: number, srcStrides: readonly number[], dst: TypedArray, dstOffset: number, dstStrides: readonly number[], shape: readonly number[], accumulate = false,
): void {
  const last = shape.length - 1;
  const is = last >= 0 ? srcStrides[last] : 0, id = last >= 0 ? dstStrides[last] : 0;
  forEachRow(shape, [srcStrides, dstStrides], [srcOffset, dstOffset], ([ps, pd], len) => {
    if (accumulate) for (let i = 0; i < len; i++) dst[pd + i * id] += src[ps + i * is];
    else if (is === 1 && id === 1) dst.set(src.subarray(ps, ps + len), pd);
    else for (let i = 0; i < len; i++) dst[pd + i * id] = src[ps + i * is];
  });
}

export function reduce(op: ReduceOp, x: TypedArray, y: TypedArray, outer: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let r: number;
    switch (op) {
      case 'sum':
      case 'mean': {
        let s = 0;
        for (let i = 0; i < inner; i++) s += x[base + i];
        r = op === 'mean' ? s / inner : s;
        break;
      }
      case 'prod': {
        let s = 1;
        for (let i = 0; i < inner; i++) s *= x[base + i];
        r = s;
        break;
      }
      case 'max':
      case 'min': {
        // NaN propagates (TensorFlow.js's CPU max/min); an empty row gives ∓Infinity.
        let m = op === 'max' ? -Infinity : Infinity;
        for (let i = 0; i < inner; i++) {
          const v = x[base + i];
          if (Number.isNaN(v) || (op === 'max' ? v > m : v < m)) m = v;
          if (Number.isNaN(m)) break;
        }
        r = m;
        break;
      }
      case 'any': {
        r = 0;
        for (let i = 0; i < inner; i++) if (x[base + i] !== 0) r = 1;
        break;
      }
      case 'all': {
        r = 1;
        for (let i = 0; i < inner; i++) if (x[base + i] === 0) r = 0;
        break;
      }
      case 'argMax':
      case 'argMin': {
        // The first extreme index; NaN never wins after index 0 (TensorFlow.js's CPU kernel).
        let best = 0, m = x[base];
        for (let i = 1; i < inner; i++) {
          const v = x[base + i];
          if (op === 'argMax' ? v > m : v < m) {
            m = v;
            best = i;
          }
        }
        r = best;
        break;
      }
      default:
        r = op satisfies never;
    }
    y[o] = r;
  }
}

export function gather(x: TypedArray, indices: TypedArray, y: TypedArray, outer: number, axisLen: number, inner: number, n: number): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++) {
      const k = indices[j];
      const dst = (o * n + j) * inner;
      if (k >= 0 && k < axisLen) {
        const src = (o * axisLen + k) * inner;
        for (let i = 0; i < inner; i++) y[dst + i] = x[src + i];
      } else for (let i = 0; i < inner; i++) y[dst + i] = 0;
    }
}

export function scatterAdd(dy: TypedArray, indices: TypedArray, dx: TypedArray, outer: number, axisLen: number, inner: number, n: number): void {
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < n; j++) {
      const k = indices[j];
      if (!(k >= 0 && k < axisLen)) continue;
      const src = (o * n + j) * inner, dst = (o * axisLen + k) * inner;
      for (let i = 0; i < inner; i++) dx[dst + i] += dy[src + i];
    }
}

/**
 * A 32-bit hash of (seed, counter): two rounds of the murmur3 finaliser over the mixed words, so
 * random streams need no state and any element can be drawn independently (any thread count).
 */
export function hash32(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h ^ (h >>> 15) ^ seed, 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

export function randomUniform(out: TypedArray, n: number, seed: number): void {
  // 24 random bits: exactly representable in float32, strictly below 1.
  for (let i = 0; i < n; i++) out[i] = (hash32(seed, i) >>> 8) / 16777216;
}
