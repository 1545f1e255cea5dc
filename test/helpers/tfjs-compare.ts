/**
 * Runs the same call on cnnkit and on real TensorFlow.js and compares shape, dtype and values.
 * Inputs are given as plain data (values, shape, dtype) and built on each side.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Tensor, tensor } from '../../src/tensor/tensor.js';

export { tf };

/** Plain data for one input tensor. */
export interface Input {
  values: number[] | boolean[];
  shape: number[];
  dtype?: 'float32' | 'int32' | 'bool';
}

/** `n` values uniform in [lo, hi) from a small deterministic generator (integers when `int`). */
export function values(n: number, seed: number, lo = -2, hi = 2, int = false): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const u = lo + ((s >>> 8) / 16777216) * (hi - lo);
    return int ? Math.floor(u) : Math.fround(u);
  });
}

export function input(shape: number[], seed: number, lo = -2, hi = 2, dtype: 'float32' | 'int32' = 'float32'): Input {
  return { values: values(shape.reduce((a, b) => a * b, 1), seed, lo, hi, dtype === 'int32'), shape, dtype };
}

type Out = Tensor | Tensor[] | number;
type TfOut = tf.Tensor | tf.Tensor[] | number;


/** Worst |difference| and number of compared calls per op (the first word of `what`). */
export const results = new Map<string, { calls: number; worst: number }>();

function note(what: string, diff: number): void {
  const op = what.split(' ')[0];
  const r = results.get(op) ?? { calls: 0, worst: 0 };
  r.calls++;
  r.worst = Math.max(r.worst, diff);
  results.set(op, r);
}

/** A one-line-per-op summary of `results`: calls and worst difference, worst first. */
export function summary(): string {
  const rows = [...results.entries()].sort((a, b) => b[1].worst - a[1].worst || a[0].localeCompare(b[0]));
  const calls = rows.reduce((n, [, r]) => n + r.calls, 0);
  return [`${rows.length} ops, ${calls} compared calls; worst |diff| per op:`, ...rows.map(([op, r]) => `  ${op}: ${r.calls} calls, ${r.worst === 0 ? '0 (bit-identical)' : r.worst.toExponential(2)}`)].join('\n');
}

/** The worst absolute difference over every output; asserts shapes and dtypes are equal. */
export function compare(what: string, ours: (...xs: Tensor[]) => Out, theirs: (...xs: tf.Tensor[]) => TfOut, inputs: Input[], tol = 1e-6): number {
  const a = ours(...inputs.map((i) => tensor(i.values, i.shape, i.dtype)));
  const b = tf.tidy(() => {
    const r = theirs(...inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype)));
    return Array.isArray(r) ? r.map((t) => t.clone()) : typeof r === 'number' ? r : r.clone();
  });
  const as = Array.isArray(a) ? a : [a], bs = Array.isArray(b) ? b : [b];
  assert.equal(as.length, bs.length, `${what}: number of outputs`);
  let worst = 0;
  as.forEach((x, k) => {
    const y = bs[k];
    if (typeof x === 'number' || typeof y === 'number') {
      assert.equal(typeof x, typeof y, `${what}: output ${k} kind`);
      worst = Math.max(worst, Math.abs((x as number) - (y as number)));
      return;
    }
    assert.deepEqual([...x.shape], [...y.shape], `${what}: output ${k} shape`);
    assert.equal(x.dtype === 'uint8' ? 'int32' : x.dtype, y.dtype, `${what}: output ${k} dtype`);
    const xv = x.dataSync(), yv = y.dataSync() as ArrayLike<number>;
    for (let i = 0; i < xv.length; i++) {
      const p = xv[i], q = Number(yv[i]);
      if (Number.isNaN(p) && Number.isNaN(q)) continue;
      if (p === q) continue;
      const d = Math.abs(p - q);
      worst = Math.max(worst, d);
      if (!(d <= tol * Math.max(1, Math.abs(q)))) assert.fail(`${what}: output ${k} element ${i} is ${p}, tfjs gives ${q}`);
    }
    y.dispose();
  });
  note(what, worst);
  return worst;
}
