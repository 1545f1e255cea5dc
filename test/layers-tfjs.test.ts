/**
 * Every layer next to real TensorFlow.js (CPU backend) on a spread of configs: the same weights
 * (tfjs's, copied with setWeights), the same input, outputs within 1e-5, and equal output shapes
 * and parameter counts. Where tfjs lacks an option cnnkit has (ELU's alpha, ReLU's negativeSlope
 * and threshold, dilated depthwise convolutions, 'exponential'), the reference is the tfjs op or
 * the Keras formula written with tfjs ops. Runs on every backend.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ck from '../src/index.js';
import { tf, values } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

type Args = Record<string, unknown>;
type Factory = (args: Args) => ck.layers.Layer;
type TfFactory = (args: Args) => tf.layers.Layer;

interface Case {
  /** The factory name, the same in both libraries (e.g. 'conv2d'). */
  layer: string;
  args: Args;
  /** Input shape with the batch dimension. */
  input: number[];
  /** Arguments for tfjs when they differ (e.g. 'gelu_new'). */
  tfArgs?: Args;
  /** Input value range; integer indices when `int`. */
  range?: [number, number];
  int?: boolean;
  /** The expected output from tfjs ops, where tfjs's own layer is wrong (see bnOverAxis1). */
  expected?: (x: tf.Tensor, weights: tf.Tensor[], args: Args) => tf.Tensor;
}

/**
 * BatchNormalization over axis 1 of [n, c, w], written with broadcasting tfjs ops. tfjs's own layer
 * gives wrong values for any axis but the last: its CPU batchNorm kernel indexes the statistics by
 * flat index modulo their length (channels last), ignoring the [1, c, 1] shape they are given.
 */
function bnOverAxis1(x: tf.Tensor, w: tf.Tensor[], args: Args): tf.Tensor {
  const c = x.shape[1] as number;
  const [gamma, beta, mean, variance] = args.center === false ? [w[0], null, w[1], w[2]] : w;
  const b = (t: tf.Tensor) => t.reshape([1, c, 1]);
  const y = tf.mul(tf.div(tf.sub(x, b(mean as tf.Tensor)), tf.sqrt(tf.add(b(variance as tf.Tensor), (args.epsilon as number | undefined) ?? 1e-3))), b(gamma as tf.Tensor));
  return beta ? tf.add(y, b(beta)) : y;
}

const CASES: Case[] = [
  { layer: 'conv2d', args: { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'relu' }, input: [2, 8, 8, 2] },
  { layer: 'conv2d', args: { filters: 4, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', activation: 'tanh' }, input: [2, 7, 9, 3] },
  { layer: 'conv2d', args: { filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'elu', useBias: false }, input: [1, 5, 5, 3] },
  { layer: 'conv1d', args: { filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid' }, input: [2, 9, 4] },
  { layer: 'conv1d', args: { filters: 2, kernelSize: 2, strides: 2, padding: 'valid' }, input: [3, 7, 2] },
  { layer: 'conv1d', args: { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'selu' }, input: [2, 10, 3] },
  { layer: 'depthwiseConv2d', args: { kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }, input: [2, 6, 7, 3] },
  { layer: 'depthwiseConv2d', args: { kernelSize: [2, 3], strides: 2, padding: 'valid', useBias: false }, input: [1, 7, 8, 4] },
  { layer: 'separableConv2d', args: { filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }, input: [2, 6, 6, 3] },
  { layer: 'separableConv2d', args: { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'softplus' }, input: [1, 9, 9, 2] },
  { layer: 'separableConv2d', args: { filters: 2, kernelSize: 2, strides: 2, padding: 'same', useBias: false }, input: [2, 5, 5, 3] },
  { layer: 'maxPooling1d', args: { poolSize: 3, strides: 2, padding: 'same' }, input: [2, 9, 3] },
  { layer: 'averagePooling1d', args: { poolSize: 2 }, input: [2, 9, 3] },
  { layer: 'averagePooling1d', args: { poolSize: 3, strides: 1, padding: 'same' }, input: [1, 5, 2] },
  { layer: 'globalAveragePooling2d', args: {}, input: [3, 5, 4, 6] },
  { layer: 'globalMaxPooling2d', args: {}, input: [3, 5, 4, 6] },
  { layer: 'globalAveragePooling1d', args: {}, input: [2, 7, 5] },
  { layer: 'globalMaxPooling1d', args: {}, input: [2, 7, 5] },
  { layer: 'zeroPadding2d', args: { padding: [[1, 2], [0, 3]] }, input: [2, 3, 4, 2] },
  { layer: 'zeroPadding2d', args: { padding: 2 }, input: [1, 2, 2, 3] },
  { layer: 'upSampling2d', args: { size: [2, 3] }, input: [2, 3, 4, 2] },
  // tfjs's UpSampling2D takes the size as a pair only.
  { layer: 'upSampling2d', args: { size: 2, interpolation: 'bilinear' }, tfArgs: { size: [2, 2], interpolation: 'bilinear' }, input: [2, 3, 5, 2] },
  { layer: 'upSampling2d', args: { size: [3, 2], interpolation: 'bilinear' }, input: [1, 4, 3, 3] },
  { layer: 'reshape', args: { targetShape: [-1, 4] }, input: [2, 3, 2, 4] },
  { layer: 'reshape', args: { targetShape: [6, 4] }, input: [2, 24] },
  { layer: 'permute', args: { dims: [2, 1, 3] }, input: [2, 3, 4, 5] },
  { layer: 'permute', args: { dims: [2, 1] }, input: [3, 4, 5] },
  { layer: 'embedding', args: { inputDim: 10, outputDim: 4 }, input: [3, 5], range: [0, 10], int: true },
  { layer: 'embedding', args: { inputDim: 7, outputDim: 3, inputLength: 4 }, input: [2, 4], range: [0, 7], int: true },
  { layer: 'batchNormalization', args: { epsilon: 0.01 }, input: [4, 3, 3, 5] },
  { layer: 'batchNormalization', args: { axis: 1, center: false }, input: [3, 4, 6], expected: bnOverAxis1 },
  { layer: 'batchNormalization', args: {}, input: [5, 7] },
  { layer: 'leakyReLU', args: {}, input: [3, 8] },
  { layer: 'leakyReLU', args: { alpha: 0.05 }, input: [2, 3, 4] },
  { layer: 'prelu', args: {}, input: [3, 8] },
  { layer: 'prelu', args: { sharedAxes: [1, 2] }, input: [2, 3, 4, 5] },
  { layer: 'elu', args: {}, input: [3, 8] },
  { layer: 'reLU', args: {}, input: [3, 8] },
  { layer: 'reLU', args: { maxValue: 1.5 }, input: [3, 8] },
  { layer: 'thresholdedReLU', args: { theta: 0.4 }, input: [3, 8] },
  { layer: 'softmax', args: {}, input: [3, 8], tfArgs: { axis: -1 } },
  { layer: 'softmax', args: { axis: 1 }, input: [3, 8] },
  { layer: 'dense', args: { units: 4, activation: 'gelu' }, input: [3, 6] },
  { layer: 'dense', args: { units: 3, activation: 'hard_sigmoid' }, input: [2, 3, 5], tfArgs: { units: 3, activation: 'hardSigmoid' } },
  { layer: 'dropout', args: { rate: 0.4, noiseShape: [null, 1, 6] }, input: [2, 3, 6] },
  { layer: 'spatialDropout1d', args: { rate: 0.4 }, input: [2, 3, 6] },
  { layer: 'flatten', args: {}, input: [2, 3, 4] },
];

/** Activations as `activation` layers: tfjs names, Keras spellings where Keras users type them. */
const ACTIVATIONS: [string, string][] = [
  ['elu', 'elu'], ['selu', 'selu'], ['gelu', 'gelu'], ['gelu_new', 'gelu_new'], ['geluNew', 'gelu_new'], ['swish', 'swish'], ['silu', 'swish'],
  ['softplus', 'softplus'], ['softsign', 'softsign'], ['relu6', 'relu6'], ['hardSigmoid', 'hardSigmoid'], ['hard_sigmoid', 'hardSigmoid'], ['mish', 'mish'],
  ['linear', 'linear'], ['relu', 'relu'], ['sigmoid', 'sigmoid'], ['tanh', 'tanh'], ['softmax', 'softmax'], ['logSoftmax', 'logSoftmax'], ['log_softmax', 'logSoftmax'],
];

const factory = (name: string): Factory => (ck.layers as unknown as Record<string, Factory>)[name];
const tfFactory = (name: string): TfFactory => (tf.layers as unknown as Record<string, TfFactory>)[name];

/** The worst |ours − theirs|, asserting each is within 1e-5 (relative above 1). */
function maxDiff(ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string): number {
  assert.equal(ours.length, theirs.length, `${what}: sizes`);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    if (!(d <= 1e-5 * Math.max(1, Math.abs(theirs[i])))) assert.fail(`${what}: element ${i} is ${ours[i]}, tfjs gives ${theirs[i]}`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/**
 * Builds the tfjs layer on the input, gives it random weights (positive for variances), copies
 * them into ours, runs both; returns the worst difference.
 */
function parity(c: Case, seed: number, training = false): number {
  const [lo, hi] = c.range ?? [-2, 2];
  const x = values(c.input.reduce((a, b) => a * b, 1), seed, lo, hi, c.int);
  const what = `${c.layer} ${JSON.stringify(c.args)} on ${JSON.stringify(c.input)}`;
  // (tfjs rewrites some arguments in place, e.g. Reshape's -1.)
  const theirs = tfFactory(c.layer)(structuredClone(c.tfArgs ?? c.args));
  const xt = tf.tensor(x, c.input, c.int ? 'int32' : 'float32');
  theirs.apply(xt);
  const weights = theirs.getWeights().map((w, j) => {
    const [wlo, whi] = /variance/.test(theirs.weights[j].name) ? [0.5, 2] : [-1, 1];
    return tf.tensor(values(w.size, seed * 10 + j, wlo, whi), w.shape);
  });
  theirs.setWeights(weights);
  const yt = c.expected ? c.expected(xt, weights, c.args) : (theirs.apply(xt, { training }) as tf.Tensor);
  const ours = factory(c.layer)(c.args);
  const inShape = [null, ...c.input.slice(1)];
  ours.ensureBuilt(inShape);
  ours.setWeights(weights.map((w) => ck.tensor(w.dataSync() as Float32Array, w.shape)));
  assert.deepEqual(ours.computeOutputShape(c.input), theirs.computeOutputShape(c.input), `${what}: output shape`);
  assert.equal(ours.countParams(), theirs.countParams(), `${what}: parameter count`);
  const yo = ours.apply(ck.tensor(x, c.input), { training }) as ck.Tensor;
  assert.deepEqual([...yo.shape], yt.shape, `${what}: shape`);
  return maxDiff(yo.dataSync(), yt.dataSync() as Float32Array, what);
}

for (const backend of ck.backendNames()) {
  describe(`layers against tfjs on the ${backend} backend`, () => {
    test('every layer: same weights and input give the same outputs, shapes and parameter counts', (t) => {
      ck.setBackendSync(backend);
      let worst = 0;
      CASES.filter((c) => !['dropout', 'spatialDropout1d'].includes(c.layer)).forEach((c, i) => (worst = Math.max(worst, parity(c, 100 + i))));
      t.diagnostic(`${CASES.length} layer configs: worst |Δ| ${worst.toExponential(2)}`);
    });

    test('every activation, as activation layers and Dense activations, matches tfjs', (t) => {
      ck.setBackendSync(backend);
      let worst = 0;
      ACTIVATIONS.forEach(([ours, theirs], i) => {
        worst = Math.max(worst, parity({ layer: 'activation', args: { activation: ours }, tfArgs: { activation: theirs }, input: [3, 7], range: [-4, 4] }, 300 + i));
        worst = Math.max(worst, parity({ layer: 'dense', args: { units: 5, activation: ours }, tfArgs: { units: 5, activation: theirs }, input: [2, 4] }, 400 + i));
      });
      // Keras's 'exponential' (tfjs has no such activation): tfjs's exp of the same pre-activation.
      const x = values(12, 9, -3, 3);
      const mine = ck.layers.activation({ activation: 'exponential' }).apply(ck.tensor(x, [3, 4])) as ck.Tensor;
      worst = Math.max(worst, maxDiff(mine.dataSync(), tf.exp(tf.tensor(x, [3, 4])).dataSync() as Float32Array, 'exponential'));
      t.diagnostic(`${ACTIVATIONS.length} activation names: worst |Δ| ${worst.toExponential(2)}`);
    });

    test("options tfjs lacks follow Keras's formulas (ELU alpha, ReLU negativeSlope/threshold, dilated depthwise)", () => {
      ck.setBackendSync(backend);
      const x = values(24, 5, -3, 3);
      const xt = tf.tensor(x, [3, 8]);
      const elu = ck.layers.elu({ alpha: 0.5 }).apply(ck.tensor(x, [3, 8])) as ck.Tensor;
      maxDiff(elu.dataSync(), tf.where(tf.greater(xt, 0), xt, tf.mul(0.5, tf.sub(tf.exp(xt), 1))).dataSync() as Float32Array, 'ELU alpha 0.5');
      const relu = ck.layers.reLU({ maxValue: 2, negativeSlope: 0.1, threshold: 0.5 }).apply(ck.tensor(x, [3, 8])) as ck.Tensor;
      const keras = tf.where(tf.greater(xt, 0.5), tf.minimum(xt, 2), tf.mul(0.1, tf.sub(xt, 0.5)));
      maxDiff(relu.dataSync(), keras.dataSync() as Float32Array, 'ReLU negativeSlope/threshold');
      const img = values(2 * 9 * 9 * 3, 6), k = values(3 * 3 * 3 * 2, 7);
      const dw = ck.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: 'same', useBias: false });
      dw.ensureBuilt([null, 9, 9, 3]);
      dw.setWeights([ck.tensor(k, [3, 3, 3, 2])]);
      const want = tf.depthwiseConv2d(tf.tensor4d(img, [2, 9, 9, 3]), tf.tensor4d(k, [3, 3, 3, 2]), 1, 'same', 'NHWC', 2);
      maxDiff((dw.apply(ck.tensor(img, [2, 9, 9, 3])) as ck.Tensor).dataSync(), want.dataSync() as Float32Array, 'dilated depthwise');
    });

    test('BatchNormalization in training mode: batch statistics as tfjs, moving averages updated as tfjs', () => {
      ck.setBackendSync(backend);
      const c = { layer: 'batchNormalization', args: { momentum: 0.8, epsilon: 0.01 }, input: [6, 3, 3, 4] };
      const x = values(c.input.reduce((a, b) => a * b, 1), 50);
      const theirs = tf.layers.batchNormalization(c.args);
      theirs.apply(tf.tensor(x, c.input));
      const ours = ck.layers.batchNormalization(c.args);
      ours.ensureBuilt([null, ...c.input.slice(1)]);
      // Start from non-trivial weights and moving statistics on both sides.
      const start = theirs.getWeights().map((w, j) => tf.tensor(values(w.size, 70 + j, j === 3 ? 0.5 : -1, j === 3 ? 2 : 1), w.shape));
      theirs.setWeights(start);
      ours.setWeights(start.map((w) => ck.tensor(w.dataSync() as Float32Array, w.shape)));
      const yt = theirs.apply(tf.tensor(x, c.input), { training: true }) as tf.Tensor;
      const yo = ours.apply(ck.tensor(x, c.input), { training: true }) as ck.Tensor;
      maxDiff(yo.dataSync(), yt.dataSync() as Float32Array, 'BN training output');
      theirs.getWeights().forEach((w, j) => maxDiff(ours.getWeights()[j].dataSync(), w.dataSync() as Float32Array, `BN weight ${j} after a training call`));
      // Over axis 1 (tfjs's layer is wrong there, see bnOverAxis1): the batch's own statistics.
      const x3 = tf.tensor(values(60, 51), [5, 3, 4]);
      const bn1 = ck.layers.batchNormalization({ axis: 1, epsilon: 0.01 });
      const y1 = bn1.apply(ck.tensor(x3.dataSync() as Float32Array, [5, 3, 4]), { training: true }) as ck.Tensor;
      const { mean, variance } = tf.moments(x3, [0, 2]);
      maxDiff(y1.dataSync(), bnOverAxis1(x3, [tf.ones([3]), tf.zeros([3]), mean, variance], { epsilon: 0.01 }).dataSync() as Float32Array, 'BN axis 1 training');
      maxDiff(bn1.getWeights()[2].dataSync(), tf.mul(mean, 0.01).dataSync() as Float32Array, 'BN axis 1 moving mean');
    });
  });
}

test('Dropout noiseShape and spatial dropouts drop whole slices, scaled by 1/(1 − rate), only when training', () => {
  ck.setBackendSync('reference');
  const x = ck.ones([4, 5, 6]);
  for (const layer of [ck.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 6], seed: 3 }), ck.layers.spatialDropout1d({ rate: 0.5, seed: 3 })]) {
    const y = (layer.apply(x, { training: true }) as ck.Tensor).arraySync() as number[][][];
    for (const sample of y) for (let c = 0; c < 6; c++) assert.equal(new Set(sample.map((row) => row[c])).size, 1, `${layer.name}: channel ${c} is kept or dropped whole`);
    const flat = y.flat(2);
    assert.ok(flat.some((v) => v === 0) && flat.some((v) => v === 2), `${layer.name}: some channels dropped, the rest scaled by 2`);
    assert.deepEqual((layer.apply(x) as ck.Tensor).dataSync(), x.dataSync(), `${layer.name}: identity at inference`);
  }
  const img = ck.ones([2, 3, 3, 4]);
  const y2 = (ck.layers.spatialDropout2d({ rate: 0.5, seed: 1 }).apply(img, { training: true }) as ck.Tensor).arraySync() as number[][][][];
  for (const sample of y2) for (let c = 0; c < 4; c++) assert.equal(new Set(sample.flat().map((px) => px[c])).size, 1, `SpatialDropout2D: channel ${c} whole`);
});
