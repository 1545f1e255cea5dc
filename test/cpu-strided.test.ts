/**
 * The generic strided loops (stridedCopy, binary, where) against a naive loop over every index of
 * the full shape, on random layouts: size-1 dimensions, negative strides (reversals), zero strides
 * (broadcasts), offsets, row-merging slices, accumulation and rank 0. They coalesce dimensions and
 * run the two innermost ones inline, so every layout must still address the same elements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binary, coalesce, stridedCopy, where } from '../src/backend/cpu/generic.js';
import { Random } from '../src/tensor/random.js';

const rng = new Random(7);

/** Element offsets of every index of `shape` (row-major order) for `strides` from `offset`. */
function offsets(shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  const idx = shape.map(() => 0);
  const n = shape.reduce((p, d) => p * d, 1);
  for (let e = 0; e < n; e++) {
    out.push(idx.reduce((o, i, d) => o + i * strides[d], offset));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A random layout of `shape` inside a buffer: contiguous, a slice of a larger array, permuted, reversed or broadcast per dimension. */
function layout(shape: readonly number[], broadcast: boolean): { strides: number[]; offset: number; size: number } {
  const padded = shape.map((d) => d + (rng.uniform() < 0.4 ? rng.int(3) : 0));
  const order = padded.map((_, i) => i);
  if (rng.uniform() < 0.3) order.reverse();
  const strides = new Array<number>(shape.length).fill(0);
  let size = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    strides[order[k]] = size;
    size *= padded[order[k]];
  }
  let offset = 0;
  shape.forEach((d, i) => {
    if (broadcast && rng.uniform() < 0.3) strides[i] = 0;
    else if (rng.uniform() < 0.3) {
      // Walk the dimension backwards from its last element.
      offset += (d - 1) * strides[i];
      strides[i] = -strides[i];
    } else offset += rng.int(padded[i] - d + 1) * strides[i];
  });
  return { strides, offset, size };
}

function randomShape(): number[] {
  const rank = rng.int(6);
  return Array.from({ length: rank }, () => (rng.uniform() < 0.25 ? 1 : 1 + rng.int(6)) * (rng.uniform() < 0.1 ? 10 : 1));
}

test('stridedCopy addresses the same elements as a naive loop, for random layouts, with and without accumulation', () => {
  for (let trial = 0; trial < 400; trial++) {
    const shape = randomShape();
    const s = layout(shape, true), d = layout(shape, false);
    const src = Float32Array.from({ length: s.size }, () => rng.int(1000));
    const start = Float32Array.from({ length: d.size }, () => -rng.int(1000));
    for (const accumulate of [false, true]) {
      const got = start.slice(), want = start.slice();
      stridedCopy(src, s.offset, s.strides, got, d.offset, d.strides, shape, accumulate);
      const so = offsets(shape, s.strides, s.offset), dO = offsets(shape, d.strides, d.offset);
      // Destinations written twice (none here: no destination stride is 0) would make order matter.
      so.forEach((o, e) => (want[dO[e]] = (accumulate ? want[dO[e]] : 0) + src[o]));
      assert.deepEqual([...got], [...want], `shape [${shape}] src strides [${s.strides}] +${s.offset} dst strides [${d.strides}] +${d.offset} accumulate=${accumulate}`);
    }
  }
});

/** Strides of an operand broadcast along some dimensions (stride 0), contiguous over the others, and its length. */
function broadcastOperand(shape: readonly number[]): { strides: number[]; size: number } {
  const strides = new Array<number>(shape.length).fill(0);
  let size = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (rng.uniform() < 0.3) continue;
    strides[d] = size;
    size *= shape[d];
  }
  return { strides, size };
}

test('binary and where broadcast as a naive loop does, for random shapes and broadcasts', () => {
  for (let trial = 0; trial < 300; trial++) {
    const shape = randomShape();
    const n = shape.reduce((p, x) => p * x, 1);
    const la = broadcastOperand(shape), lb = broadcastOperand(shape), lc = broadcastOperand(shape);
    const a = Float32Array.from({ length: la.size }, () => rng.int(100) - 50);
    const b = Float32Array.from({ length: lb.size }, () => rng.int(100) - 50);
    const c = Uint8Array.from({ length: lc.size }, () => rng.int(2));
    const oa = offsets(shape, la.strides, 0), ob = offsets(shape, lb.strides, 0), oc = offsets(shape, lc.strides, 0);
    const got = new Float32Array(n);
    binary('sub', a, b, got, { shape, strides: [la.strides, lb.strides] });
    assert.deepEqual([...got], oa.map((o, e) => a[o] - b[ob[e]]), `binary sub shape [${shape}] strides [${la.strides}] [${lb.strides}]`);
    where(c, a, b, got, { shape, strides: [lc.strides, la.strides, lb.strides] });
    assert.deepEqual([...got], oc.map((o, e) => (c[o] !== 0 ? a[oa[e]] : b[ob[e]])), `where shape [${shape}]`);
  }
});

test('coalesce merges contiguous neighbours, drops size-1 dimensions and keeps broadcasts apart', () => {
  // A slice of whole rows of [4, 6, 3] (rows 1-4 of 6): the inner two dimensions merge into 12.
  assert.deepEqual(coalesce([4, 4, 3], [[18, 3, 1], [12, 3, 1]]), { shape: [4, 12], strides: [[18, 1], [12, 1]] });
  // Channel-last concatenation: the destination steps 6 per pixel, so pixels and channels stay apart.
  assert.deepEqual(coalesce([2, 5, 3], [[15, 3, 1], [30, 6, 1]]), { shape: [10, 3], strides: [[3, 1], [6, 1]] });
  // A broadcast row next to a contiguous one does not merge; size-1 dimensions go.
  assert.deepEqual(coalesce([1, 4, 1, 3], [[0, 3, 0, 1], [0, 0, 0, 1]]), { shape: [4, 3], strides: [[3, 1], [0, 1]] });
  assert.deepEqual(coalesce([], [[], []]), { shape: [1], strides: [[0], [0]] });
});
