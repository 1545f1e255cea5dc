/**
 * Central-difference gradient checks of the tfjs API's differentiable ops that the engine tests
 * do not cover (composites, scans, strided slices, image resizes, tfjs-signature convolutions,
 * losses), on every backend; and the gradient functions (`grad`, `grads`, `valueAndGrad(s)`,
 * `variableGrads`, `customGrad`) against finite differences.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { backendNames } from '../src/backend/index.js';
import { computeLoss } from '../src/losses/index.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { assertAllClose, gradCheck, projector, randomTensor } from './helpers/core.js';

/** Values of magnitude in [0.2, 1] with random signs: |x| has no kink within the probe's reach. */
function signed(shape: number[], rng: Random): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => (0.2 + 0.8 * rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1)), shape);
}

/** Distinct values 0.1 apart, shuffled: maxima and orderings do not change under the probe. */
function distinct(shape: number[], rng: Random): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(rng.shuffle(Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1)), shape);
}

for (const backend of backendNames()) {
  describe(`tfjs API gradients on the ${backend} backend`, () => {
    before(() => ck.setBackendSync(backend));
    const rng = new Random(77);
    const proj = projector(rng);

    test('reductions built from primitives: logSumExp, moments, norm, euclideanNorm', () => {
      for (const axis of [null, 0, [1, 2], -1] as (number | number[] | null)[]) {
        gradCheck((x) => proj(ck.logSumExp(x, axis ?? undefined, true)), [randomTensor([2, 3, 4], rng)]);
        gradCheck((x) => {
          const { mean, variance } = ck.moments(x, axis ?? undefined);
          return ck.add(proj(mean), proj(variance));
        }, [randomTensor([2, 3, 4], rng)]);
      }
      for (const [ord, axis] of [['euclidean', undefined], [1, undefined], [2, 1], ['fro', [0, 1]], [1, [0, 1]]] as [ck.NormOrder, number | number[] | undefined][])
        gradCheck((x) => proj(ck.norm(x, ord, axis)), [signed([3, 4], rng)]);
      for (const [ord, axis] of [[Infinity, 0], [-Infinity, undefined], [Infinity, [0, 1]]] as [ck.NormOrder, number | number[] | undefined][])
        gradCheck((x) => proj(ck.norm(x, ord, axis)), [distinct([3, 4], rng)]);
      gradCheck((x) => proj(ck.euclideanNorm(x, 1, true)), [signed([3, 4], rng)]);
    });

    test('scans: cumsum and cumprod, exclusive and reverse', () => {
      for (const axis of [0, 1, -1])
        for (const exclusive of [false, true])
          for (const reverse of [false, true]) {
            gradCheck((x) => proj(ck.cumsum(x, axis, exclusive, reverse)), [randomTensor([3, 4], rng)]);
            gradCheck((x) => proj(ck.cumprod(x, axis, exclusive, reverse)), [randomTensor([3, 4], rng, 0.5, 1.5)]);
          }
    });

    test('strided slices, mirror padding, segment sums, addN, clone and chained reshape', () => {
      const x = (): Tensor => randomTensor([3, 4, 5], rng);
      for (const [b, e, s, bm, em, el, na, sh] of [
        [[0, 1], [3, -1], [1, 1], 0, 0, 0, 0, 0], [[2, 3, 4], [0, 0, 0], [-1, -2, -2], 0, 0, 0, 0, 0], [[1, 0, 1], [0, 4, 5], [1, 2, 2], 0, 0, 0, 0, 1],
        [[0, 1], [0, 3], [1, 1], 0, 0, 1, 0, 0], [[0, 0], [0, 2], [1, 1], 0, 0, 0, 1, 0],
      ] as [number[], number[], number[], number, number, number, number, number][])
        gradCheck((t) => proj(ck.stridedSlice(t, b, e, s, bm, em, el, na, sh)), [x()]);
      for (const mode of ['reflect', 'symmetric'] as const) gradCheck((t) => proj(ck.mirrorPad(t, [[1, 2], [2, 0], [0, 1]], mode)), [x()]);
      gradCheck((t) => proj(ck.unsortedSegmentSum(t, tensor([1, 0, 1], [3], 'int32'), 3)), [x()]);
      gradCheck((a, b, c) => proj(ck.addN([a, b, c, a])), [x(), x(), x()]);
      gradCheck((t) => proj(ck.clone(t).reshape([12, 5]).transpose()), [x()]);
    });

    test('linear algebra and activations: dot, outerProduct, logSoftmax, prelu', () => {
      for (const [as, bs] of [[[3], [3]], [[2, 3], [3]], [[3], [3, 2]], [[2, 3], [3, 4]]])
        gradCheck((a, b) => proj(ck.dot(a, b)), [randomTensor(as, rng), randomTensor(bs, rng)]);
      gradCheck((a, b) => proj(ck.outerProduct(a, b)), [randomTensor([3], rng), randomTensor([4], rng)]);
      gradCheck((x) => proj(ck.logSoftmax(x)), [randomTensor([2, 3, 5], rng)]);
      gradCheck((x, a) => proj(ck.prelu(x, a)), [signed([2, 3], rng), randomTensor([3], rng, 0, 1)]);
    });

    test('tfjs-signature convolution and pooling with numeric and explicit paddings', () => {
      const x = (): Tensor => randomTensor([2, 5, 6, 2], rng);
      for (const [strides, pad] of [[1, 1], [2, [[0, 0], [1, 0], [1, 1], [0, 0]]], [[1, 2], 'same']] as [number | [number, number], ck.PadArg][]) {
        gradCheck((a, w) => proj(ck.conv2d(a, w, strides, pad)), [x(), randomTensor([3, 3, 2, 3], rng)]);
        gradCheck((a) => proj(ck.avgPool(a, 2, strides, pad)), [x()]);
        gradCheck((a) => proj(ck.maxPool(a, 2, strides, pad)), [distinct([2, 5, 6, 2], rng)]);
      }
      gradCheck((a, w) => proj(ck.conv1d(a, w, 1, 'same')), [randomTensor([2, 6, 2], rng), randomTensor([3, 2, 2], rng)]);
    });

    test('image ops: resizes in every coordinate convention (true adjoints), flips, grayscale', () => {
      for (const size of [[7, 5], [2, 3]] as [number, number][])
        for (const [align, half] of [[false, false], [true, false], [false, true]]) {
          gradCheck((x) => proj(ck.image.resizeBilinear(x, size, align, half)), [randomTensor([2, 4, 3, 2], rng)]);
          gradCheck((x) => proj(ck.image.resizeNearestNeighbor(x, size, align, half)), [randomTensor([2, 4, 3, 2], rng)]);
        }
      gradCheck((x) => proj(ck.image.flipLeftRight(x)), [randomTensor([2, 3, 4, 2], rng)]);
      gradCheck((x) => proj(ck.image.rgbToGrayscale(x)), [randomTensor([2, 3, 3], rng)]);
    });

    test('losses: tf.losses functions and every compile loss', () => {
      const labels = ck.tensor([[0, 1, 0], [1, 0, 0]]), weights = ck.tensor([[1, 0, 2]]);
      const probs = (): Tensor => randomTensor([2, 3], rng, 0.1, 0.9);
      for (const reduction of [ck.Reduction.NONE, ck.Reduction.SUM, ck.Reduction.MEAN, ck.Reduction.SUM_BY_NONZERO_WEIGHTS]) {
        gradCheck((p) => proj(ck.losses.absoluteDifference(labels, p, weights, reduction)), [ck.add(labels, signed([2, 3], rng).mul(0.3))]);
        gradCheck((p) => proj(ck.losses.meanSquaredError(labels, p, weights, reduction)), [probs()]);
        gradCheck((p) => proj(ck.losses.huberLoss(labels, p, weights, 0.5, reduction)), [ck.add(labels, signed([2, 3], rng).mul(0.2))]);
        gradCheck((p) => proj(ck.losses.logLoss(labels, p, weights, 1e-7, reduction)), [probs()]);
        gradCheck((p) => proj(ck.losses.hingeLoss(labels, p, weights, reduction)), [signed([2, 3], rng).mul(0.5)]);
        gradCheck((p) => proj(ck.losses.cosineDistance(labels, p, 1, weights, reduction)), [probs()]);
        gradCheck((z) => proj(ck.losses.sigmoidCrossEntropy(labels, z, weights, 0.1, reduction)), [randomTensor([2, 3], rng, -2, 2)]);
        gradCheck((z) => proj(ck.losses.softmaxCrossEntropy(labels, z, weights.reshape([3]).slice(0, 2), 0.1, reduction)), [randomTensor([2, 3], rng, -2, 2)]);
      }
      const targets: Record<string, Tensor> = { sparseCategoricalCrossentropy: ck.tensor([1, 0]), hinge: ck.tensor([[1, -1, 1], [-1, 1, -1]]) };
      for (const name of ['meanSquaredError', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'squaredHinge', 'hinge',
        'categoricalHinge', 'logcosh', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'kullbackLeiblerDivergence',
        'poisson', 'cosineProximity', 'huber', 'logLoss']) {
        const f = ck.losses.get(name);
        const t = targets[name] ?? (name === 'squaredHinge' || name === 'categoricalHinge' ? targets.hinge : ck.tensor([[0.2, 0.7, 0.1], [0.6, 0.1, 0.3]]));
        // Predictions away from the losses' kinks: hinge margins at 1, absolute values at the targets.
        const p = ['meanAbsoluteError', 'meanAbsolutePercentageError', 'huber'].includes(name) ? ck.add(t, signed([2, 3], rng).mul(0.3)) : name.includes('inge') ? signed([2, 3], rng).mul(0.4) : probs();
        gradCheck((q) => proj(f(t, q)), [p]);
      }
      for (const spec of [ck.losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), ck.losses.binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }),
        ck.losses.categoricalCrossentropy({ labelSmoothing: 0.1 }), ck.losses.binaryCrossentropy()])
        gradCheck((q) => lossOf(spec, q), [spec.fromLogits ? randomTensor([2, 3], rng, -2, 2) : probs()]);
    });

    test('grad, grads, valueAndGrad(s), variableGrads and customGrad give the finite-difference gradients', () => {
      const f = (x: Tensor): Tensor => x.square().mul(x.sin()).sum();
      const x = randomTensor([5], rng);
      const numeric = (fn: (t: Tensor) => Tensor, t: Tensor): Float64Array => {
        const v = Array.from(t.dataSync()), h = 1e-2;
        return Float64Array.from(v, (_, i) => {
          const at = (d: number): number => fn(ck.tensor(v.map((w, j) => (j === i ? w + d : w)))).dataSync()[0];
          return (at(h) - at(-h)) / (2 * h);
        });
      };
      const expected = numeric(f, x);
      assertAllClose(ck.grad(f)(x).dataSync(), expected, 1e-2, 2e-3, 'grad');
      const { value, grad } = ck.valueAndGrad(f)(x);
      assert.ok(Math.abs(value.dataSync()[0] - f(x).dataSync()[0]) < 1e-6);
      assertAllClose(grad.dataSync(), expected, 1e-2, 2e-3, 'valueAndGrad');
      const y = randomTensor([5], rng);
      const g2 = (a: Tensor, b: Tensor): Tensor => a.mul(b).add(a.square()).sum();
      const [ga, gb] = ck.grads(g2)([x, y]);
      assertAllClose(ga.dataSync(), numeric((t) => g2(t, y), x), 1e-2, 2e-3, 'grads a');
      assertAllClose(gb.dataSync(), numeric((t) => g2(x, t), y), 1e-2, 2e-3, 'grads b');
      const vg = ck.valueAndGrads(g2)([x, y]);
      assertAllClose(vg.grads[1].dataSync(), gb.dataSync(), 0, 0, 'valueAndGrads');
      // dy weights the output: grad(f)(x, dy) = dy · f'(x) for an element-wise f.
      const dy = randomTensor([5], rng);
      const gdy = ck.grad((t) => t.square())(x, dy).dataSync();
      assertAllClose(gdy, Array.from(x.dataSync(), (v, i) => 2 * v * dy.dataSync()[i]), 1e-6, 1e-6, 'grad with dy');
      const w = ck.variable(randomTensor([5], rng));
      const frozen = ck.variable(randomTensor([5], rng), false);
      const vgs = ck.variableGrads(() => f(w).add(frozen.sum()));
      assert.deepEqual(Object.keys(vgs.grads), [w.name]);
      assertAllClose((vgs.grads[w.name] as Tensor).dataSync(), numeric(f, w), 1e-2, 2e-3, 'variableGrads');
      // A hand-written gradient is used as given.
      const halfGrad = ck.customGrad((t: Tensor) => ({ value: t.square(), gradFunc: (d: Tensor) => d.mul(t) }));
      assertAllClose(ck.grad((t) => halfGrad(t).sum())(x).dataSync(), x.dataSync(), 0, 0, 'customGrad');
      w.dispose();
      frozen.dispose();
    });
  });
}

/** The mean loss of a Keras-style loss object on fixed soft targets. */
function lossOf(spec: ck.LossSpec, output: Tensor): Tensor {
  const target = spec.name === 'binaryCrossentropy' ? ck.tensor([[1, 0, 1], [0, 0, 1]]) : ck.tensor([[0, 1, 0], [0.5, 0, 0.5]]);
  return computeLoss(spec, output, target, spec.fromLogits);
}
