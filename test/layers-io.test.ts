/**
 * Models built from the added layers across formats: built and saved by real tfjs, loaded by
 * cnnkit and predicting the same; saved by cnnkit and read back by tfjs; exported to ONNX and run
 * by onnxruntime.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-web';
import * as ck from '../src/index.js';
import { tf, values } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

/** An image model of the added layers (tfjs or cnnkit factories, same arguments). */
function imageLayers(L: typeof tf.layers | typeof ck.layers): unknown[] {
  return [
    L.zeroPadding2d({ padding: [[1, 0], [2, 1]], inputShape: [8, 7, 3] }),
    L.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }),
    L.batchNormalization({ momentum: 0.9 }),
    L.activation({ activation: 'relu' }),
    L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }),
    L.separableConv2d({ filters: 5, kernelSize: 2, padding: 'same', activation: 'elu' }),
    L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
    L.prelu({ sharedAxes: [1, 2] }),
    L.maxPooling2d({ poolSize: 2 }),
    L.batchNormalization({}),
    L.leakyReLU({ alpha: 0.1 }),
    L.globalAveragePooling2d({}),
    L.dense({ units: 6, activation: 'swish' }),
    L.dense({ units: 4, activation: 'softmax' }),
  ];
}

/** A sequence model of the added layers. */
function sequenceLayers(L: typeof tf.layers | typeof ck.layers): unknown[] {
  return [
    L.embedding({ inputDim: 12, outputDim: 6, inputLength: 10 }),
    L.conv1d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'gelu' }),
    L.spatialDropout1d({ rate: 0.3 }),
    L.maxPooling1d({ poolSize: 2 }),
    L.conv1d({ filters: 6, kernelSize: 2, dilationRate: 2, activation: 'selu' }),
    L.averagePooling1d({ poolSize: 2, padding: 'same' }),
    L.permute({ dims: [2, 1] }),
    // (tfjs cannot infer a -1 here: it leaves the whole shape unknown when the batch size is.)
    L.reshape({ targetShape: [12] }),
    L.dense({ units: 8 }),
    L.elu({}),
    L.thresholdedReLU({ theta: -0.3 }),
    L.reLU({ maxValue: 0.5 }),
    L.dense({ units: 5 }),
    L.softmax({}),
  ];
}

const MODELS: { name: string; build: typeof imageLayers; input: number[]; range: [number, number]; int?: boolean }[] = [
  { name: 'image model', build: imageLayers, input: [5, 8, 7, 3], range: [0, 1] },
  { name: 'sequence model', build: sequenceLayers, input: [6, 10], range: [0, 12], int: true },
];

/** A tfjs model of `layers` with random weights (positive variances), its artifacts, and its predictions. */
async function tfjsModel(m: (typeof MODELS)[number], seed: number) {
  const model = tf.sequential({ layers: m.build(tf.layers) as tf.layers.Layer[] });
  model.setWeights(model.getWeights().map((w, k) => tf.tensor(values(w.size, seed + k, ...(/variance/.test(model.weights[k].name) ? [0.5, 1.5] : [-0.6, 0.6]) as [number, number]), w.shape)));
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return { model, artifacts: saved as unknown as tf.io.ModelArtifacts };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const [i, m] of MODELS.entries())
  test(`tfjs → cnnkit → tfjs: a ${m.name} of the added layers loads and predicts the same both ways`, async (t) => {
    ck.setBackendSync('reference');
    const { model: theirs, artifacts } = await tfjsModel(m, 100 * (i + 1));
    const ours = await ck.loadLayersModel(ck.io.fromMemory(artifacts as unknown as ck.io.ModelArtifacts));
    assert.deepEqual(ours.layers.map((l) => l.className), theirs.layers.map((l) => l.getClassName()));
    assert.equal(ours.countParams(), theirs.countParams());
    const x = values(m.input.reduce((a, b) => a * b, 1), 7 + i, ...m.range, m.int);
    const want = (theirs.predict(tf.tensor(x, m.input)) as tf.Tensor).dataSync();
    const got = (ours.predict(ck.tensor(x, m.input)) as ck.Tensor).dataSync();
    assert.ok(got.some((v) => Math.abs(v - got[0]) > 1e-3), 'the predictions vary (the comparison means something)');
    const d1 = maxAbsDiff(got, want);
    assert.ok(d1 < 1e-5, `tfjs → cnnkit: max difference ${d1}`);
    // cnnkit's own files of the model, read by tfjs.
    const mine = (await ck.io.modelArtifacts(ours)) as unknown as tf.io.ModelArtifacts;
    const back = await tf.loadLayersModel(tf.io.fromMemory(mine));
    const d2 = maxAbsDiff((back.predict(tf.tensor(x, m.input)) as tf.Tensor).dataSync(), got);
    assert.ok(d2 < 1e-5, `cnnkit → tfjs: max difference ${d2}`);
    t.diagnostic(`${m.name}: tfjs → cnnkit max |Δp| ${d1.toExponential(2)}, cnnkit → tfjs ${d2.toExponential(2)}`);
  });

test('ONNX export of the added layers runs in onnxruntime and matches cnnkit', async (t) => {
  ck.setBackendSync('reference');
  ck.setSeed(4);
  const models: [ck.Sequential, number[], [number, number], boolean][] = [
    [ck.sequential({ layers: imageLayers(ck.layers) as ck.layers.Layer[] }), [3, 8, 7, 3], [0, 1], false],
    [ck.sequential({ layers: sequenceLayers(ck.layers) as ck.layers.Layer[] }), [4, 10], [0, 12], true],
    [ck.sequential({ layers: [
      ck.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'causal', dilationRate: 2, inputShape: [9, 2] }),
      ck.layers.batchNormalization({ axis: 1 }),
      ck.layers.globalMaxPooling1d({}),
      ck.layers.dense({ units: 3, activation: 'hard_sigmoid' as 'hardSigmoid' }),
      ck.layers.activation({ activation: 'mish' }),
      ck.layers.activation({ activation: 'gelu_new' as 'geluNew' }),
      ck.layers.activation({ activation: 'softplus' }),
      ck.layers.activation({ activation: 'softsign' }),
      ck.layers.activation({ activation: 'exponential' }),
      ck.layers.activation({ activation: 'logSoftmax' }),
    ] }), [5, 9, 2], [-2, 2], false],
    [ck.sequential({ layers: [
      ck.layers.upSampling2d({ size: [2, 3], inputShape: [3, 4, 2] }),
      ck.layers.conv2d({ filters: 4, kernelSize: 2, activation: 'selu' }),
      ck.layers.globalMaxPooling2d({ keepdims: true }),
      ck.layers.flatten({}),
    ] }), [2, 3, 4, 2], [-2, 2], false],
  ];
  // Moving statistics away from 0 and 1, so the exported BatchNormalization constants matter.
  for (const [model] of models)
    for (const l of model.layers)
      if (l instanceof ck.layers.BatchNormalization) l.setWeights(l.weights.map((w, k) => ck.tensor(values(w.tensor.size, 60 + k, ...(k === l.weights.length - 1 ? [0.5, 2] : [-1, 1]) as [number, number]), w.shape)));
  let worst = 0;
  for (const [model, shape, range, int] of models) {
    const x = Float32Array.from(values(shape.reduce((a, b) => a * b, 1), 3, ...range, int));
    const session = await ort.InferenceSession.create(ck.exportOnnxBytes(model));
    const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
    const mine = model.predict(ck.tensor(x, shape)).dataSync();
    assert.ok(mine.some((v) => Math.abs(v - mine[0]) > 1e-3), 'the outputs vary');
    const d = maxAbsDiff(out.output.data as Float32Array, mine);
    assert.ok(d < 1e-4, `${model.layers.map((l) => l.className).join(', ')}: max difference ${d}`);
    worst = Math.max(worst, d);
  }
  t.diagnostic(`onnxruntime vs cnnkit, ${models.length} models of the added layers: max |Δ| ${worst.toExponential(2)}`);
});
