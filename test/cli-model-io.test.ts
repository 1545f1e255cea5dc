import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ck from '../src/index.js';
import { classNamesFor, evaluateAndReport, loadModel, predictAndReport } from '../src/cli/model-io.js';
import type { Io } from '../src/cli/common.js';
import { CIFAR10_CLASSES } from '../src/data/index.js';
import { buildFastModel } from '../src/applications/fast.js';
import { patchWhitening } from '../src/layers/init/whitening.js';

function captureIo(): Io & { text(): string } {
  let buf = '';
  return { out: (s) => { buf += s; }, err: (s) => { buf += s; }, isTTY: false, color: false, env: {}, columns: 80, text: () => buf };
}

function pictures(n: number): Uint8Array {
  const a = new Uint8Array(n * 3072);
  for (let i = 0; i < a.length; i++) a[i] = (i * 13) % 256;
  return a;
}

test('predictAndReport prints the top three classes with probabilities', async () => {
  ck.setSeed(3);
  await ck.ready();
  const model = ck.tutorial.buildModel();
  assert.deepEqual(classNamesFor(model), [...CIFAR10_CLASSES]);
  const io = captureIo();
  const data = pictures(2);
  const pics = [0, 1].map((i) => ({ width: 32, height: 32, data: data.subarray(i * 3072, (i + 1) * 3072) }));
  const result = predictAndReport(io, model, ['a.jpg', 'b.png'], pics);
  assert.equal(result.length, 2);
  for (const r of result) {
    assert.equal(r.top.length, 3);
    assert.ok(r.top[0].probability >= r.top[1].probability && r.top[1].probability >= r.top[2].probability);
    assert.ok(r.top.every((t) => CIFAR10_CLASSES.includes(t.name as (typeof CIFAR10_CLASSES)[number])));
  }
  assert.match(io.text(), /^a\.jpg\n {2}1\. \w+ +\d+\.\d%\n {2}2\. \w+ +\d+\.\d%\n {2}3\. \w+ +\d+\.\d%\nb\.png\n/);
  assert.throws(() => predictAndReport(io, model, ['big.png'], [{ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) }]), /32x32/);
});

test('evaluateAndReport prints test loss, accuracy and a per-class table', async () => {
  await ck.ready();
  const model = ck.tutorial.buildModel();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const io = captureIo();
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
  const r = evaluateAndReport(io, model, { images: pictures(20), labels, count: 20 }, [...CIFAR10_CLASSES], 8);
  assert.ok(Number.isFinite(r.loss) && r.accuracy >= 0 && r.accuracy <= 1);
  assert.equal(r.perClass.length, 10);
  assert.match(io.text(), /test loss: \d+\.\d{4}\ntest accuracy: \d\.\d{4}\n/);
  assert.match(io.text(), /class\s+images\s+correct\s+accuracy\n/);
  assert.match(io.text(), /\nairplane\s+2\s+\d\s+\d+\.\d%\n/);
});

test("a fast-recipe model is evaluated and predicted the recipe's way: 0-255 pixels, softmax of its logits, test-time augmentation", async () => {
  await ck.ready();
  ck.setSeed(5);
  const model = buildFastModel([32, 32, 3], 10, [8, 8, 8]);
  const images = pictures(20);
  const x = ck.Tensor.host([20, 32, 32, 3], images);
  const { kernel, bias } = patchWhitening(x, { maxImages: 20 });
  model.getLayer('whiten').setWeights([kernel, bias]);
  model.setUserDefinedMetadata({ recipe: 'fast' });
  const expected = ck.recipes.get('fast').predict(model, x).dataSync();
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
  let loss = 0, correct = 0;
  for (let i = 0; i < 20; i++) {
    const row = Array.from(expected.subarray(i * 10, i * 10 + 10));
    loss -= Math.log(Math.min(Math.max(row[labels[i]], 1e-7), 1 - 1e-7)) / 20;
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  const io = captureIo();
  const r = evaluateAndReport(io, model, { images, labels, count: 20 }, [...CIFAR10_CLASSES], 8);
  assert.ok(Math.abs(r.loss - loss) < 1e-6, `loss ${r.loss}, the recipe's probabilities give ${loss}`);
  assert.equal(r.accuracy, correct / 20);
  const pics = [0, 1].map((i) => ({ width: 32, height: 32, data: images.subarray(i * 3072, (i + 1) * 3072) }));
  const predicted = predictAndReport(captureIo(), model, ['a.png', 'b.png'], pics, 10);
  predicted.forEach((p, i) => {
    assert.ok(Math.abs(p.top.reduce((sum, t) => sum + t.probability, 0) - 1) < 1e-5, 'probabilities, not logits');
    for (const t of p.top) assert.ok(Math.abs(t.probability - expected[i * 10 + CIFAR10_CLASSES.indexOf(t.name as (typeof CIFAR10_CLASSES)[number])]) < 1e-6, `${t.name}`);
  });
});

test('loadModel names what is wrong with --model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-model-'));
  try {
    await assert.rejects(loadModel(join(dir, 'nope')), /--model .*nope: no such file or folder/);
    await assert.rejects(loadModel(dir), /no model\.json in this folder/);
    writeFileSync(join(dir, 'model.json'), '{}');
    // Either the library loads models (and rejects this empty one) or it says loading is not available.
    await assert.rejects(loadModel(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
