/**
 * Graph (functional) models: ck.input / layer.apply / ck.model, merge layers, shape inference and
 * its errors, the summary with "Connected to", multi-input/multi-output fit/evaluate/predict
 * checked against real tfjs, the fusions the plan decides, fitDataset, and a residual model that
 * learns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';

await tf.setBackend('cpu');
ck.setBackendSync('reference');

const sym = (x: ck.SymbolicTensor | ck.SymbolicTensor[]): ck.SymbolicTensor => x as ck.SymbolicTensor;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function values(n: number, seed: number, f = (r: ck.Random) => r.uniform() * 2 - 1): Float32Array {
  const r = new ck.Random(seed);
  return Float32Array.from({ length: n }, () => f(r));
}

/** Two inputs (an image and a vector), a residual add, a concatenation, two outputs. */
function twoHeaded(): ck.LayersModel {
  const img = ck.input({ shape: [8, 8, 3], name: 'img' });
  const c1 = sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(img));
  const c2 = sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c2' }).apply(c1));
  const sum = sym(ck.layers.add({ name: 'skip' }).apply([c1, c2]));
  const pooled = sym(ck.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(sum));
  const flat = sym(ck.layers.flatten({ name: 'flat' }).apply(pooled));
  const meta = ck.input({ shape: [5], name: 'meta' });
  const joined = sym(ck.layers.concatenate({ name: 'join' }).apply([flat, meta]));
  const outA = sym(ck.layers.dense({ units: 3, activation: 'softmax', name: 'out_a' }).apply(joined));
  const outB = sym(ck.layers.dense({ units: 2, name: 'out_b' }).apply(flat));
  return ck.model({ inputs: [img, meta], outputs: [outA, outB], name: 'two_headed' });
}

/** The same graph in tfjs, with cnnkit's weights. */
function twoHeadedTfjs(ours: ck.LayersModel): tf.LayersModel {
  const img = tf.input({ shape: [8, 8, 3], name: 'img' });
  const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(img) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c2' }).apply(c1) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'skip' }).apply([c1, c2]) as tf.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(sum) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(pooled) as tf.SymbolicTensor;
  const meta = tf.input({ shape: [5], name: 'meta' });
  const joined = tf.layers.concatenate({ name: 'join' }).apply([flat, meta]) as tf.SymbolicTensor;
  const outA = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out_a' }).apply(joined) as tf.SymbolicTensor;
  const outB = tf.layers.dense({ units: 2, name: 'out_b' }).apply(flat) as tf.SymbolicTensor;
  const m = tf.model({ inputs: [img, meta], outputs: [outA, outB] });
  for (const l of ours.layers) if (l.weights.length) m.getLayer(l.name).setWeights(l.getWeights().map((w) => tf.tensor(w.dataSync(), [...w.shape])));
  return m;
}

const N = 12;
const data = {
  img: values(N * 8 * 8 * 3, 1), meta: values(N * 5, 2), labels: Int32Array.from({ length: N }, (_, i) => (i * 7) % 3), targets: values(N * 2, 3),
};
const ckX = (): ck.Tensor[] => [ck.tensor(data.img, [N, 8, 8, 3]), ck.tensor(data.meta, [N, 5])];
const ckY = (): ck.Tensor[] => [ck.tensor(data.labels, [N], 'int32'), ck.tensor(data.targets, [N, 2])];
const tfX = (): tf.Tensor[] => [tf.tensor4d(data.img, [N, 8, 8, 3]), tf.tensor2d(data.meta, [N, 5])];
const tfY = (): tf.Tensor[] => [tf.tensor1d(Float32Array.from(data.labels)), tf.tensor2d(data.targets, [N, 2])];

test('ck.input / apply / ck.model: shapes inferred at every node, Keras layer order, output names', () => {
  ck.setSeed(1);
  const m = twoHeaded();
  assert.deepEqual(m.layers.map((l) => l.name), ['img', 'c1', 'c2', 'skip', 'pool', 'flat', 'meta', 'join', 'out_a', 'out_b']);
  assert.deepEqual(m.inputShape, [[null, 8, 8, 3], [null, 5]]);
  assert.deepEqual(m.outputShape, [[null, 3], [null, 2]]);
  assert.deepEqual(m.getLayer('join').outputShape, [null, 69]);
  assert.deepEqual(m.outputNames, ['out_a', 'out_b']);
  assert.equal(m.countParams(), 112 + 148 + 70 * 3 + 65 * 2);
  // A layer applied to tensors runs eagerly (built on first use); the model applies too.
  const [x1, x2] = ckX();
  const [pa, pb] = m.apply([x1, x2]) as ck.Tensor[];
  const [qa, qb] = m.predict([x1, x2], { batchSize: 5 }) as ck.Tensor[];
  assert.ok(maxAbsDiff(pa.dataSync(), qa.dataSync()) < 1e-6 && maxAbsDiff(pb.dataSync(), qb.dataSync()) < 1e-6);
  const d = ck.layers.dense({ units: 2 });
  assert.deepEqual((d.apply(ck.ones([3, 4])) as ck.Tensor).shape, [3, 2]);
});

test('shape errors name both layers and shapes; graph errors name what is missing', () => {
  const img = ck.input({ shape: [8, 8, 3], name: 'pic' });
  const big = sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'big' }).apply(img));
  const small = sym(ck.layers.maxPooling2d({ name: 'small' }).apply(big));
  assert.throws(() => ck.layers.add({ name: 'bad_add' }).apply([big, small]),
    (e: Error) => e instanceof ck.ShapeError && /^Add 'bad_add': inputs have incompatible shapes \(None, 8, 8, 4\) and \(None, 4, 4, 4\).*\(inputs from Conv2D 'big' \(None, 8, 8, 4\) and MaxPooling2D 'small' \(None, 4, 4, 4\)\)$/.test(e.message));
  assert.throws(() => ck.layers.concatenate({ axis: 1, name: 'bad_cat' }).apply([big, small]), /Concatenate 'bad_cat': inputs must match in every dimension but the concatenation axis \(1\).*from Conv2D 'big'/);
  assert.throws(() => ck.layers.subtract().apply([big, big, big]), /Subtract '.*': expects a list of exactly 2 inputs\. Received 3/);
  assert.throws(() => ck.layers.add().apply(big), /expects a list of at least 2 inputs\. Received one input \(None, 8, 8, 4\)/);
  assert.throws(() => ck.layers.dense({ units: 2, name: 'wrong' }).apply(ck.input({ shape: [] as number[] })), /inputShape must hold positive integers/);
  // A graph whose output needs an input the model does not list.
  const other = ck.input({ shape: [8, 8, 4], name: 'other' });
  const mixed = sym(ck.layers.add({ name: 'mixed' }).apply([big, other]));
  assert.throws(() => ck.model({ inputs: img, outputs: mixed }), /graph disconnected: cannot obtain the value of other .* for layer 'mixed' from the model's inputs/);
  assert.throws(() => ck.model({ inputs: big, outputs: small }), /model inputs must come from ck\.input/);
  const dup = sym(ck.layers.flatten({ name: 'big' }).apply(small));
  assert.throws(() => ck.model({ inputs: img, outputs: dup }), /the name 'big' is used 2 times in the model/);
  assert.throws(() => ck.layers.dense({ units: 1 }).apply([img, ck.ones([1, 2]) as never]), /either symbolic tensors .* or tensors, not both/);
  // A layer with weights, applied again to another shape.
  const d = ck.layers.dense({ units: 2, name: 'shared_dense' });
  d.apply(ck.input({ shape: [3] }));
  assert.throws(() => d.apply(ck.input({ shape: [4] })), /Dense 'shared_dense' was built for input \(None, 3\)\. Received \(None, 4\)/);
});

test('summary: the tf.keras table with Connected to; counts non-trainable params', () => {
  ck.setSeed(1);
  const m = twoHeaded();
  const lines: string[] = [];
  m.summary(undefined, undefined, (l) => lines.push(l));
  const expected = [
    'Model: "two_headed"',
    '_'.repeat(98),
    ' Layer (type)                   Output Shape         Param #     Connected to                     ',
    '='.repeat(98),
    ' img (InputLayer)               [(None, 8, 8, 3)]    0           []                               ',
    ' '.repeat(98),
    " c1 (Conv2D)                    (None, 8, 8, 4)      112         ['img[0][0]']                    ",
    ' '.repeat(98),
    " c2 (Conv2D)                    (None, 8, 8, 4)      148         ['c1[0][0]']                     ",
    ' '.repeat(98),
    " skip (Add)                     (None, 8, 8, 4)      0           ['c1[0][0]',                     ",
    "                                                                  'c2[0][0]']                     ",
  ];
  assert.deepEqual(lines.slice(0, expected.length), expected);
  assert.equal(lines[lines.length - 5], '='.repeat(98));
  assert.deepEqual(lines.slice(-4, -1), ['Total params: 600', 'Trainable params: 600', 'Non-trainable params: 0']);
  m.getLayer('c2').trainable = false;
  const frozen: string[] = [];
  m.summary(undefined, undefined, (l) => frozen.push(l));
  assert.deepEqual(frozen.slice(-4, -1), ['Total params: 600', 'Trainable params: 452', 'Non-trainable params: 148']);
  assert.equal(m.trainableWeights.length, 6);
  // A chain (even as a graph model) keeps the three-column table, with its InputLayer row.
  const x = ck.input({ shape: [4], name: 'x4' });
  const chain = ck.model({ inputs: x, outputs: sym(ck.layers.dense({ units: 3, name: 'd3' }).apply(x)), name: 'chain' });
  const c: string[] = [];
  chain.summary(undefined, undefined, (l) => c.push(l));
  assert.equal(c[2], ' Layer (type)                Output Shape              Param #   ');
  assert.equal(c[4], ' x4 (InputLayer)             [(None, 4)]               0         ');
});

test('multi-input, multi-output evaluate and predict agree with tfjs (losses per output, acc, log names)', () => {
  ck.setSeed(2);
  const m = twoHeaded();
  m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { out_a: ['acc'] } });
  const theirs = twoHeadedTfjs(m);
  theirs.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { out_a: 'acc' } });
  assert.deepEqual(theirs.metricsNames, ['loss', 'out_a_loss', 'out_b_loss', 'out_a_acc']);
  const ours = (m.evaluate(ckX(), ckY(), { batchSize: 5 }) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  const all = (theirs.evaluate(tfX(), tfY(), { batchSize: 5 }) as tf.Scalar[]).map((t) => t.dataSync()[0]);
  // tfjs 4.22 returns one value more than its metricsNames for several outputs: a leading copy of
  // the first output's loss. cnnkit returns the values of the names, in order (as Keras).
  assert.equal(all.length, 5);
  assert.ok(Math.abs(all[0] - all[2]) < 1e-7);
  const ref = all.slice(1);
  assert.equal(ours.length, 4);
  assert.ok(maxAbsDiff(ours, ref) < 1e-5, `evaluate: ${ours} vs tfjs ${ref}`);
  assert.ok(Math.abs(ours[0] - ours[1] - ours[2]) < 1e-6, 'the loss is the sum of the outputs\' losses');
  const [pa, pb] = m.predict({ img: ckX()[0], meta: ckX()[1] }) as ck.Tensor[];
  const [ra, rb] = theirs.predict(tfX()) as tf.Tensor[];
  assert.ok(maxAbsDiff(pa.dataSync(), ra.dataSync()) < 1e-5 && maxAbsDiff(pb.dataSync(), rb.dataSync()) < 1e-5);
});

test('one training step of a two-output model equals tfjs (the loss is the sum of the outputs\' losses)', async () => {
  ck.setSeed(3);
  const m = twoHeaded();
  m.compile({ optimizer: ck.train.sgd(0.1), loss: { out_a: 'sparseCategoricalCrossentropy', out_b: 'meanSquaredError' }, metrics: ['acc'] });
  const theirs = twoHeadedTfjs(m);
  theirs.compile({ optimizer: tf.train.sgd(0.1), loss: { out_a: 'sparseCategoricalCrossentropy', out_b: 'meanSquaredError' }, metrics: ['acc'] });
  const h = await m.fit([...ckX()], { out_b: ckY()[1], out_a: ckY()[0] }, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
  const th = await theirs.fit(tfX(), tfY(), { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
  assert.deepEqual(Object.keys(h.history).sort(), Object.keys(th.history).sort());
  for (const k of Object.keys(th.history)) assert.ok(Math.abs(h.history[k][0] - (th.history[k][0] as number)) < 1e-5, `${k}: ${h.history[k][0]} vs ${th.history[k][0]}`);
  let worst = 0;
  for (const l of m.layers)
    l.getWeights().forEach((w, i) => (worst = Math.max(worst, maxAbsDiff(w.dataSync(), theirs.getLayer(l.name).getWeights()[i].dataSync()))));
  // (A gradient shared by an add's two operands was once written in place by the convolution
  // reading one of them: c1 and c2 then differed from tfjs by 0.05.)
  assert.ok(worst < 1e-5, `max weight difference after one step ${worst}`);
  // c1 has two readers (c2 and the skip add): no conv+pool fusion; out_a's softmax goes into its loss.
  assert.deepEqual(m.plan.fused, ['out_a+loss']);
});

test('fusions are decided per graph: conv+ReLU+maxpool only when the pool is the conv output\'s one reader; softmax into the loss per output', () => {
  const build = (extraReader: boolean, convIsOutput: boolean, softmaxRead: boolean): ck.LayersModel => {
    const x = ck.input({ shape: [6, 6, 1] });
    const c = sym(ck.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' }).apply(x));
    const p = sym(ck.layers.maxPooling2d({ name: 'pool' }).apply(c));
    let f = sym(ck.layers.flatten({ name: 'f' }).apply(p));
    if (extraReader) f = sym(ck.layers.concatenate({ name: 'cat' }).apply([f, sym(ck.layers.flatten({ name: 'f2' }).apply(c))]));
    const probs = sym(ck.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(f));
    const outs = [probs];
    if (convIsOutput) outs.push(c);
    if (softmaxRead) outs.push(sym(ck.layers.dense({ units: 1, name: 'reads_probs' }).apply(probs)));
    const m = ck.model({ inputs: x, outputs: outs });
    m.compile({ optimizer: 'sgd', loss: outs.map((_, i) => (i === 0 ? 'sparseCategoricalCrossentropy' : 'meanSquaredError')) });
    return m;
  };
  assert.deepEqual(build(false, false, false).plan.fused, ['conv+pool', 'probs+loss']);
  assert.deepEqual(build(true, false, false).plan.fused, ['probs+loss']);
  assert.deepEqual(build(false, true, false).plan.fused, ['probs+loss']);
  assert.deepEqual(build(false, false, true).plan.fused, ['conv+pool']);
  // The fused and unfused plans compute the same outputs.
  ck.setSeed(4);
  const a = build(false, false, false);
  const x = ck.tensor(values(2 * 36, 9), [2, 6, 6, 1]);
  const fused = a.execute([x], false, true)[0].dataSync();
  const plain = (a.predict(x) as ck.Tensor).dataSync();
  for (let r = 0; r < 2; r++) {
    const row = Array.from(fused.slice(r * 3, r * 3 + 3));
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const z = e.reduce((p, q) => p + q, 0);
    e.forEach((v, i) => assert.ok(Math.abs(v / z - plain[r * 3 + i]) < 1e-6, 'softmax of the fused logits = the probabilities'));
  }
  assert.ok(Array.from(plain).some((v, i) => Math.abs(v - fused[i]) > 1e-3), 'the fused run gives logits');
});

test('Conv2D into MaxPooling2D fuses for linear and relu convolutions with windows of at most 255 cells, and predicts as the layers do one by one', () => {
  const build = (act: 'linear' | 'relu' | 'tanh', pool: number): ck.LayersModel => {
    const x = ck.input({ shape: [16, 16, 2] });
    const c = sym(ck.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: act, name: 'conv' }).apply(x));
    const p = sym(ck.layers.maxPooling2d({ poolSize: pool, name: 'pool' }).apply(c));
    const out = sym(ck.layers.dense({ units: 2, name: 'out' }).apply(sym(ck.layers.flatten({ name: 'f' }).apply(p))));
    const m = ck.model({ inputs: x, outputs: out });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  };
  assert.deepEqual(build('linear', 2).plan.fused, ['conv+pool']);
  assert.deepEqual(build('relu', 2).plan.fused, ['conv+pool']);
  assert.deepEqual(build('tanh', 2).plan.fused, [], 'tanh: its gradient needs the convolution output');
  assert.deepEqual(build('linear', 15).plan.fused, ['conv+pool'], '225 cells');
  assert.deepEqual(build('linear', 16).plan.fused, [], '256 cells: a winner does not fit a byte');
  for (const act of ['linear', 'relu'] as const) {
    const m = build(act, 2);
    const x = ck.tensor(values(2 * 16 * 16 * 2, 7), [2, 16, 16, 2]);
    let h = x;
    for (const l of m.layers.slice(1)) h = l.apply(h) as ck.Tensor;
    const got = (m.predict(x) as ck.Tensor).dataSync(), want = h.dataSync();
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-6 * Math.max(1, Math.abs(v)), `${act}: the fused plan predicts as the layers one by one (${got[i]} vs ${v})`));
  }
});

/** Two classes of 8x8 images: a bright top half or a bright bottom half, with noise. */
function halves(n: number, seed: number): { x: ck.Tensor; y: ck.Tensor } {
  const r = new ck.Random(seed);
  const x = new Float32Array(n * 64), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.int(2);
    for (let p = 0; p < 64; p++) x[i * 64 + p] = ((p < 32) === (y[i] === 0) ? 0.8 : 0.2) + (r.uniform() - 0.5) * 0.4;
  }
  return { x: ck.tensor(x, [n, 8, 8, 1]), y: ck.tensor(y, [n], 'int32') };
}

/** conv → conv → add (skip) → pool → dense: the residual block of ResNets. */
function residual(): ck.LayersModel {
  const x = ck.input({ shape: [8, 8, 1] });
  const stem = sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x));
  const branch = sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(sym(ck.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(stem))));
  const sum = sym(ck.layers.activation({ activation: 'relu' }).apply(sym(ck.layers.add().apply([stem, branch]))));
  const out = sym(ck.layers.dense({ units: 2, activation: 'softmax' }).apply(sym(ck.layers.flatten().apply(sym(ck.layers.maxPooling2d().apply(sum))))));
  return ck.model({ inputs: x, outputs: out, name: 'residual' });
}

test('a residual model (conv -> add skip) trains: its loss falls and it separates the classes', async () => {
  ck.setSeed(5);
  const m = residual();
  m.compile({ optimizer: ck.train.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const { x, y } = halves(96, 6);
  const h = await m.fit(x, y, { epochs: 6, batchSize: 16, verbose: 0 });
  const losses = h.history.loss;
  assert.ok(losses[losses.length - 1] < losses[0] * 0.5, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  const held = halves(64, 7);
  const [, acc] = (m.evaluate(held.x, held.y) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  assert.ok(acc >= 0.9, `held-out accuracy ${acc}`);
});

/** A dataset of (x, y) batches in order (tfjs's Dataset protocol). */
function arrayDataset(x: ck.Tensor, y: ck.Tensor, batch: number, disposed: ck.Tensor[]): ck.DatasetLike {
  return {
    iterator: async () => {
      let i = 0;
      const n = x.shape[0];
      return {
        next: async () => {
          if (i >= n) return { value: undefined, done: true } as IteratorResult<ck.DatasetBatch>;
          const count = Math.min(batch, n - i);
          const xs = ck.ops.slice(x, [i, 0, 0, 0], [count, -1, -1, -1]), ys = ck.ops.slice(y, [i], [count]);
          disposed.push(xs, ys);
          i += count;
          return { value: { xs, ys }, done: false };
        },
      };
    },
  };
}

test('fitDataset shares fit\'s loop: the same batches give the same history and weights', async () => {
  const { x, y } = halves(40, 8);
  const run = async (viaDataset: boolean): Promise<{ h: ck.History; w: Float32Array }> => {
    ck.setSeed(9);
    ck.clearSession();
    const m = residual();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['acc'] });
    const seen: ck.Tensor[] = [];
    const h = viaDataset
      ? await m.fitDataset(arrayDataset(x, y, 16, seen), { epochs: 2, verbose: 0, validationData: [x, y], validationBatchSize: 16 })
      : await m.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0, validationData: [x, y] });
    if (viaDataset) assert.ok(seen.length === 12 && seen.every((t) => t.isDisposed), 'each batch is disposed after its step, as tfjs does');
    return { h, w: Float32Array.from(m.getWeights()[0].dataSync()) };
  };
  const a = await run(false), b = await run(true);
  assert.deepEqual(Object.keys(b.h.history), ['loss', 'acc', 'val_loss', 'val_acc']);
  assert.deepEqual(b.h.history, a.h.history);
  assert.deepEqual(b.w, a.w);
  // batchesPerEpoch: one iterator across epochs; a dataset that runs out stops training.
  ck.setSeed(9);
  const m = residual();
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (msg: string) => warnings.push(msg);
  try {
    const h = await m.fitDataset(arrayDataset(x, y, 16, []), { epochs: 3, batchesPerEpoch: 2, verbose: 0 });
    assert.equal(h.epoch.length, 2);
  } finally {
    console.warn = warn;
  }
  assert.match(warnings[0], /the dataset ran out after 1 batches of an epoch of batchesPerEpoch=2/);
  await assert.rejects(m.fitDataset(arrayDataset(x, y, 16, []), { epochs: 1, classWeight: {} } as never), /fitDataset: unknown argument 'classWeight'/);
  await assert.rejects(m.fit(x, y, { epochs: 1, sampleWeight: ck.ones([40]) } as never), /fit: unknown argument 'sampleWeight'\. Supported: batchSize, /);
  await assert.rejects(m.fit(x, y, { epochs: 1, yieldEvery: 'batch' } as never), /fit: yieldEvery must be 'auto'/);
});
