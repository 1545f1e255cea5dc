/** The TensorFlow.js reader both ways: tfjs loads cnnkit's files, cnnkit loads tfjs's, and both predict the same. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-io-tfjs-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Images like uint8 pixels scaled to [0, 1], from a fixed generator. */
function images(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const r = new ck.Random(seed);
  return Float32Array.from({ length: n * h * w * c }, () => r.int(256) / 255);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

await tf.setBackend('cpu');

test('tfjs loads a cnnkit-saved tutorial model and predicts the same probabilities', async (t) => {
  ck.setBackendSync('reference');
  ck.setSeed(7);
  const model = ck.tutorial.buildModel();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const dir = join(tmp, 'tutorial');
  await model.save(`file://${dir}`);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.equal(json.modelTopology.class_name, 'Sequential');
  assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
  assert.equal(json.weightsManifest[0].weights[0].name, 'conv2d/kernel');
  const bin = readFileSync(join(dir, 'group1-shard1of1.bin'));
  assert.equal(bin.byteLength, 122570 * 4);

  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  assert.deepEqual(tfModel.layers.map((l) => l.name), model.layers.map((l) => l.name));
  const n = 6;
  const x = images(n, 32, 32, 3, 1);
  const theirs = (tfModel.predict(tf.tensor4d(x, [n, 32, 32, 3])) as tf.Tensor).dataSync();
  const ours = model.predict(ck.tensor(x, [n, 32, 32, 3])).dataSync();
  const diff = maxAbsDiff(theirs, ours);
  t.diagnostic(`cnnkit → tfjs: max |Δp| = ${diff.toExponential(2)} over ${n}×10 probabilities`);
  assert.ok(diff < 1e-5, `max difference ${diff}`);
});

/** A tfjs model with every supported class, saved by tfjs. */
function tfjsModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.rescaling({ scale: 1 / 255, inputShape: [12, 12, 3] }));
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: 1, activation: 'tanh' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: 8, activation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 6 }));
  m.add(tf.layers.activation({ activation: 'softmax' }));
  return m;
}

test('cnnkit loads a model built and saved by tfjs and predicts the same', async (t) => {
  ck.setBackendSync('reference');
  const m = tfjsModel();
  m.compile({ optimizer: tf.train.adam(0.002), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let saved: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: true });
  const a = saved as unknown as tf.io.ModelArtifacts;
  const ours = await ck.loadLayersModel(ck.io.fromMemory(a as unknown as ck.io.ModelArtifacts));
  assert.deepEqual(ours.layers.map((l) => l.className), ['Rescaling', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'AveragePooling2D', 'Flatten', 'Dropout', 'Dense', 'Dense', 'Activation']);
  assert.equal(ours.optimizer?.className, 'Adam');
  assert.equal((ours.optimizer as ck.Adam).learningRate, 0.002);
  assert.equal(ours.loss?.name, 'categoricalCrossentropy');
  const n = 5;
  const x = images(n, 12, 12, 3, 2).map((v) => Math.round(v * 255));
  const theirs = (m.predict(tf.tensor4d(x, [n, 12, 12, 3])) as tf.Tensor).dataSync();
  const mine = (ours.predict(ck.tensor(x, [n, 12, 12, 3])) as ck.Tensor).dataSync();
  const diff = maxAbsDiff(theirs, mine);
  t.diagnostic(`tfjs → cnnkit: max |Δp| = ${diff.toExponential(2)} over ${n}×6 probabilities`);
  assert.ok(diff < 1e-5, `max difference ${diff}`);

  // The same artifacts through files: cnnkit writes them as a folder, tfjs's order and names kept.
  const dir = join(tmp, 'from-tfjs');
  await ours.save(`file://${dir}`);
  const again = await ck.loadLayersModel(dir);
  assert.ok(maxAbsDiff((again.predict(ck.tensor(x, [n, 12, 12, 3])) as ck.Tensor).dataSync(), mine) === 0);
  // and tfjs reads cnnkit's files of this model (Rescaling, AveragePooling2D, Activation, ...) too
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'group1-shard1of1.bin'));
  const tfAgain = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
  const diff2 = maxAbsDiff((tfAgain.predict(tf.tensor4d(x, [n, 12, 12, 3])) as tf.Tensor).dataSync(), mine);
  t.diagnostic(`tfjs → cnnkit → tfjs: max |Δp| = ${diff2.toExponential(2)}`);
  assert.ok(diff2 < 1e-5, `max difference ${diff2}`);
});

test('includeOptimizer round-trips compile settings and optimizer state; tfjs reads that file too', async () => {
  ck.setBackendSync('reference');
  ck.setSeed(3);
  ck.clearSession();
  const model = ck.sequential();
  model.add(ck.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }));
  model.add(ck.layers.dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: ck.train.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(ck.tensor([[0, 1, 2], [1, 0, 1], [2, 2, 0], [0, 0, 1]]), ck.tensor([0, 1, 1, 0]), { epochs: 2, batchSize: 2, verbose: 0 });
  const saver = ck.io.memorySaver();
  await model.save(saver, { includeOptimizer: true });
  const specs = saver.artifacts?.weightSpecs ?? [];
  assert.deepEqual(specs.filter((s) => s.group === 'optimizer').map((s) => s.name).slice(0, 3), ['iter', 'dense/kernel/m', 'dense/bias/m']);
  const loaded = await ck.loadLayersModel(ck.io.fromMemory(saver.artifacts as ck.io.ModelArtifacts));
  assert.equal(loaded.optimizer?.className, 'Adam');
  assert.equal(loaded.optimizer?.iterations, 4);
  const a = (model.optimizer as ck.Optimizer).getWeights(model.trainableWeights).map((w) => Array.from(w.dataSync()));
  const b = (loaded.optimizer as ck.Optimizer).getWeights(loaded.trainableWeights).map((w) => Array.from(w.dataSync()));
  assert.deepEqual(b, a);
  // tfjs reads the same file, optimizer weights included.
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(saver.artifacts as tf.io.ModelArtifacts));
  assert.equal(tfModel.layers.length, 2);
  const tfOpt = await (tfModel.optimizer as tf.Optimizer).getWeights();
  assert.deepEqual(tfOpt.map((w) => w.name), specs.filter((s) => s.group === 'optimizer').map((s) => s.name));
  assert.equal(tfOpt[0].tensor.dataSync()[0], 4);
  const ours = (saver.artifacts as ck.io.ModelArtifacts).weightSpecs?.filter((s) => s.group === 'optimizer') ?? [];
  assert.equal(ours.length, 9);
  // and back: the state tfjs holds, saved by tfjs, restores cnnkit's optimizer exactly
  let back: tf.io.ModelArtifacts | null = null;
  await tfModel.save(tf.io.withSaveHandler(async (art) => {
    back = art;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer: true });
  const again = await ck.loadLayersModel(ck.io.fromMemory(back as unknown as ck.io.ModelArtifacts));
  assert.equal(again.optimizer?.iterations, 4);
  assert.deepEqual((again.optimizer as ck.Optimizer).getWeights(again.trainableWeights).map((w) => Array.from(w.dataSync())), a);
});

test('weight decay survives a save and load (AdamW, SGD with L2), and tfjs still reads the file', async () => {
  ck.setBackendSync('reference');
  ck.clearSession();
  for (const [opt, want] of [
    [ck.train.adamw({ learningRate: 0.01 }), { className: 'Adam', weightDecay: 0.004, weightDecayMode: 'decoupled' }],
    [new ck.SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4, weightDecayMode: 'l2' }), { className: 'SGD', weightDecay: 5e-4, weightDecayMode: 'l2' }],
  ] as const) {
    const model = ck.sequential({ layers: [ck.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: opt, loss: 'meanSquaredError' });
    const saver = ck.io.memorySaver();
    await model.save(saver);
    const loaded = await ck.loadLayersModel(ck.io.fromMemory(saver.artifacts as ck.io.ModelArtifacts));
    const o = loaded.optimizer as unknown as { className: string; weightDecay: number; weightDecayMode: string };
    assert.deepEqual({ className: o.className, weightDecay: o.weightDecay, weightDecayMode: o.weightDecayMode }, want);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(saver.artifacts as tf.io.ModelArtifacts));
    assert.ok(tfModel.optimizer, 'tfjs compiles the model from the same training config');
  }
});

test('parameter groups and schedules survive a save and load: the loaded model trains on exactly as the original; tfjs still reads the file', async () => {
  ck.setBackendSync('reference');
  ck.clearSession();
  const S = ck.train.schedules;
  const build = (): ck.Sequential => {
    ck.setSeed(11);
    return ck.sequential({
      layers: [
        ck.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], name: 'conv' }),
        ck.layers.flatten(),
        ck.layers.dense({ units: 3, name: 'head' }),
      ],
    });
  };
  const model = build();
  const sgd = new ck.SGD({ learningRate: S.warmup(S.cosine({ initialLearningRate: 0.05, decaySteps: 20 }), { warmupSteps: 2 }), momentum: 0.9, nesterov: true });
  const [kernel, bias] = model.getLayer('conv').trainableWeights.map((v) => v.tensor);
  const [headKernel, headBias] = model.getLayer('head').trainableWeights.map((v) => v.tensor);
  sgd.paramGroup([kernel], { orthogonalize: true, normalizeWeights: true, newtonSchulzSteps: 3, momentum: 0.6, learningRate: S.piecewiseLinear([0, 10], [0.1, 0]) });
  sgd.paramGroup([bias], { trainable: false });
  sgd.paramGroup([headKernel], { learningRateScale: 2, weightDecay: 0.01 });
  sgd.paramGroup([headBias], { learningRate: 0.02 });
  model.compile({ optimizer: sgd, loss: 'meanSquaredError' });
  const r = new ck.Random(2);
  const x = ck.tensor(Float32Array.from({ length: 8 * 72 }, () => r.normal()), [8, 6, 6, 2]);
  const y = ck.tensor(Float32Array.from({ length: 24 }, () => r.normal()), [8, 3]);
  const fitOptions = { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 as const };
  await model.fit(x, y, fitOptions);
  const saver = ck.io.memorySaver();
  await model.save(saver, { includeOptimizer: true });
  const config = (saver.artifacts as ck.io.ModelArtifacts).trainingConfig?.optimizer_config.config as Record<string, unknown>;
  assert.deepEqual(Object.keys(config.paramGroups as object).sort(), ['conv/bias', 'conv/kernel', 'head/bias', 'head/kernel']);
  assert.equal((config.learningRateSchedule as { className: string }).className, 'Warmup');
  const loaded = await ck.loadLayersModel(ck.io.fromMemory(saver.artifacts as ck.io.ModelArtifacts));
  const o = loaded.optimizer as ck.SGD;
  const [lk, lb] = loaded.getLayer('conv').trainableWeights.map((v) => v.tensor);
  assert.equal(o.paramOptions(lb).trainable, false);
  assert.equal(o.paramOptions(lk).orthogonalize, true);
  // Two more epochs on both: the same weights (the momentum slots went through tfjs's form, a = −v/lr and back).
  await model.fit(x, y, fitOptions);
  await loaded.fit(x, y, fitOptions);
  const want = model.getWeights().map((w) => Array.from(w.dataSync()));
  const got = loaded.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(got[1], want[1], 'the frozen bias stayed as it was');
  for (let i = 0; i < want.length; i++) assert.ok(maxAbsDiff(got[i], want[i]) < 1e-6, `weight ${i}: ${maxAbsDiff(got[i], want[i])}`);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(saver.artifacts as tf.io.ModelArtifacts));
  assert.ok(tfModel.optimizer, 'tfjs compiles the model from the same training config');

  // A schedule that is a plain function: the file says so, and loading it with its optimizer state is refused by name.
  const plain = build();
  plain.compile({ optimizer: new ck.SGD({ learningRate: Object.assign((s: number) => 0.1 / (s + 1), { className: 'Mine', config: {} }), momentum: 0.5 }), loss: 'meanSquaredError' });
  await plain.fit(x, y, { ...fitOptions, epochs: 1 });
  const plainSaver = ck.io.memorySaver();
  await plain.save(plainSaver, { includeOptimizer: true });
  await assert.rejects(ck.loadLayersModel(ck.io.fromMemory(plainSaver.artifacts as ck.io.ModelArtifacts)), /learning-rate schedule was a plain function when saved/);
  // A group naming a variable the model lacks.
  const bad = structuredClone(saver.artifacts as ck.io.ModelArtifacts);
  const groups = (bad.trainingConfig?.optimizer_config.config as { paramGroups: Record<string, unknown> }).paramGroups;
  groups['conv/gamma'] = { trainable: false };
  await assert.rejects(ck.loadLayersModel(ck.io.fromMemory(bad)), /paramGroups name 'conv\/gamma', which is no variable of the model/);
});
