/**
 * Central-difference gradient checks for the ops and kernels behind the added layers (dilated and
 * depthwise convolutions, image resizing, dropout with a noise shape, penalties) and for every
 * weight of small models built from the added layers, on every backend.
 */
import { before, describe, test } from 'node:test';
import * as ops from '../src/autograd/ops.js';
import '../src/backend/index.js';
import { backendNames, setBackendSync } from '../src/backend/engine.js';
import * as layers from '../src/layers/index.js';
import { regularizers } from '../src/layers/regularizers.js';
import { computeLoss, resolveLoss } from '../src/losses/index.js';
import { Sequential } from '../src/models/sequential.js';
import { Random } from '../src/tensor/random.js';
import { tensor, type Tensor } from '../src/tensor/tensor.js';
import { gradCheck, projector, randomTensor } from './helpers/core.js';

/** Random values kept at least `gap` from zero (kinks of |x| and ReLU-like functions are not crossed). */
function awayFromZero(shape: number[], rng: Random, gap = 0.05): Tensor {
  const d = randomTensor(shape, rng).dataSync();
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < gap) d[i] = d[i] < 0 ? -gap - Math.abs(d[i]) : gap + d[i];
  return tensor(d, shape);
}

for (const backend of backendNames()) {
  describe(`gradients of the added layers on the ${backend} backend`, () => {
    before(() => setBackendSync(backend));
    const rng = new Random(21);
    const proj = projector(rng);

    const dilated: [string, number[], number[], [number, number], 'valid' | 'same'][] = [
      ['valid, dilation 2', [2, 7, 7, 2], [3, 3, 2, 3], [2, 2], 'valid'],
      ["'same', dilation [2, 3]", [1, 6, 7, 3], [2, 3, 3, 2], [2, 3], 'same'],
    ];
    for (const [name, xs, ws, dilations, padding] of dilated)
      test(`conv2d ${name}`, () => gradCheck((x, w) => proj(ops.conv2d(x, w, { strides: [1, 1], padding, dilations })), [randomTensor(xs, rng), randomTensor(ws, rng)]));

    const depthwise: [string, number[], number[], [number, number], [number, number], 'valid' | 'same'][] = [
      ["multiplier 2, 'same'", [2, 5, 6, 3], [3, 3, 3, 2], [1, 1], [1, 1], 'same'],
      ['stride 2, valid', [1, 7, 7, 2], [2, 3, 2, 1], [2, 2], [1, 1], 'valid'],
      ["dilation 2, 'same', multiplier 3", [1, 6, 6, 2], [3, 2, 2, 3], [1, 1], [2, 2], 'same'],
    ];
    for (const [name, xs, ws, strides, dilations, padding] of depthwise)
      test(`depthwiseConv2d ${name}`, () => gradCheck((x, w) => proj(ops.depthwiseConv2d(x, w, { strides, padding, dilations })), [randomTensor(xs, rng), randomTensor(ws, rng)]));

    test('resizeBilinear and resizeNearestNeighbor (upsampling by 2x3, and a downsize)', () => {
      gradCheck((x) => proj(ops.resizeBilinear(x, [6, 9])), [randomTensor([2, 3, 3, 2], rng)]);
      gradCheck((x) => proj(ops.resizeBilinear(x, [3, 2], true)), [randomTensor([1, 5, 4, 2], rng)]);
      gradCheck((x) => proj(ops.resizeNearestNeighbor(x, [4, 9])), [randomTensor([2, 2, 3, 2], rng)]);
    });

    test('dropout with a noise shape (fixed mask)', () => gradCheck((x) => proj(ops.dropout(x, 0.5, new Random(4), [3, 1, 4])), [randomTensor([3, 5, 4], rng)]));

    test('L1L2 penalty', () => gradCheck((x) => regularizers.l1l2({ l1: 0.3, l2: 0.2 }).apply(x), [awayFromZero([4, 5], rng)]));

    test('layers: conv1d (causal, dilated), pooling 1-D, embedding, global pooling, dense', () => {
      const model = new Sequential();
      model.add(layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 7 }));
      model.add(layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'tanh' }));
      model.add(layers.averagePooling1d({ poolSize: 2, padding: 'same' }));
      model.add(layers.conv1d({ filters: 3, kernelSize: 2, strides: 2, activation: 'softsign' }));
      model.add(layers.globalAveragePooling1d());
      model.add(layers.dense({ units: 3, activation: 'softmax' }));
      const x = tensor([0, 1, 2, 3, 4, 5, 0, 5, 4, 3, 2, 1, 0, 2], [2, 7]);
      const loss = resolveLoss('sparseCategoricalCrossentropy');
      gradCheck(() => computeLoss(loss, model.forward(x, true, true), tensor([1, 2], [2]), true), model.weights);
    });

    // Smooth activations and average pooling: kinks (selu at 0, a max's winner) would be crossed by the 1e-2 perturbations.
    test('layers: batch normalisation (training, fused GELU, axis 2), dilated conv, depthwise, separable, PReLU, padding, bilinear upsampling', () => {
      const model = new Sequential();
      model.add(layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], inputShape: [4, 4, 2] }));
      model.add(layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }));
      model.add(layers.batchNormalization({ momentum: 0.9 }));
      model.add(layers.activation({ activation: 'gelu' }));
      model.add(layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh' }));
      model.add(layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }));
      model.add(layers.separableConv2d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'elu' }));
      model.add(layers.batchNormalization({ center: false, axis: 2 }));
      model.add(layers.prelu({ alphaInitializer: 'ones', sharedAxes: [1, 2] }));
      model.add(layers.globalAveragePooling2d());
      model.add(layers.dense({ units: 2, activation: 'mish' }));
      const x = randomTensor([2, 4, 4, 2], rng);
      gradCheck(() => proj(model.forward(x, true)), model.weights.filter((w) => w.requiresGrad));
    });

    test('layers: global max pooling 2-D and 1-D (distinct values)', () => {
      const v = (n: number): Tensor => tensor(rng.shuffle(Float32Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1)), [n]);
      gradCheck((x) => proj(layers.globalMaxPooling2d().apply(ops.reshape(x, [2, 3, 4, 2])) as Tensor), [v(48)]);
      gradCheck((x) => proj(layers.globalMaxPooling1d({ keepdims: true }).apply(ops.reshape(x, [2, 5, 3])) as Tensor), [v(30)]);
    });
  });
}
