/**
 * Training with the added layers against real TensorFlow.js: one SGD step of a conv-BatchNorm
 * model (weights and moving statistics), weight regularizers added to the loss as tfjs adds them,
 * activity regularizers as tf.keras adds them, constraints applied after the update as Keras does
 * (tfjs never applies them after an optimizer step), frozen BatchNormalization, and the summary's
 * non-trainable count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { tf, values } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

/** The worst |a − b| over two weight lists, asserting each within `tol` (relative above 1). */
function worstWeightDiff(ours: ck.Tensor[], theirs: tf.Tensor[], tol: number, what: string): number {
  assert.equal(ours.length, theirs.length, `${what}: number of weights`);
  let worst = 0;
  ours.forEach((w, k) => {
    assert.deepEqual([...w.shape], [...theirs[k].shape], `${what}: weight ${k} shape`);
    const a = w.dataSync(), b = theirs[k].dataSync();
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (!(d <= tol * Math.max(1, Math.abs(b[i])))) assert.fail(`${what}: weight ${k} element ${i} is ${a[i]}, tfjs gives ${b[i]}`);
      worst = Math.max(worst, d);
    }
  });
  return worst;
}

/** Copies tfjs's initial weights into cnnkit's model (same layer order and Keras layouts). */
function copyWeights(ours: ck.Sequential, theirs: tf.LayersModel): void {
  ours.setWeights(theirs.getWeights().map((w) => ck.tensor(w.dataSync() as Float32Array, w.shape)));
}

for (const backend of ck.backendNames())
  test(`one SGD step of a conv-BatchNorm-ReLU model equals tfjs's: weights and moving statistics (${backend})`, async (t) => {
    ck.setBackendSync(backend);
    const n = 8;
    const build = (L: typeof tf.layers | typeof ck.layers) => [
      L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, inputShape: [6, 6, 2] }),
      L.batchNormalization({ momentum: 0.9 }),
      L.activation({ activation: 'relu' }),
      L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 3, kernelSize: 2 }),
      // (tfjs cannot train a BatchNormalization without both gamma and beta: it reads them unconditionally.)
      L.batchNormalization({ epsilon: 0.01 }),
      L.flatten(),
      L.dense({ units: 5, activation: 'softmax' }),
    ];
    const theirs = tf.sequential({ layers: build(tf.layers) as tf.layers.Layer[] });
    const ours = ck.sequential({ layers: build(ck.layers) as ck.layers.Layer[] });
    // Non-trivial moving statistics to start from.
    theirs.setWeights(theirs.getWeights().map((w, k) => (/moving/.test(theirs.weights[k].name) ? tf.tensor(values(w.size, 30 + k, 0.5, 1.5), w.shape) : w)));
    copyWeights(ours, theirs);
    assert.deepEqual(ours.weights.map((w) => w.shape), theirs.weights.map((w) => w.shape));
    assert.deepEqual(ours.plan.fused, [`${ours.layers[1].name}+${ours.layers[2].name}`], 'BatchNormalization + ReLU run as one op');
    const x = values(n * 6 * 6 * 2, 3), y = Array.from({ length: n }, (_, i) => i % 5);
    theirs.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    ours.compile({ optimizer: ck.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    const ht = await theirs.fit(tf.tensor(x, [n, 6, 6, 2]), tf.tensor(y, [n]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    const ho = await ours.fit(ck.tensor(x, [n, 6, 6, 2]), ck.tensor(y, [n]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    assert.ok(Math.abs(ho.history.loss[0] - (ht.history.loss[0] as number)) < 1e-5, `loss ${ho.history.loss[0]} vs tfjs ${ht.history.loss[0]}`);
    const worst = worstWeightDiff(ours.getWeights(), theirs.getWeights(), 1e-5, 'after one step');
    t.diagnostic(`conv-BN model, one SGD step vs tfjs: max |Δw| over all weights and moving statistics ${worst.toExponential(2)}`);
    // Inference uses the moving statistics: predictions agree too.
    const p = ours.predict(ck.tensor(x, [n, 6, 6, 2])).dataSync(), q = (theirs.predict(tf.tensor(x, [n, 6, 6, 2])) as tf.Tensor).dataSync();
    assert.ok(p.every((v, i) => Math.abs(v - q[i]) < 1e-5), 'predictions after the step');
  });

test('weight regularizers join the loss as tfjs adds them: the reported loss and one SGD step match', async (t) => {
  ck.setBackendSync('reference');
  const n = 6;
  const build = (L: typeof tf.layers | typeof ck.layers, R: typeof tf.regularizers | typeof ck.regularizers) => [
    L.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', kernelRegularizer: R.l2({ l2: 0.05 }) as never, biasRegularizer: R.l1({ l1: 0.02 }) as never, inputShape: [5, 5, 2] }),
    L.flatten(),
    L.dense({ units: 4, kernelRegularizer: R.l1l2({ l1: 0.01, l2: 0.03 }) as never }),
  ];
  const theirs = tf.sequential({ layers: build(tf.layers, tf.regularizers) as tf.layers.Layer[] });
  const ours = ck.sequential({ layers: build(ck.layers, ck.regularizers) as ck.layers.Layer[] });
  // Non-zero biases, so the L1 penalty on the bias counts.
  theirs.setWeights(theirs.getWeights().map((w, k) => tf.tensor(values(w.size, 40 + k, -0.5, 0.5), w.shape)));
  copyWeights(ours, theirs);
  const w0 = ours.getWeights();
  const x = values(n * 5 * 5 * 2, 4), y = values(n * 4, 5);
  theirs.compile({ optimizer: tf.train.sgd(0.2), loss: 'meanSquaredError' });
  ours.compile({ optimizer: ck.train.sgd(0.2), loss: 'meanSquaredError' });
  const ht = await theirs.fit(tf.tensor(x, [n, 5, 5, 2]), tf.tensor(y, [n, 4]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  const ho = await ours.fit(ck.tensor(x, [n, 5, 5, 2]), ck.tensor(y, [n, 4]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  const lossDiff = Math.abs(ho.history.loss[0] - (ht.history.loss[0] as number));
  assert.ok(lossDiff < 1e-5, `loss with penalties ${ho.history.loss[0]} vs tfjs ${ht.history.loss[0]}`);
  const worst = worstWeightDiff(ours.getWeights(), theirs.getWeights(), 1e-5, 'after one regularized step');
  // The penalties matter: without them the loss differs by far more than the tolerance.
  const plain = ck.sequential({ layers: [ck.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', inputShape: [5, 5, 2] }), ck.layers.flatten(), ck.layers.dense({ units: 4 })] });
  plain.setWeights(w0);
  plain.compile({ optimizer: ck.train.sgd(0.2), loss: 'meanSquaredError' });
  const hp = await plain.fit(ck.tensor(x, [n, 5, 5, 2]), ck.tensor(y, [n, 4]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  assert.ok(Math.abs(hp.history.loss[0] - ho.history.loss[0]) > 1e-3, 'the penalties change the loss');
  t.diagnostic(`regularized step vs tfjs: |Δloss| ${lossDiff.toExponential(2)}, max |Δw| ${worst.toExponential(2)}`);
});

test("an activity regularizer adds penalty(output) / batch size to the loss (tf.keras's rule; tfjs refuses it)", async () => {
  ck.setBackendSync('reference');
  const n = 4;
  const model = ck.sequential({ layers: [ck.layers.dense({ units: 3, activityRegularizer: ck.regularizers.l2({ l2: 0.1 }), inputShape: [5] })] });
  const w0 = model.getWeights().map((w) => tf.tensor(w.dataSync() as Float32Array, [...w.shape]));
  const x = values(n * 5, 6), y = values(n * 3, 7);
  model.compile({ optimizer: ck.train.sgd(0.5), loss: 'meanSquaredError' });
  const h = await model.fit(ck.tensor(x, [n, 5]), ck.tensor(y, [n, 3]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  // The same objective written with tfjs ops, and its SGD step.
  const [k, b] = w0.map((w) => tf.variable(w));
  const objective = (): tf.Scalar => {
    const out = tf.add(tf.matMul(tf.tensor(x, [n, 5]), k), b);
    return tf.add(tf.losses.meanSquaredError(tf.tensor(y, [n, 3]), out), tf.div(tf.mul(0.1, tf.sum(tf.square(out))), n)) as tf.Scalar;
  };
  const expectedLoss = objective().dataSync()[0];
  assert.ok(Math.abs(h.history.loss[0] - expectedLoss) < 1e-5, `loss ${h.history.loss[0]} vs ${expectedLoss}`);
  tf.train.sgd(0.5).minimize(objective);
  worstWeightDiff(model.getWeights(), [k, b], 1e-5, 'after a step with an activity penalty');
});

test('constraints project the weights after each optimizer update (the tfjs constraint applied to the tfjs-updated weights)', async (t) => {
  ck.setBackendSync('reference');
  const n = 5;
  const specs = [
    { kernelConstraint: { className: 'MaxNorm', config: { maxValue: 0.5, axis: 0 } }, biasConstraint: 'nonNeg' },
    { kernelConstraint: { className: 'UnitNorm', config: { axis: 1 } }, biasConstraint: { className: 'MinMaxNorm', config: { minValue: 0.2, maxValue: 0.4, rate: 0.5, axis: 0 } } },
  ];
  let worst = 0;
  for (const spec of specs) {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], biasInitializer: 'ones' })] });
    const ours = ck.sequential({ layers: [ck.layers.dense({ units: 3, inputShape: [4], ...spec } as ck.layers.DenseArgs)] });
    copyWeights(ours, theirs);
    const x = values(n * 4, 8), y = values(n * 3, 9);
    theirs.compile({ optimizer: tf.train.sgd(0.3), loss: 'meanSquaredError' });
    ours.compile({ optimizer: ck.train.sgd(0.3), loss: 'meanSquaredError' });
    await theirs.fit(tf.tensor(x, [n, 4]), tf.tensor(y, [n, 3]), { epochs: 1, batchSize: n, verbose: 0 });
    await ours.fit(ck.tensor(x, [n, 4]), ck.tensor(y, [n, 3]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    const [kc, bc] = [spec.kernelConstraint, spec.biasConstraint].map((c) => tf.serialization.SerializationMap.getMap().classNameMap[typeof c === 'string' ? 'NonNeg' : c.className]);
    const make = (entry: unknown, c: unknown) => {
      const [cls, fromConfig] = entry as [unknown, (cls: unknown, cfg: unknown) => { apply(w: tf.Tensor): tf.Tensor }];
      return fromConfig(cls, typeof c === 'string' ? {} : (c as { config: unknown }).config);
    };
    const [kw, bw] = theirs.getWeights();
    worst = Math.max(worst, worstWeightDiff(ours.getWeights(), [make(kc, spec.kernelConstraint).apply(kw), make(bc, spec.biasConstraint).apply(bw)], 1e-5, JSON.stringify(spec)));
  }
  t.diagnostic(`constrained steps vs tfjs (constraint applied by hand): max |Δw| ${worst.toExponential(2)}`);
});

test('frozen BatchNormalization (trainable: false) runs in inference mode in fit and keeps every weight; the summary counts non-trainable params', async () => {
  ck.setBackendSync('reference');
  const bn = ck.layers.batchNormalization({ trainable: false });
  const model = ck.sequential({ layers: [ck.layers.dense({ units: 4, inputShape: [3] }), bn, ck.layers.dense({ units: 2 })] });
  bn.setWeights([ck.tensor([1, 2, 3, 4]), ck.tensor([0.1, 0.2, 0.3, 0.4]), ck.tensor([0.5, -0.5, 0, 1]), ck.tensor([2, 1, 0.5, 3])]);
  const before = bn.getWeights().map((w) => [...w.dataSync()]);
  const lines: string[] = [];
  model.summary(undefined, undefined, (l) => lines.push(l));
  assert.ok(lines.includes('Total params: 42') && lines.includes('Trainable params: 26') && lines.includes('Non-trainable params: 16'), lines.join('\n'));
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  await model.fit(ck.tensor(values(12, 1), [4, 3]), ck.tensor(values(8, 2), [4, 2]), { epochs: 2, batchSize: 2, verbose: 0 });
  assert.deepEqual(bn.getWeights().map((w) => [...w.dataSync()]), before, 'frozen BatchNormalization keeps gamma, beta and its moving statistics');
  // A trainable one updates its moving statistics and counts only them as non-trainable.
  const live = ck.sequential({ layers: [ck.layers.dense({ units: 4, inputShape: [3] }), ck.layers.batchNormalization()] });
  const lines2: string[] = [];
  live.summary(undefined, undefined, (l) => lines2.push(l));
  assert.ok(lines2.includes('Trainable params: 24') && lines2.includes('Non-trainable params: 8'), lines2.join('\n'));
  live.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  await live.fit(ck.tensor(values(12, 1), [4, 3]), ck.tensor(values(16, 3), [4, 4]), { epochs: 1, batchSize: 4, verbose: 0 });
  assert.notDeepEqual([...live.layers[1].getWeights()[2].dataSync()], [0, 0, 0, 0], 'the moving mean moved');
});
