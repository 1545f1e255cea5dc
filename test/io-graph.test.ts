/**
 * Graph models in files: real tfjs loads cnnkit's graph model and cnnkit loads tfjs's, predicting
 * the same; a custom layer registered in both libraries is saved, loaded and run from the same
 * source; ONNX export of a graph checked by onnxruntime; checkpoints of a graph model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import * as ck from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-io-graph-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
await tf.setBackend('cpu');
ck.setBackendSync('reference');

const sym = (x: ck.SymbolicTensor | ck.SymbolicTensor[]): ck.SymbolicTensor => x as ck.SymbolicTensor;

function values(n: number, seed: number): Float32Array {
  const r = new ck.Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform() * 2 - 1);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function tfjsArtifacts(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved as unknown as tf.io.ModelArtifacts;
}

/** A two-input, two-output graph with every merge layer (tfjs 4.22 has no Subtract: optional), built by cnnkit. */
function mergesModel(withSubtract = true): ck.LayersModel {
  const img = ck.input({ shape: [6, 6, 2], name: 'img' });
  const v = ck.input({ shape: [4], name: 'vec' });
  const a = sym(ck.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(img));
  const b = sym(ck.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'tanh' }).apply(img));
  const merged = [
    ck.layers.add(), ...(withSubtract ? [ck.layers.subtract()] : []), ck.layers.multiply(), ck.layers.average(), ck.layers.maximum(), ck.layers.minimum(),
  ].map((l) => sym(l.apply([a, b])));
  const cat = sym(ck.layers.concatenate({ axis: -1 }).apply(merged));
  const pooled = sym(ck.layers.averagePooling2d({ poolSize: 2 }).apply(sym(ck.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(cat))));
  const flat = sym(ck.layers.flatten().apply(pooled));
  // A shared layer: called twice, its second call is node 1.
  const shared = ck.layers.dense({ units: 4, activation: 'sigmoid', name: 'shared' });
  const dv = sym(shared.apply(sym(shared.apply(v))));
  const joined = sym(ck.layers.concatenate().apply([flat, dv]));
  const probs = sym(ck.layers.dense({ units: 4, activation: 'softmax', name: 'probs' }).apply(joined));
  const value = sym(ck.layers.dense({ units: 1, name: 'value' }).apply(dv));
  return ck.model({ inputs: [img, v], outputs: [probs, value], name: 'merges' });
}

const n = 5;
const xImg = values(n * 6 * 6 * 2, 1), xVec = values(n * 4, 2);

test('real tfjs loads cnnkit\'s graph model (merge layers, two inputs, two outputs) and predicts the same', async (t) => {
  ck.setSeed(21);
  const model = mergesModel(false);
  model.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'], metrics: { probs: ['acc'] } });
  const dir = join(tmp, 'merges');
  await model.save(`file://${dir}`);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.modelTopology.class_name, 'Model');
  assert.deepEqual(json.modelTopology.config.input_layers, [['img', 0, 0], ['vec', 0, 0]]);
  assert.deepEqual(json.modelTopology.config.output_layers, [['probs', 0, 0], ['value', 0, 0]]);
  const add = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'Add');
  assert.deepEqual(add.inbound_nodes, [[['conv2d', 0, 0, {}], ['conv2d_1', 0, 0, {}]]]);
  const shared = json.modelTopology.config.layers.find((l: { name: string }) => l.name === 'shared');
  assert.deepEqual(shared.inbound_nodes, [[['vec', 0, 0, {}]], [['shared', 0, 0, {}]]]);
  const bin = readFileSync(join(dir, 'group1-shard1of1.bin'));
  const theirs = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
  assert.deepEqual(theirs.layers.map((l) => l.name), model.layers.map((l) => l.name));
  const tp = theirs.predict([tf.tensor4d(xImg, [n, 6, 6, 2]), tf.tensor2d(xVec, [n, 4])]) as tf.Tensor[];
  const op = model.predict([ck.tensor(xImg, [n, 6, 6, 2]), ck.tensor(xVec, [n, 4])]) as ck.Tensor[];
  const d = Math.max(maxAbsDiff(tp[0].dataSync(), op[0].dataSync()), maxAbsDiff(tp[1].dataSync(), op[1].dataSync()));
  t.diagnostic(`cnnkit graph model → tfjs: max |Δp| = ${d.toExponential(2)} over ${n}×(4+1) outputs`);
  assert.ok(d < 1e-5, `max difference ${d}`);
  // and back: cnnkit reads its own file into the same graph, compile settings included
  const again = await ck.loadLayersModel(join(dir, 'model.json'));
  assert.deepEqual(again.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.deepEqual(again.lossFunctions.map((l) => l.name), ['sparseCategoricalCrossentropy', 'meanSquaredError']);
  assert.deepEqual(again.outputMetrics, [['acc'], []]);
  const ap = again.predict([ck.tensor(xImg, [n, 6, 6, 2]), ck.tensor(xVec, [n, 4])]) as ck.Tensor[];
  assert.equal(maxAbsDiff(ap[0].dataSync(), op[0].dataSync()), 0);
});

test('cnnkit loads a graph model built and saved by tfjs and predicts the same', async (t) => {
  const img = tf.input({ shape: [6, 6, 2], name: 'pic' });
  const v = tf.input({ shape: [4], name: 'features' });
  const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(img) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(c) as tf.SymbolicTensor;
  const res = tf.layers.add().apply([c, c2]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ activation: 'relu' }).apply(res) as tf.SymbolicTensor;
  const mx = tf.layers.maximum().apply([act, tf.layers.multiply().apply([c, c2]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(mx) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(pooled) as tf.SymbolicTensor;
  const sharedDense = tf.layers.dense({ units: 4, activation: 'tanh' });
  const dv0 = sharedDense.apply(v) as tf.SymbolicTensor;
  const dv = tf.layers.dense({ units: 5, activation: 'tanh' }).apply(sharedDense.apply(dv0) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([flat, tf.layers.dropout({ rate: 0.2 }).apply(dv) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(joined) as tf.SymbolicTensor;
  const aux = tf.layers.dense({ units: 2 }).apply(tf.layers.average().apply([dv, tf.layers.dense({ units: 5 }).apply(dv) as tf.SymbolicTensor]) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const m = tf.model({ inputs: [img, v], outputs: [out, aux] });
  const a = await tfjsArtifacts(m);
  assert.equal((a.modelTopology as { class_name: string }).class_name, 'Model');
  const ours = await ck.loadLayersModel(ck.io.fromMemory(a as unknown as ck.io.ModelArtifacts));
  assert.deepEqual(ours.layers.map((l) => l.getClassName()), m.layers.map((l) => l.getClassName()));
  const tp = m.predict([tf.tensor4d(xImg, [n, 6, 6, 2]), tf.tensor2d(xVec, [n, 4])]) as tf.Tensor[];
  const op = ours.predict([ck.tensor(xImg, [n, 6, 6, 2]), ck.tensor(xVec, [n, 4])]) as ck.Tensor[];
  const d = Math.max(maxAbsDiff(tp[0].dataSync(), op[0].dataSync()), maxAbsDiff(tp[1].dataSync(), op[1].dataSync()));
  t.diagnostic(`tfjs graph model → cnnkit: max |Δp| = ${d.toExponential(2)} over ${n}×(3+2) outputs`);
  assert.ok(d < 1e-5, `max difference ${d}`);
  // A tfjs file naming the class 'Functional' (as Keras 2.4+ writes) reads the same.
  const functional = { ...(a.modelTopology as object), class_name: 'Functional' };
  const again = await ck.loadLayersModel(ck.io.fromMemory({ ...a, modelTopology: functional } as unknown as ck.io.ModelArtifacts));
  assert.equal(again.layers.length, ours.layers.length);
});

test('graph files that refer to missing layers or calls are refused by name, without looping', async () => {
  ck.setSeed(22);
  const saver = ck.io.memorySaver();
  await mergesModel().save(saver);
  const base = JSON.stringify(saver.artifacts?.modelTopology);
  const load = (edit: (t: { config: { layers: { name: string; inbound_nodes: unknown[] }[]; output_layers: unknown[] } }) => void): Promise<unknown> => {
    const topo = JSON.parse(base);
    edit(topo);
    return ck.loadLayersModel(ck.io.fromMemory({ ...(saver.artifacts as ck.io.ModelArtifacts), modelTopology: topo }));
  };
  await assert.rejects(load((t) => (t.config.layers[3].inbound_nodes = [[['nowhere', 0, 0, {}]]])), /its input names layer 'nowhere', which the model does not list/);
  await assert.rejects(load((t) => (t.config.layers[3].inbound_nodes = [[['img', 4, 0, {}]]])), /its inputs refer to calls that no layer makes \(img\[4\]\[0\]\)/);
  await assert.rejects(load((t) => (t.config.output_layers = [['probs', 0, 3]])), /output_layers\[0\] refers to probs\[0\]\[3\], which does not exist/);
  await assert.rejects(load((t) => (t.config.layers[3].inbound_nodes = [[['img', 0, 0, { mask: null }]]])), /call argument 'mask' is not supported/);
});

/**
 * A custom layer written once against a library's namespace, so the same source runs in tfjs and
 * in cnnkit: y = x · scale + shift per channel, with learnable scale and a configured shift.
 */
function defineScaleShift(lib: { layers: { Layer: typeof ck.layers.Layer }; initializers: { ones(): unknown }; mul(a: unknown, b: unknown): unknown; add(a: unknown, b: unknown): unknown }) {
  class ScaleShift extends lib.layers.Layer {
    static className = 'ScaleShift';
    shift: number;
    scale: { read(): unknown } | null = null;
    constructor(config: { shift?: number; name?: string }) {
      super(config);
      this.shift = config.shift ?? 0;
    }
    override build(inputShape: ck.Shape | ck.Shape[]): void {
      const s = inputShape as ck.Shape;
      this.scale = (this as unknown as { addWeight(...a: unknown[]): { read(): unknown } }).addWeight('scale', [s[s.length - 1]], 'float32', lib.initializers.ones());
    }
    override computeOutputShape(inputShape: ck.Shape | ck.Shape[]): ck.Shape | ck.Shape[] {
      return inputShape;
    }
    override call(inputs: ck.Tensor | ck.Tensor[]): ck.Tensor {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return lib.add(lib.mul(x, (this.scale as { read(): unknown }).read()), this.shift) as ck.Tensor;
    }
    override getConfig(): ck.serialization.ConfigDict {
      return { ...super.getConfig(), shift: this.shift };
    }
  }
  return ScaleShift;
}

test('custom layers: subclass ck.layers.Layer, register, use in a graph model, save, load; the same source runs in tfjs', async (t) => {
  const CkScaleShift = defineScaleShift({ layers: ck.layers, initializers: ck.initializers, mul: ck.ops.mul, add: ck.ops.add } as never);
  ck.serialization.registerClass(CkScaleShift as never);
  const TfScaleShift = defineScaleShift({ layers: tf.layers as never, initializers: tf.initializers as never, mul: tf.mul as never, add: tf.add as never });
  tf.serialization.registerClass(TfScaleShift as never);

  ck.setSeed(23);
  const x = ck.input({ shape: [4, 4, 2], name: 'x' });
  const conv = sym(ck.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x));
  const scaled = sym(new CkScaleShift({ shift: 0.25, name: 'scale_shift' }).apply(conv));
  const out = sym(ck.layers.dense({ units: 2, activation: 'softmax' }).apply(sym(ck.layers.flatten().apply(scaled))));
  const model = ck.model({ inputs: x, outputs: out });
  assert.equal(model.countParams(), 2 * 9 * 3 + 3 + 3 + 48 * 2 + 2);
  // Train a little so the custom weight moves away from its initial ones.
  model.compile({ optimizer: ck.train.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
  const data = ck.tensor(values(8 * 32, 3), [8, 4, 4, 2]);
  await model.fit(data, ck.tensor([0, 1, 0, 1, 1, 0, 1, 0], [8], 'int32'), { epochs: 3, batchSize: 4, verbose: 0 });
  const scale = model.getLayer('scale_shift').getWeights()[0].dataSync();
  assert.ok(Array.from(scale).some((v) => Math.abs(v - 1) > 1e-3), 'the custom weight trained');

  const saver = ck.io.memorySaver();
  await model.save(saver);
  const a = saver.artifacts as ck.io.ModelArtifacts;
  const entry = (a.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers.find((l) => l.class_name === 'ScaleShift');
  assert.equal(entry?.config.shift, 0.25);
  const loaded = await ck.loadLayersModel(ck.io.fromMemory(a));
  const probe = ck.tensor(values(3 * 32, 4), [3, 4, 4, 2]);
  const mine = (model.predict(probe) as ck.Tensor).dataSync();
  assert.deepEqual((loaded.predict(probe) as ck.Tensor).dataSync(), mine);
  // tfjs runs the same class from the same source on cnnkit's file.
  const theirs = await tf.loadLayersModel(tf.io.fromMemory(a as unknown as tf.io.ModelArtifacts));
  const d = maxAbsDiff((theirs.predict(tf.tensor4d(probe.dataSync(), [3, 4, 4, 2])) as tf.Tensor).dataSync(), mine);
  t.diagnostic(`custom layer model, cnnkit vs tfjs: max |Δp| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-5, `max difference ${d}`);
  // An unregistered class in a file is refused with the way out.
  const unknown = JSON.parse(JSON.stringify(a.modelTopology).replace(/"ScaleShift"/g, '"Unregistered"'));
  await assert.rejects(ck.loadLayersModel(ck.io.fromMemory({ ...a, modelTopology: unknown })), /class 'Unregistered', which cnnkit does not support.*register them with ck\.serialization\.registerClass/);
});

test('ONNX export of a graph model (two inputs and outputs, merges, concatenation) runs in onnxruntime and matches', async (t) => {
  ck.setSeed(24);
  const model = mergesModel();
  const path = join(tmp, 'merges.onnx');
  await ck.exportOnnx(model, path);
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
  assert.deepEqual(session.inputNames, ['img', 'vec']);
  assert.deepEqual(session.outputNames, ['probs', 'value']);
  const res = await session.run({ img: new ort.Tensor('float32', xImg, [n, 6, 6, 2]), vec: new ort.Tensor('float32', xVec, [n, 4]) });
  const op = model.predict([ck.tensor(xImg, [n, 6, 6, 2]), ck.tensor(xVec, [n, 4])]) as ck.Tensor[];
  const d = Math.max(maxAbsDiff(res.probs.data as Float32Array, op[0].dataSync()), maxAbsDiff(res.value.data as Float32Array, op[1].dataSync()));
  t.diagnostic(`onnxruntime vs cnnkit, graph model: max |Δ| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-4, `max difference ${d}`);
});

test('modelCheckpoint and backupAndRestore work on a graph model', async () => {
  ck.setSeed(25);
  const x = ck.input({ shape: [3] });
  const h = sym(ck.layers.dense({ units: 4, activation: 'relu' }).apply(x));
  const out = sym(ck.layers.dense({ units: 2, activation: 'softmax' }).apply(sym(ck.layers.add().apply([h, sym(ck.layers.dense({ units: 4 }).apply(h))]))));
  const model = ck.model({ inputs: x, outputs: out });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = ck.tensor(values(24, 5), [8, 3]), ys = ck.tensor([0, 1, 1, 0, 1, 0, 0, 1], [8], 'int32');
  const best = join(tmp, 'ckpt');
  const backup = ck.callbacks.backupAndRestore({ backupDir: join(tmp, 'backup'), deleteCheckpoint: false });
  await model.fit(xs, ys, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [ck.callbacks.modelCheckpoint({ filepath: best, monitor: 'loss', saveBestOnly: false }), backup] });
  const loaded = await ck.loadLayersModel(join(best, 'model.json'));
  assert.deepEqual((loaded.predict(xs) as ck.Tensor).dataSync(), (model.predict(xs) as ck.Tensor).dataSync());
  // A fresh run with the same backup goes on from epoch 2 with the saved weights.
  const again = await ck.loadLayersModel(join(best, 'model.json'));
  again.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const resumed = ck.callbacks.backupAndRestore({ backupDir: join(tmp, 'backup') });
  const hist = await again.fit(xs, ys, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [resumed] });
  assert.equal(resumed.restoredEpoch, 2);
  assert.deepEqual(hist.epoch, [0, 1, 2]);
});
