/** ONNX export checked by onnxruntime: the tutorial model and a model with every mapped layer. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-web';
import * as ck from '../src/index.js';
import { decodeModel } from '../src/io/onnx/proto.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-onnx-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function images(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const r = new ck.Random(seed);
  return Float32Array.from({ length: n * h * w * c }, () => r.int(256) / 255);
}

async function runOnnx(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
  return out.output.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('onnxruntime runs the exported tutorial model and matches cnnkit on 100 images', async (t) => {
  ck.setBackendSync('reference');
  ck.setSeed(11);
  ck.clearSession();
  const model = ck.tutorial.buildModel();
  const path = join(tmp, 'tutorial.onnx');
  const written = await ck.exportOnnx(model, path);
  const bytes = new Uint8Array(readFileSync(path));
  assert.equal(bytes.byteLength, written);
  const proto = decodeModel(bytes) as { opset_import: { version: number }[]; graph: { node: { op_type: string }[] } };
  assert.ok(proto.opset_import[0].version >= 13);
  assert.deepEqual([...new Set(proto.graph.node.map((n) => n.op_type))].sort(), ['Conv', 'Flatten', 'Gemm', 'Identity', 'MaxPool', 'Relu', 'Softmax', 'Transpose']);
  const n = 100;
  const x = images(n, 32, 32, 3, 5);
  const theirs = await runOnnx(bytes, x, [n, 32, 32, 3]);
  const ours = model.predict(ck.tensor(x, [n, 32, 32, 3])).dataSync();
  const diff = maxAbsDiff(theirs, ours);
  t.diagnostic(`onnxruntime vs cnnkit, tutorial model, ${n} images: max |Δp| = ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-4, `max difference ${diff}`);
});

test('every mapped layer: same padding with odd sizes and strides, average pooling, rescaling, dense on 4-D input', async (t) => {
  ck.setBackendSync('reference');
  ck.setSeed(12);
  const model = ck.sequential();
  model.add(ck.layers.rescaling({ scale: 1 / 255, inputShape: [11, 9, 2] }));
  model.add(ck.layers.conv2d({ filters: 3, kernelSize: [4, 3], strides: [2, 1], padding: 'same', activation: 'tanh' }));
  model.add(ck.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  model.add(ck.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  model.add(ck.layers.dense({ units: 4, activation: 'sigmoid' }));
  model.add(ck.layers.conv2d({ filters: 5, kernelSize: 2, useBias: false }));
  model.add(ck.layers.dropout({ rate: 0.5 }));
  model.add(ck.layers.flatten());
  model.add(ck.layers.dense({ units: 7 }));
  model.add(ck.layers.activation({ activation: 'softmax' }));
  const n = 9;
  const x = images(n, 11, 9, 2, 6).map((v) => Math.round(v * 255));
  const theirs = await runOnnx(ck.exportOnnxBytes(model), x, [n, 11, 9, 2]);
  const ours = model.predict(ck.tensor(x, [n, 11, 9, 2])).dataSync();
  const diff = maxAbsDiff(theirs, ours);
  t.diagnostic(`onnxruntime vs cnnkit, mixed model: max |Δp| = ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-4, `max difference ${diff}`);
});

test('exportOnnxFile converts a saved model folder (for the CLI export command)', async () => {
  ck.setBackendSync('reference');
  const model = ck.sequential();
  model.add(ck.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu' }));
  model.add(ck.layers.flatten());
  model.add(ck.layers.dense({ units: 3, activation: 'softmax' }));
  const dir = join(tmp, 'saved');
  await model.save(`file://${dir}`);
  const out = join(tmp, 'out', 'model.onnx');
  await ck.exportOnnxFile(dir, out);
  const x = images(2, 6, 6, 1, 9);
  const diff = maxAbsDiff(await runOnnx(new Uint8Array(readFileSync(out)), x, [2, 6, 6, 1]), model.predict(ck.tensor(x, [2, 6, 6, 1])).dataSync());
  assert.ok(diff < 1e-5, `max difference ${diff}`);
});
