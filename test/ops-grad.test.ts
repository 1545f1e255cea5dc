/**
 * Central-difference gradient checks of the general ops (element-wise with broadcasting,
 * reductions over axes, shape and layout ops, batched matMul), on every registered backend.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from '../src/autograd/ops.js';
import { backendNames, setBackendSync } from '../src/backend/index.js';
import type { DifferentiableUnaryOp } from '../src/backend/backend.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { gradCheck, projector, randomTensor } from './helpers/core.js';

/** Inputs for each unary op: inside its domain and away from its kinks by more than the step. */
const DOMAINS: Record<DifferentiableUnaryOp, [number, number]> = {
  neg: [-2, 2], abs: [0.1, 2], square: [-2, 2], sqrt: [0.5, 3], rsqrt: [0.5, 3], reciprocal: [0.5, 3], exp: [-2, 2], expm1: [-2, 2],
  log: [0.5, 3], log1p: [0, 2], sin: [-2, 2], cos: [-2, 2], tan: [-1, 1], asin: [-0.8, 0.8], acos: [-0.8, 0.8], atan: [-2, 2],
  sinh: [-2, 2], cosh: [-2, 2], tanh: [-2, 2], asinh: [-2, 2], acosh: [1.2, 3], atanh: [-0.8, 0.8], erf: [-2, 2],
  relu: [0.1, 2], relu6: [0.1, 5.8], elu: [-2, -0.1], selu: [-2, -0.1], sigmoid: [-3, 3], logSigmoid: [-3, 3], softplus: [-3, 3],
  softsign: [0.1, 3], gelu: [-3, 3], geluTanh: [-3, 3], swish: [-3, 3], mish: [-3, 3], hardSigmoid: [-2, 2], leakyRelu: [-2, -0.1],
  clip: [-0.4, 0.4], affine: [-2, 2],
};

const PARAMS: Partial<Record<DifferentiableUnaryOp, number[]>> = { clip: [-0.5, 0.5], affine: [1.5, -0.25], leakyRelu: [0.3], elu: [1.2] };

for (const backend of backendNames()) {
  describe(`op gradients on the ${backend} backend`, () => {
    before(() => setBackendSync(backend));
    const rng = new Random(21);
    const proj = projector(rng);

    test('every differentiable unary op', () => {
      for (const [op, [lo, hi]] of Object.entries(DOMAINS) as [DifferentiableUnaryOp, [number, number]][])
        gradCheck((x) => proj(ops.unaryOp(op, x, PARAMS[op])), [randomTensor([3, 4], rng, lo, hi)], { h: 1e-2, rtol: 2e-2, atol: 3e-3 });
    });

    test('binary ops with broadcasting sum gradients back to each operand', () => {
      const cases: [string, (a: Tensor, b: Tensor) => Tensor, [number, number]][] = [
        ['add', ops.add, [-1, 1]], ['sub', ops.sub, [-1, 1]], ['mul', ops.mul, [-1, 1]], ['div', ops.div, [0.5, 2]],
        ['pow', ops.pow, [0.5, 2]], ['squaredDifference', ops.squaredDifference, [-1, 1]], ['atan2', ops.atan2, [0.3, 2]],
        ['divNoNan', ops.divNoNan, [0.5, 2]],
      ];
      for (const [, f, [lo, hi]] of cases)
        for (const [as, bs] of [[[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[3, 4], [3, 4]], [[], [2, 2]]] as number[][][])
          gradCheck((a, b) => proj(f(a, b)), [randomTensor(as, rng, lo, hi), randomTensor(bs, rng, lo, hi)]);
    });

    test('maximum and minimum route the gradient to the chosen operand', () => {
      const a = tensor([0.1, 0.9, -0.5, 0.3], [2, 2]), b = tensor([0.5, 0.2], [2]);
      gradCheck((x, y) => proj(ops.maximum(x, y)), [a, b]);
      gradCheck((x, y) => proj(ops.minimum(x, y)), [tensor([0.1, 0.9, -0.5, 0.3], [2, 2]), tensor([0.5, 0.2], [2])]);
    });

    test('where sends the gradient to the selected side', () => {
      const c = ops.greater(randomTensor([3, 4], rng), 0);
      gradCheck((a, b) => proj(ops.where(c, a, b)), [randomTensor([3, 4], rng), randomTensor([4], rng)]);
    });

    test('reductions over axes, with and without keepDims', () => {
      for (const axis of [null, 0, 1, -1, [0, 2], [1, 2]] as (number | number[] | null)[])
        for (const keepDims of [false, true]) {
          gradCheck((x) => proj(ops.sum(x, axis, keepDims)), [randomTensor([2, 3, 4], rng)]);
          gradCheck((x) => proj(ops.mean(x, axis, keepDims)), [randomTensor([2, 3, 4], rng)]);
          gradCheck((x) => proj(ops.prod(x, axis, keepDims)), [randomTensor([2, 3, 4], rng, 0.5, 1.5)]);
        }
      // Distinct values: the maximum does not move under the perturbation.
      const distinct = (): Tensor => tensor(rng.shuffle(Float32Array.from({ length: 24 }, (_, i) => i * 0.1)), [2, 3, 4]);
      for (const axis of [null, 1, [0, 2]] as (number | number[] | null)[]) {
        gradCheck((x) => proj(ops.max(x, axis)), [distinct()]);
        gradCheck((x) => proj(ops.min(x, axis, true)), [distinct()]);
      }
    });

    test('shape and layout ops', () => {
      const x = (): Tensor => randomTensor([2, 3, 4], rng);
      gradCheck((t) => proj(ops.transpose(t, [2, 0, 1])), [x()]);
      gradCheck((t) => proj(ops.transpose(t)), [x()]);
      gradCheck((t) => proj(ops.slice(t, [1, 0, 1], [1, 2, -1])), [x()]);
      gradCheck((a, b) => proj(ops.concat([a, b, a], 1)), [x(), randomTensor([2, 2, 4], rng)]);
      gradCheck((t) => proj(ops.pad(t, [[1, 0], [0, 2], [1, 1]], 0.5)), [x()]);
      gradCheck((t) => proj(ops.tile(t, [2, 1, 3])), [x()]);
      gradCheck((t) => proj(ops.reverse(t, [0, 2])), [x()]);
      gradCheck((t) => proj(ops.broadcastTo(t, [2, 2, 3, 4])), [randomTensor([1, 3, 1], rng)]);
      gradCheck((t) => proj(ops.gather(t, tensor([2, 0, 2, 1], [4], 'int32'), 1)), [x()]);
      gradCheck((a, b) => proj(ops.stack([a, b], 1)), [randomTensor([3, 2], rng), randomTensor([3, 2], rng)]);
      gradCheck((t) => {
        const [p, q] = ops.split(t, [1, 3], 2);
        return ops.add(proj(p), proj(ops.square(q)));
      }, [x()]);
      gradCheck((t) => ops.add(...(ops.unstack(t, 1).map((u, i) => proj(ops.mul(u, i + 1))) as [Tensor, Tensor])), [randomTensor([2, 2, 3], rng)]);
      gradCheck((t) => proj(ops.squeeze(ops.expandDims(t, 1))), [randomTensor([3, 2], rng)]);
    });

    test('matMul: transposes and broadcast batches', () => {
      for (const [as, bs, ta, tb] of [
        [[3, 4], [4, 5], false, false], [[4, 3], [4, 5], true, false], [[3, 4], [5, 4], false, true], [[4, 3], [5, 4], true, true],
        [[2, 3, 4], [4, 2], false, false], [[2, 1, 3, 4], [3, 4, 2], false, false], [[2, 4, 3], [2, 2, 4], true, true],
      ] as [number[], number[], boolean, boolean][])
        gradCheck((a, b) => proj(ops.matMul(a, b, ta, tb)), [randomTensor(as, rng), randomTensor(bs, rng)]);
    });

    test('batch normalisation: training (through the batch statistics) and inference, each fused activation', () => {
      for (const act of ['linear', 'relu', 'gelu'] as const) {
        // Values away from the ReLU's kink at z = 0 after normalisation: shift β so few z are near 0.
        gradCheck((x, g, b) => proj(ops.batchNormTraining(x, g, b, 1e-3, act).y), [randomTensor([6, 2, 3], rng), randomTensor([3], rng, 0.5, 1.5), randomTensor([3], rng, 0.3, 0.6)]);
        gradCheck((x, g, b) => proj(ops.batchNormInference(x, tensor([0.1, -0.2, 0.3]), tensor([0.5, 1.5, 2]), g, b, 1e-3, act)),
          [randomTensor([4, 3], rng), randomTensor([3], rng, 0.5, 1.5), randomTensor([3], rng, 0.3, 0.6)]);
      }
      gradCheck((x) => proj(ops.batchNormTraining(x, null, null, 1e-3).y), [randomTensor([5, 4], rng)]);
      gradCheck((x, m, v, o, sc) => proj(ops.batchNorm(x, m, v, o, sc)), [randomTensor([2, 3, 4], rng), randomTensor([3, 1], rng), randomTensor([4], rng, 0.5, 2), randomTensor([4], rng), randomTensor([4], rng)]);
    });

    test('softmax over the last axis', () => gradCheck((x) => proj(ops.softmax(x)), [randomTensor([2, 3, 5], rng)]));

    test('non-differentiable outputs carry no gradient; shapes that cannot broadcast name both', () => {
      const x = randomTensor([3], rng);
      x.requiresGrad = true;
      assert.equal(ops.greater(x, 0).requiresGrad, false);
      assert.throws(() => ops.add(randomTensor([3, 4], rng), randomTensor([5], rng)), /add: operands could not be broadcast together: \(3, 4\) and \(5,\)/);
      assert.throws(() => ops.matMul(randomTensor([3, 4], rng), randomTensor([5, 2], rng)), /matMul: inner dimensions must agree/);
    });
  });
}
