/** Test helpers: closeness checks, seeded random tensors, central-difference gradient checks. */
import assert from 'node:assert/strict';
import { valueAndGrads } from '../../src/autograd/grad.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor, tensor } from '../../src/tensor/tensor.js';

/** Asserts |a − b| ≤ atol + rtol·|b| element-wise, reporting the worst index. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) assert.fail(`${what}: index ${worst}: ${actual[worst]} vs expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
}

/** A float32 tensor of uniform values in [lo, hi) from a seeded generator. */
export function randomTensor(shape: number[], rng: Random, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform()), shape);
}

/**
 * Checks the analytic gradients of the scalar `f(inputs)` against central differences on every
 * element of every input. Float32 storage limits the finite difference's precision (rounding
 * error ≈ 1e-7·|f|/h), hence h = 1e-2 and the tolerances used by callers.
 */
export function gradCheck(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], { h = 1e-2, rtol = 1e-2, atol = 2e-3 } = {}): void {
  for (const t of inputs) t.requiresGrad = true;
  const { grads } = valueAndGrads(() => f(...inputs), inputs);
  const evalF = (): number => f(...inputs).dataSync()[0];
  inputs.forEach((t, k) => {
    const d = t.dataSync() as Float32Array;
    const numeric = new Float64Array(t.size);
    const poke = (i: number, v: number): void => t.backend.write(t.storage, [v], i);
    for (let i = 0; i < t.size; i++) {
      const orig = d[i];
      poke(i, orig + h);
      const up = evalF();
      poke(i, orig - h);
      const down = evalF();
      poke(i, orig);
      numeric[i] = (up - down) / (2 * h);
    }
    assertAllClose(grads[k].dataSync(), numeric, rtol, atol, `gradient of input ${k} ${JSON.stringify(t.shape)}`);
  });
}

/** Projects an output onto fixed random weights, giving a scalar whose gradient exercises every element. */
export function projector(rng: Random): (y: Tensor) => Tensor {
  const cache = new Map<string, Tensor>();
  return (y: Tensor) => {
    const key = y.shape.join('x');
    let w = cache.get(key);
    if (!w) cache.set(key, (w = randomTensor([...y.shape], rng)));
    return opsSum(opsMul(y, w));
  };
}

import { mul as opsMul, sum as opsSum } from '../../src/autograd/ops.js';
