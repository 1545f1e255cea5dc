/**
 * Central-difference gradient checks for every op, activation, loss and layer, on every
 * registered backend. Float32 storage bounds finite-difference precision: see helpers/core.ts.
 */
import { before, describe, test } from 'node:test';
import * as ops from '../src/autograd/ops.js';
import '../src/backend/index.js';
import { backendNames, setBackendSync } from '../src/backend/engine.js';
import { Random } from '../src/tensor/random.js';
import { Tensor, tensor } from '../src/tensor/tensor.js';
import { Sequential } from '../src/models/sequential.js';
import * as layers from '../src/layers/index.js';
import { computeLoss, crossEntropyOnProbabilities, meanSquaredError, resolveLoss } from '../src/losses/index.js';
import { assertAllClose, gradCheck, projector, randomTensor } from './helpers/core.js';
import { valueAndGrads } from '../src/autograd/grad.js';
import assert from 'node:assert/strict';

/** Distinct values 0.1 apart, shuffled: no ties and no argmax flips under a 1e-2 perturbation. */
function distinct(shape: number[], rng: Random): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = rng.shuffle(Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1));
  return tensor(v, shape);
}

/** Random values kept at least 0.05 from zero, so ReLU kinks are never crossed by the perturbation. */
function awayFromZero(shape: number[], rng: Random): Tensor {
  const d = randomTensor(shape, rng).dataSync();
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.05) d[i] = d[i] < 0 ? -0.05 - Math.abs(d[i]) : 0.05 + d[i];
  return tensor(d, shape);
}

for (const backend of backendNames()) {
  describe(`gradients on the ${backend} backend`, () => {
    // Tests (and their tensors) run after every describe body: select the backend when they start.
    before(() => setBackendSync(backend));
    const rng = new Random(7);
    const proj = projector(rng);

    test('matMul', () => gradCheck((a, b) => proj(ops.matMul(a, b)), [randomTensor([3, 5], rng), randomTensor([5, 4], rng)]));

    for (const act of ['linear', 'relu', 'sigmoid', 'tanh'] as const)
      test(`biasActivation ${act}`, () => gradCheck((x, b) => proj(ops.biasActivation(x, b, act)), [awayFromZero([4, 6], rng), randomTensor([6], rng, -0.01, 0.01)]));

    test('softmax', () => gradCheck((x) => proj(ops.softmax(x)), [randomTensor([3, 5], rng)]));

    const convCases: [string, number[], number[], [number, number], 'valid' | 'same'][] = [
      ['valid, stride 1', [2, 5, 6, 3], [3, 3, 3, 4], [1, 1], 'valid'],
      ["'same' with odd total padding", [1, 5, 4, 2], [2, 4, 2, 3], [1, 1], 'same'],
      ["'same', stride 2", [2, 7, 6, 2], [3, 3, 2, 2], [2, 2], 'same'],
      ['valid, stride 2, batch 1', [1, 7, 7, 1], [3, 2, 1, 2], [2, 2], 'valid'],
    ];
    for (const [name, xs, ws, strides, padding] of convCases)
      test(`conv2d ${name}`, () => gradCheck((x, w) => proj(ops.conv2d(x, w, { strides, padding })), [randomTensor(xs, rng), randomTensor(ws, rng)]));

    for (const kind of ['max', 'avg'] as const)
      for (const [padding, size, stride] of [['valid', 2, 2], ['same', 3, 2], ['valid', 3, 1]] as const)
        test(`${kind}Pool2d ${padding} pool ${size} stride ${stride}`, () => {
          const f = kind === 'max' ? ops.maxPool2d : ops.avgPool2d;
          gradCheck((x) => proj(f(x, { poolSize: [size, size], strides: [stride, stride], padding })), [distinct([2, 5, 5, 2], rng)]);
        });

    test('reshape, scale, add, mul, mean', () =>
      gradCheck((a, b) => ops.mean(ops.mul(ops.add(ops.reshape(a, [6, 2]), ops.scale(b, 3)), b)), [randomTensor([3, 4], rng), randomTensor([6, 2], rng)]));

    test('dropout (fixed mask)', () => gradCheck((x) => proj(ops.dropout(x, 0.4, new Random(3))), [randomTensor([4, 5], rng)]));

    const labels = (): Tensor => tensor([2, 0, 4], [3], 'int32');
    test('softmaxCrossEntropy (fused)', () => gradCheck((z) => ops.softmaxCrossEntropy(z, labels()), [randomTensor([3, 5], rng, -2, 2)]));
    // Below 0.95: tfjs-layers clips the probabilities to 1 − ε before normalising them, a kink the probes must not cross.
    test('crossEntropy on probabilities, sparse', () => gradCheck((p) => computeLoss(resolveLoss('sparseCategoricalCrossentropy'), p, labels(), false), [randomTensor([3, 5], rng, 0.2, 0.95)]));
    test('crossEntropy on probabilities, one-hot', () =>
      gradCheck((p) => crossEntropyOnProbabilities(p, tensor([[0, 0, 1], [1, 0, 0]])), [randomTensor([2, 3], rng, 0.2, 1)]));
    test('meanSquaredError', () => gradCheck((p) => meanSquaredError(p, tensor([[1, 2], [3, 4]])), [randomTensor([2, 2], rng)]));
    test('categoricalCrossentropy from logits', () =>
      gradCheck((z) => computeLoss(resolveLoss({ name: 'categoricalCrossentropy', fromLogits: true }), z, tensor([[0, 1, 0], [0.5, 0, 0.5]]), true), [randomTensor([2, 3], rng)]));

    for (const act of ['relu', 'linear'] as const)
      test(`conv (${act}) into max pooling as one op equals the unfused ops`, () => {
        // Conv outputs with many zeros after the ReLU (negative bias), so windows whose maximum is
        // 0 exist; the fused op folds the ReLU's gradient into the pool's backward and skips its
        // own pass. (Its own seed: the finite-difference checks after it keep their data.)
        const r = new Random(11);
        const x = randomTensor([2, 8, 8, 3], r), w = randomTensor([3, 3, 3, 4], r), b = randomTensor([4], r, -0.8, 0);
        const pool = { poolSize: [2, 2] as [number, number], strides: [2, 2] as [number, number], padding: 'valid' as const };
        const conv = { strides: [1, 1] as [number, number], padding: 'valid' as const };
        const p = randomTensor([2, 3, 3, 4], r);
        for (const t of [x, w, b]) t.requiresGrad = true;
        const loss = (fused: boolean): Tensor =>
          ops.sum(ops.mul(fused ? ops.conv2dMaxPool(x, w, b, act, conv, pool) : ops.maxPool2d(ops.biasActivation(ops.conv2d(x, w, conv), b, act), pool), p));
        const got = valueAndGrads(() => loss(true), [x, w, b]);
        const want = valueAndGrads(() => loss(false), [x, w, b]);
        if (act === 'relu') {
          let zeroWindows = 0;
          for (const m of ops.conv2dMaxPool(x, w, b, act, conv, pool).dataSync()) if (m <= 0) zeroWindows++;
          assert.ok(zeroWindows > 3, `the data must have windows with maximum 0 (got ${zeroWindows})`);
        }
        assertAllClose(got.value.dataSync(), want.value.dataSync(), 1e-6, 1e-6, 'value');
        got.grads.forEach((g, i) => assertAllClose(g.dataSync(), want.grads[i].dataSync(), 1e-5, 1e-6, `gradient ${i}`));
      });

    test('conv into max pooling as one op: finite differences', () => {
      // Its own seed, as above.
      const r = new Random(12), project = projector(r);
      gradCheck(
        (x, w, b) => project(ops.conv2dMaxPool(x, w, b, 'linear', { strides: [1, 1], padding: 'same' }, { poolSize: [2, 2], strides: [2, 2], padding: 'valid' })),
        [randomTensor([1, 5, 5, 2], r), randomTensor([3, 3, 2, 3], r), randomTensor([3], r)],
      );
    });

    test('layers: every weight of a small CNN through the fused softmax loss', () => {
      const model = new Sequential();
      model.add(layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', inputShape: [7, 6, 2] }));
      model.add(layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
      model.add(layers.conv2d({ filters: 2, kernelSize: [1, 2], activation: 'sigmoid', padding: 'same' }));
      model.add(layers.maxPooling2d({ poolSize: 2, strides: 1 }));
      model.add(layers.flatten());
      model.add(layers.dense({ units: 4, activation: 'tanh' }));
      model.add(layers.dense({ units: 3, activation: 'softmax' }));
      const x = randomTensor([2, 7, 6, 2], rng);
      const y = tensor([1, 2], [2]);
      const loss = resolveLoss('sparseCategoricalCrossentropy');
      gradCheck(() => computeLoss(loss, model.forward(x, true, true), y, true), model.weights);
      gradCheck(() => computeLoss(loss, model.forward(x, true, false), y, false), model.weights);
    });
  });
}
