/**
 * The tutorial CNN trained on the WASM backend agrees with the reference backend (loss within 1e-4
 * relative; one plain gradient step's weight changes within 1e-4 of each tensor's largest change),
 * and 1- and 2-thread runs with the same seed give bit-identical weights after several steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { assertAllClose } from './helpers/core.js';
import type { WasmBackendOptions } from '../src/backend/wasm/index.js';

interface Run {
  losses: number[];
  weights: Float32Array[];
  /** The weights before training. */
  initial: Float32Array[];
}

async function train(backend: string, options: WasmBackendOptions, batch: number, steps: number, optimizer: 'adam' | 'sgd' = 'adam'): Promise<Run> {
  ck.setBackendSync(backend, options);
  ck.setSeed(0);
  const model = ck.tutorial.buildModel();
  // SGD with learning rate 1: a step changes each weight by minus its gradient.
  model.compile({ optimizer: optimizer === 'sgd' ? ck.train.sgd(1) : 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const initial = model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
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
  return { losses, weights, initial };
}

test('one training step of the tutorial CNN on wasm matches the reference within 1e-4', async () => {
  const batch = 8;
  const want = await train('reference', {}, batch, 1, 'sgd');
  for (const threads of [1, 2]) {
    const got = await train('wasm', { threads, memoryMB: 256 }, batch, 1, 'sgd');
    assert.equal(got.losses.length, 1);
    assert.ok(Number.isFinite(want.losses[0]), 'reference loss is finite');
    assert.ok(Math.abs(got.losses[0] - want.losses[0]) <= 1e-4 * Math.abs(want.losses[0]), `loss ${got.losses[0]} vs reference ${want.losses[0]}`);
    assert.equal(got.weights.length, want.weights.length);
    // The step's change of each weight (its gradient), relative to the tensor's largest change: the
    // convolutions may run as Winograd transforms, whose rounding is relative to the sums, not to each term.
    got.weights.forEach((_, i) => {
      assert.deepEqual(got.initial[i], want.initial[i], `initial weights ${i}`);
      const delta = (r: Run): Float32Array => r.weights[i].map((v, j) => v - r.initial[i][j]);
      const wantDelta = delta(want), scale = wantDelta.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scale > 0, `weights ${i} change in the step`);
      assertAllClose(delta(got), wantDelta, 1e-4, 1e-4 * scale, `weight change ${i} (${threads} thread(s))`);
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
