/**
 * The tutorial CNN trained on the WASM backend agrees with the reference backend (loss within 1e-4
 * relative; updated weights within 1e-4 of each weight tensor's largest magnitude), and 1- and 2-thread runs with the same
 * seed give bit-identical weights after several steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { assertAllClose } from './helpers/core.js';
import type { WasmBackendOptions } from '../src/backend/wasm/index.js';

interface Run {
  losses: number[];
  weights: Float32Array[];
}

async function train(backend: string, options: WasmBackendOptions, batch: number, steps: number): Promise<Run> {
  ck.setBackendSync(backend, options);
  ck.setSeed(0);
  const model = ck.tutorial.buildModel();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const rng = new ck.Random(7);
  const n = batch * steps;
  const x = ck.tensor(Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), [n, 32, 32, 3], 'uint8');
  const y = ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32');
  const losses: number[] = [];
  await model.fit(x, y, {
    epochs: 1, batchSize: batch, rescale: 1 / 255, verbose: 0, shuffle: false,
    callbacks: { onBatchEnd: (_b: number, logs?: Record<string, number>) => void losses.push(logs?.loss ?? NaN) },
  });
  const weights = model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
  ck.getBackend().dispose();
  return { losses, weights };
}

test('one training step of the tutorial CNN on wasm matches the reference within 1e-4', async () => {
  const batch = 8;
  const want = await train('reference', {}, batch, 1);
  for (const threads of [1, 2]) {
    const got = await train('wasm', { threads, memoryMB: 256 }, batch, 1);
    assert.equal(got.losses.length, 1);
    assert.ok(Number.isFinite(want.losses[0]), 'reference loss is finite');
    assert.ok(Math.abs(got.losses[0] - want.losses[0]) <= 1e-4 * Math.abs(want.losses[0]), `loss ${got.losses[0]} vs reference ${want.losses[0]}`);
    assert.equal(got.weights.length, want.weights.length);
    // Relative to each tensor's largest weight: Adam's first step moves every weight by about lr·g/(|g| + ε),
    // so a weight that ends near zero carries the rounding of its tiny gradient, not of its own value.
    got.weights.forEach((w, i) => {
      const scale = want.weights[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assertAllClose(w, want.weights[i], 1e-4, 1e-4 * scale, `weights ${i} (${threads} thread(s))`);
    });
  }
});

test('1 and 2 threads with the same seed give identical weights after several steps', async () => {
  const one = await train('wasm', { threads: 1, memoryMB: 256 }, 32, 4);
  const two = await train('wasm', { threads: 2, memoryMB: 256, adaptive: false }, 32, 4);
  assert.deepEqual(two.losses, one.losses);
  one.weights.forEach((w, i) => assert.ok(Buffer.from(w.buffer).equals(Buffer.from(two.weights[i].buffer)), `weights ${i} differ`));
  ck.setBackendSync('reference');
});
