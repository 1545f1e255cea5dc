/** Training: learning a synthetic task, optimizers against hand-computed updates, reproducibility, errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { Random } from '../src/tensor/random.js';

/** Three classes of 8x8 uint8 images: horizontal stripes, vertical stripes, a diagonal — with random phase and noise. */
function patterns(n: number, seed: number): { x: ck.Tensor; y: ck.Tensor } {
  const rng = new Random(seed);
  const x = new Uint8Array(n * 64), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 3, phase = rng.int(2);
    y[i] = cls;
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++) {
        const on = cls === 0 ? (r + phase) % 2 === 0 : cls === 1 ? (c + phase) % 2 === 0 : (r + c + phase) % 4 === 0;
        x[i * 64 + r * 8 + c] = Math.min(255, (on ? 200 : 30) + rng.int(40));
      }
  }
  return { x: ck.tensor(x, [n, 8, 8, 1]), y: ck.tensor(y, [n], 'int32') };
}

function smallCnn(): ck.Sequential {
  return ck.sequential({
    layers: [
      ck.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      ck.layers.maxPooling2d({ poolSize: 2 }),
      ck.layers.flatten(),
      ck.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

test('a small CNN learns synthetic patterns to ≥ 95% held-out accuracy', async () => {
  ck.setSeed(1);
  const train = patterns(300, 2), held = patterns(150, 3);
  const model = smallCnn();
  model.compile({ optimizer: ck.train.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(train.x, train.y, { epochs: 8, batchSize: 16, rescale: 1 / 255, verbose: 0, validationData: [held.x, held.y] });
  const [loss, acc] = (model.evaluate(held.x, held.y, { rescale: 1 / 255 }) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  assert.ok(acc >= 0.95, `held-out accuracy ${acc}`);
  assert.ok(loss < history.history.loss[0], 'loss decreased');
  assert.deepEqual(Object.keys(history.history), ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
  assert.equal(history.history.val_accuracy.length, 8);
  assert.ok(Math.abs(history.history.val_accuracy[7] - acc) < 1e-9, 'val_accuracy equals evaluate');
  const probs = model.predict(held.x, { rescale: 1 / 255, batchSize: 64 });
  assert.deepEqual(probs.shape, [150, 3]);
  const p = probs.dataSync();
  for (let i = 0; i < 150; i++) assert.ok(Math.abs(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2] - 1) < 1e-5);
});

test('same seed, same weights; the step arena stops growing after the first epoch', async () => {
  const run = async () => {
    ck.setSeed(9);
    const data = patterns(40, 4);
    const model = smallCnn();
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const marks: number[] = [];
    await model.fit(data.x, data.y, { epochs: 3, batchSize: 8, rescale: 1 / 255, verbose: 0, callbacks: { onEpochEnd: () => void marks.push(ck.getBackend().memory().arenaHighWater) } });
    return { weights: model.getWeights().map((w) => Array.from(w.dataSync())), marks };
  };
  const a = await run(), b = await run();
  assert.deepEqual(a.weights, b.weights);
  assert.equal(a.marks[2], a.marks[0], 'arena high-water grew between epoch 1 and epoch 3');
});

test('Adam, SGD (momentum, Nesterov) and RMSprop match hand-computed Keras updates', () => {
  const step = (opt: ck.Optimizer, g: number[], times: number) => {
    const p = ck.tensor([1, -2]);
    const grad = ck.tensor(g);
    for (let i = 0; i < times; i++) opt.applyGradients([p], [grad]);
    return Array.from(p.dataSync());
  };
  // Adam's first step moves each weight by lr·g/(|g| + ε̂) ≈ lr in the gradient's sign direction.
  const adam = step(ck.train.adam({ learningRate: 0.1 }), [0.5, -3], 1);
  assert.ok(Math.abs(adam[0] - 0.9) < 1e-5 && Math.abs(adam[1] + 1.9) < 1e-5, `adam ${adam}`);
  // SGD momentum 0.9, lr 0.1, g = 1: v1 = −0.1, p1 = 0.9; v2 = −0.19, p2 = 0.71.
  assert.ok(Math.abs(step(ck.train.momentum(0.1, 0.9), [1, 0], 2)[0] - 0.71) < 1e-6);
  // Nesterov: p += momentum·v − lr·g: step 1: 1 − 0.09 − 0.1 = 0.81; step 2: v2 = −0.19, 0.81 − 0.171 − 0.1 = 0.539.
  assert.ok(Math.abs(step(ck.train.momentum(0.1, 0.9, true), [1, 0], 2)[0] - 0.539) < 1e-6);
  // RMSprop: a = 0.1·g² = 0.1; p −= 0.01·1/√(0.1 + 1e-7).
  assert.ok(Math.abs(step(ck.train.rmsprop(0.01), [1, 0], 1)[0] - (1 - 0.01 / Math.sqrt(0.1 + 1e-7))) < 1e-6);
  const defaults = new ck.Adam();
  assert.deepEqual(defaults.getConfig(), { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
});

test('other losses train too: categorical cross-entropy and mean squared error', async () => {
  ck.setSeed(3);
  const data = patterns(60, 5);
  const oneHot = ck.tensor(Array.from(data.y.dataSync()).flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))), [60, 3]);
  for (const loss of ['categoricalCrossentropy', 'meanSquaredError']) {
    const model = smallCnn();
    model.compile({ optimizer: 'rmsprop', loss, metrics: ['accuracy'] });
    const h = await model.fit(data.x, oneHot, { epochs: 4, batchSize: 10, rescale: 1 / 255, verbose: 0 });
    assert.ok(h.history.loss[3] < h.history.loss[0], `${loss} did not decrease: ${h.history.loss}`);
  }
});

test('early stopping ends training when the monitored value stops improving', async () => {
  ck.setSeed(4);
  const data = patterns(30, 6);
  const model = smallCnn();
  model.compile({ optimizer: ck.train.sgd(1e-9), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const stop = ck.callbacks.earlyStopping({ monitor: 'loss', patience: 1, minDelta: 0.01 });
  const h = await model.fit(data.x, data.y, { epochs: 20, batchSize: 10, rescale: 1 / 255, verbose: 0, callbacks: [stop] });
  assert.equal(h.history.loss.length, 3);
});

test('validationSplit holds out the last samples', async () => {
  const data = patterns(50, 7);
  const model = smallCnn();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(data.x, data.y, { epochs: 1, validationSplit: 0.2, rescale: 1 / 255, verbose: 0 });
  assert.equal(h.params.samples, 40);
  assert.ok('val_loss' in h.history);
});

test('fit and evaluate reject bad input with messages that name the problem', async () => {
  const data = patterns(12, 8);
  const model = smallCnn();
  await assert.rejects(model.fit(data.x, data.y), /call compile\(\{ optimizer, loss \}\) before fit/);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await assert.rejects(model.fit(data.x, ck.tensor(new Int32Array(11), [11], 'int32')), /x and y must have the same number of samples. Received x \(12, 8, 8, 1\) and y \(11,\)/);
  await assert.rejects(model.fit(data.x, ck.tensor(new Int32Array(12).fill(3), [12], 'int32')), /label 3 at index 0 is outside \[0, 3\) for the 3-unit output of layer 'dense/);
  const values = new Float32Array(12 * 64).fill(0.5);
  values[70] = NaN;
  const nan = ck.tensor(values, [12, 8, 8, 1]);
  await assert.rejects(model.fit(nan, data.y, { verbose: 0 }), /fit: x contains NaN at flat index 70/);
  await assert.rejects(model.fit(ck.zeros([12, 8, 8, 2]), data.y), /x has shape \(12, 8, 8, 2\) but model '.*' expects \(None, 8, 8, 1\)/);
  assert.throws(() => model.compile({ optimizer: 'nadam', loss: 'mse' }), /unknown optimizer "nadam"/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'focalLoss' }), /unknown loss "focalLoss"/);
  model.compile({ optimizer: ck.train.sgd(1e30), loss: 'meanSquaredError' });
  const target = ck.tensor(new Float32Array(36).fill(1e30), [12, 3]);
  await assert.rejects(model.fit(data.x, target, { verbose: 0, epochs: 3 }), /the loss became (Infinity|NaN) in epoch 1; training stopped/);
});

test('Keras progress line: one line per epoch when not a terminal', async () => {
  const data = patterns(20, 9);
  const model = smallCnn();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const written: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
  try {
    await model.fit(data.x, data.y, { epochs: 2, batchSize: 8, rescale: 1 / 255, validationData: [data.x, data.y] });
  } finally {
    process.stdout.write = orig;
  }
  const text = written.join('');
  assert.match(text, /Epoch 1\/2\n3\/3 \[==============================\] - \d+s \d+ms\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}\n/);
});

test('stopTraining set during a batch ends the epoch after that batch; dispose frees weights and slots', async () => {
  const data = patterns(40, 10);
  const model = smallCnn();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const batches: number[] = [];
  const h = await model.fit(data.x, data.y, {
    epochs: 3, batchSize: 8, rescale: 1 / 255, verbose: 0,
    callbacks: { onBatchEnd: (b) => { batches.push(b); if (b === 1) model.stopTraining = true; } },
  });
  assert.deepEqual(batches, [0, 1]);
  assert.equal(h.history.loss.length, 1);
  const before = ck.getBackend().memory().persistentBytes;
  model.dispose();
  const freed = before - ck.getBackend().memory().persistentBytes;
  // The weights plus Adam's two slots per weight, as float32 (a backend may round blocks up).
  assert.ok(freed >= model.countParams() * 3 * 4, `freed ${freed} bytes`);
  assert.ok(model.weights.every((w) => w.isDisposed));
});

test('API misuse gets a clear error: rescale, empty data, setWeights, disposed inputs, a second fit while one runs', async () => {
  const m = ck.sequential({ layers: [ck.layers.dense({ units: 2, inputShape: [3] })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = ck.ones([8, 3]), y = ck.ones([8, 2]);
  await assert.rejects(m.fit(x, y, { rescale: NaN, verbose: 0 }), /fit: rescale must be a finite number \(e\.g\. 1\/255\)\. Received rescale=NaN/);
  await assert.rejects(m.fit(x, y, { rescale: 'abc' as never, verbose: 0 }), /Received rescale="abc"/);
  assert.throws(() => m.evaluate(ck.ones([0, 3]), ck.ones([0, 2])), /evaluate: there are no samples \(x has shape \(0, 3\)\)/);
  await assert.rejects(m.fit(ck.ones([0, 3]), ck.ones([0, 2]), { verbose: 0 }), /fit: there are no samples/);
  assert.throws(() => m.setWeights([1, 2] as never), /setWeights expects tensors\. Received 1 for weight 'dense(_\d+)?\/kernel'/);
  const u = ck.tensor(new Uint8Array(12), [4, 3], 'uint8');
  u.dispose();
  assert.throws(() => m.predict(u), /predict: x \(4, 3\) is disposed/);
  const first = m.fit(ck.ones([256, 3]), ck.ones([256, 2]), { epochs: 2, batchSize: 8, verbose: 0 });
  await assert.rejects(m.fit(x, y, { verbose: 0 }), /fit: model 'sequential(_\d+)?' is already training \(a second fit must wait for the first to finish\)/);
  await first;
  await m.fit(x, y, { verbose: 0 }); // and once the first is done, fit runs again
});
