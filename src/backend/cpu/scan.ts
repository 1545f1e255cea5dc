/**
 * Scans and selection as plain loops: running sums/products along an axis and top-k per row.
 * Both follow TensorFlow.js's CPU kernels: each partial result is stored (rounded to the output's
 * dtype) before the next step reads it, and top-k breaks ties by the lower index.
 */
import type { TypedArray } from '../backend.js';

/**
 * y = cumsum or cumprod of x viewed as [outer, len, inner] along the middle axis; `exclusive`
 * starts from the identity (0 or 1), `reverse` runs from the end.
 */
export function cumulative(op: 'sum' | 'prod', x: TypedArray, y: TypedArray, outer: number, len: number, inner: number, exclusive: boolean, reverse: boolean): void {
  const identity = op === 'sum' ? 0 : 1;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const at = (j: number): number => base + (reverse ? len - 1 - j : j) * inner;
      for (let j = 0; j < len; j++) {
        const idx = at(j);
        if (j === 0) {
          y[idx] = exclusive ? identity : x[idx];
          continue;
        }
        const prev = at(j - 1);
        const v = exclusive ? x[prev] : x[idx];
        y[idx] = op === 'sum' ? v + y[prev] : v * y[prev];
      }
    }
}

interface Pair {
  value: number;
  index: number;
}

/** Larger values first; equal values by lower index. */
function comparePair(a: Pair, b: Pair): number {
  const d = b.value - a.value;
  return d === 0 ? a.index - b.index : d;
}

function swap(a: Pair[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Floyd–Rivest selection: afterwards a[0..k) hold the k first elements in `comparePair` order
 * (unsorted). The same steps as TensorFlow.js's CPU TopK, so unsorted results come out in its order.
 */
function select(a: Pair[], k: number, left = 0, right = a.length - 1): void {
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1, i = k - left + 1, z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * Math.sign(i - n / 2);
      select(a, k, Math.max(left, Math.floor(k - (i * s) / n + sd)), Math.min(right, Math.floor(k + ((n - i) * s) / n + sd)));
    }
    const t = a[k];
    let i = left, j = right;
    swap(a, left, k);
    if (comparePair(a[right], t) > 0) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (comparePair(a[i], t) < 0) i++;
      while (comparePair(a[j], t) > 0) j--;
    }
    if (comparePair(a[left], t) === 0) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** The k largest values of each row (and their int32 column indices), sorted descending when `sorted`. */
export function topk(x: TypedArray, values: TypedArray, indices: TypedArray, rows: number, cols: number, k: number, sorted: boolean): void {
  for (let r = 0; r < rows; r++) {
    let pairs: Pair[] = Array.from({ length: cols }, (_, i) => ({ value: x[r * cols + i], index: i }));
    if (k < cols) {
      select(pairs, k);
      pairs = pairs.slice(0, k);
    }
    if (sorted) pairs.sort(comparePair);
    for (let i = 0; i < k; i++) {
      values[r * k + i] = pairs[i].value;
      indices[r * k + i] = pairs[i].index;
    }
  }
}
