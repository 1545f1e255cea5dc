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
 * The same iteration over fewer dimensions: drops dimensions of size 1 and merges each dimension
 * into the one before it where every operand steps through both as through one (outer stride =
 * inner stride × inner size), so a slice of whole rows or a channel-last copy becomes a few long
 * rows. Keeps at least one dimension.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, k) => outStrides[k][last] === st[d] * shape[d])) {
      outShape[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const st of outStrides) st.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `row(offsets, length, steps)` for every innermost row of `shape` (coalesced first), where
 * `offsets[k]` is the k-th operand's element offset at the row's start and `steps[k]` its stride
 * within the row.
 */
function forEachRow(shape0: readonly number[], strides0: readonly (readonly number[])[], offsets0: readonly number[], row: (offsets: number[], length: number, steps: readonly number[]) => void): void {
  if (shape0.some((d) => d === 0)) return;
  const { shape, strides } = coalesce(shape0, strides0);
  const rank = shape.length;
  const offsets = [...offsets0];
  const len = shape[rank - 1];
  const steps = strides.map((st) => st[rank - 1]);
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    row(offsets, len, steps);
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
  forEachRow(info.shape, [sa, sb, contiguousStrides(info.shape)], [0, 0, 0], ([pa, pb, po], len, [ia, ib]) => {
    for (let i = 0; i < len; i++) out[po + i] = f(a[pa + i * ia], b[pb + i * ib]);
  });
}

export function where(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, info: BroadcastInfo): void {
  const [sc, sa, sb] = info.strides;
  forEachRow(info.shape, [sc, sa, sb, contiguousStrides(info.shape)], [0, 0, 0, 0], ([pc, pa, pb, po], len, [ic, ia, ib]) => {
    for (let i = 0; i < len; i++) out[po + i] = cond[pc + i * ic] !== 0 ? a[pa + i * ia] : b[pb + i * ib];
  });
}

export function cast(x: TypedArray, y: TypedArray, n: number): void {
  if (y instanceof Uint8Array) for (let i = 0; i < n; i++) y[i] = x[i] !== 0 ? 1 : 0;
  // Int32Array stores truncate toward zero (NaN and ±Infinity become 0, as in TensorFlow.js).
  else for (let i = 0; i < n; i++) y[i] = x[i];
}

/**
 * dst (+)= src over `shape`, each side at its offset and strides (any layout: slices, transposes,
 * reversals, pads, concatenations). Dimensions are coalesced first; the two innermost run as plain
 * loops here (no call per row), whole contiguous rows as one block copy.
 */
export function stridedCopy(
  src: TypedArray, srcOffset: number, srcStrides: readonly number[], dst: TypedArray, dstOffset: number, dstStrides: readonly number[], shape0: readonly number[], accumulate = false,
): void {
  if (shape0.some((d) => d === 0)) return;
  const { shape, strides: [ss, ds] } = coalesce(shape0, [srcStrides, dstStrides]);
  const rank = shape.length;
  const n0 = shape[rank - 1], s0 = ss[rank - 1], d0 = ds[rank - 1];
  const n1 = rank > 1 ? shape[rank - 2] : 1, s1 = rank > 1 ? ss[rank - 2] : 0, d1 = rank > 1 ? ds[rank - 2] : 0;
  const outer = Math.max(0, rank - 2);
  const idx = new Array<number>(outer).fill(0);
  const block = !accumulate && s0 === 1 && d0 === 1 && n0 >= 32;
  let ps = srcOffset, pd = dstOffset;
  for (;;) {
    for (let j = 0, a = ps, b = pd; j < n1; j++, a += s1, b += d1) {
      if (accumulate) for (let i = 0; i < n0; i++) dst[b + i * d0] += src[a + i * s0];
      else if (block) dst.set(src.subarray(a, a + n0), b);
      else for (let i = 0; i < n0; i++) dst[b + i * d0] = src[a + i * s0];
    }
    // Odometer over the outer dimensions.
    let d = outer - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      ps += ss[d];
      pd += ds[d];
      if (idx[d] < shape[d]) break;
      ps -= ss[d] * shape[d];
      pd -= ds[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
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
