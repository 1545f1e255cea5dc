/**
 * The fast recipe's parts: the patch-whitening initialisation (its outputs are white), lookahead
 * averaging (the formula, step by step), augmentation (reflect padding, flips, seeded), test-time
 * augmentation (the average of the views' logits), the memory check, and a short training run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { FAST_MUON, buildFastModel, fastRecipeMemoryMB, makeFastRecipe, stepBytesPerImage } from '../src/applications/fast.js';
import { augmentBatch, testTimeAugmentation } from '../src/applications/fast-augment.js';
import { patchWhitening, symmetricEigen } from '../src/layers/init/whitening.js';

ck.setBackendSync('reference');

test('symmetricEigen reconstructs the matrix with orthonormal vectors, largest eigenvalue first', () => {
  const n = 5, rng = new ck.Random(3);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
  const { values, vectors } = symmetricEigen(a, n);
  for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let r = 0, dot = 0;
      for (let k = 0; k < n; k++) {
        r += vectors[k * n + i] * values[k] * vectors[k * n + j];
        dot += vectors[i * n + k] * vectors[j * n + k];
      }
      assert.ok(Math.abs(r - a[i * n + j]) < 1e-9, `A[${i},${j}]`);
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `VVᵀ[${i},${j}]`);
    }
});

test('patchWhitening: the first half of the outputs has zero mean and identity covariance, the second half is its negative', () => {
  const rng = new ck.Random(7);
  const [n, h, w, c] = [40, 8, 8, 3];
  // Correlated channels and neighbouring pixels, on a 0-255 scale.
  const img = new Uint8Array(n * h * w * c);
  for (let i = 0; i < n * h * w; i++) {
    const base = 60 + 120 * rng.uniform() + (i % w > 0 ? 0.5 * img[(i - 1) * c] : 0);
    for (let k = 0; k < c; k++) img[i * c + k] = Math.min(255, Math.round(base * (0.5 + 0.2 * k) + 20 * rng.uniform()));
  }
  const images = ck.tensor(img, [n, h, w, c], 'uint8' as 'int32');
  const { kernel, bias } = patchWhitening(images, { kernelSize: 2, epsilon: 0 });
  assert.deepEqual(kernel.shape, [2, 2, 3, 24]);
  const conv = ck.layers.conv2d({ filters: 24, kernelSize: 2, inputShape: [h, w, c] });
  const model = ck.sequential({ layers: [conv] });
  conv.setWeights([kernel, bias]);
  const out = (model.predict(ck.cast(images, 'float32')) as ck.Tensor).dataSync() as Float32Array;
  const rows = out.length / 24;
  for (let i = 0; i < 12; i++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += out[r * 24 + i] / rows;
    assert.ok(Math.abs(mean) < 1e-3, `mean of output ${i}: ${mean}`);
    for (let j = 0; j < 12; j++) {
      let cov = 0;
      for (let r = 0; r < rows; r++) cov += (out[r * 24 + i] * out[r * 24 + j]) / rows;
      assert.ok(Math.abs(cov - (i === j ? 1 : 0)) < 2e-3, `cov[${i},${j}] = ${cov}`);
    }
    for (let r = 0; r < rows; r += 97) assert.ok(Math.abs(out[r * 24 + i] + out[r * 24 + i + 12]) < 1e-4);
  }
  assert.throws(() => patchWhitening(ck.zeros([2, 1, 1, 3])), /at least 2x2 pixels/);
  assert.throws(() => patchWhitening(images, { eps: 1 } as object), /unknown option 'eps'/);
});

test('lookahead: every k steps avg ← d·avg + (1 − d)·w is copied into the weights; the model keeps the average', () => {
  const w = ck.tensor([1, 2]);
  const fake = { weights: [w], trainableWeights: [w], stopTraining: false, getWeights: () => [w], setWeights: () => undefined };
  const la = ck.callbacks.lookahead({ every: 2, decay: (s: number) => s / 10, startStep: 2 });
  la.setModel(fake);
  la.onTrainBegin();
  let avg: number[] | null = null;
  for (let step = 1; step <= 7; step++) {
    const v = Array.from(w.dataSync()).map((x) => x + step); // a training step moves the weights
    w.backend.write(w.storage, v);
    la.onBatchEnd();
    if (step % 2 === 0) {
      const d = step / 10;
      avg = avg === null ? v : avg.map((a, i) => d * a + (1 - d) * v[i]);
      assert.deepEqual(Array.from(w.dataSync()), avg.map((x) => Math.fround(x)));
    }
  }
  w.backend.write(w.storage, [100, 100]);
  la.onTrainEnd();
  const final = Array.from(w.dataSync());
  (avg as number[]).forEach((a, i) => assert.ok(Math.abs(final[i] - a) < 1e-5));
  assert.throws(() => ck.callbacks.lookahead({ every: 0 }), /every must be a positive integer/);
  assert.throws(() => ck.callbacks.lookahead({ decay: 2 }), /decay must be in \[0, 1\]/);
});

test('lookahead syncOnEpochEnd: the weights are the average after each epoch\'s last batch, and a restart at an epoch goes on as the whole run', () => {
  const run = (from: number, params: Record<string, unknown> = { steps: 3, epochs: 3 }): number[][] => {
    const w = ck.tensor([1, 2]);
    const fake = { weights: [w], trainableWeights: [w], stopTraining: false, getWeights: () => [w], setWeights: () => undefined };
    const la = ck.callbacks.lookahead({ every: 2, decay: (s: number) => s / 10, startStep: 2, syncOnEpochEnd: true });
    la.setModel(fake);
    la.setParams(params);
    la.onTrainBegin();
    // A restart at epoch `from` finds the weights the whole run had there (restored from a backup).
    if (from > 0) w.backend.write(w.storage, seen[from * 3 - 1]);
    const out: number[][] = [];
    for (let epoch = from; epoch < 3; epoch++) {
      la.onEpochBegin(epoch);
      for (let b = 0; b < 3; b++) {
        const step = epoch * 3 + b + 1;
        w.backend.write(w.storage, Array.from(w.dataSync()).map((x) => x + step * step));
        la.onBatchEnd(b);
        out.push(Array.from(w.dataSync()));
      }
    }
    la.onTrainEnd();
    return out;
  };
  const seen: number[][] = [];
  seen.push(...run(0));
  // Steps 2, 4, 6, 8 update the average; after step 3 (epoch 1's end) the weights are the average of step 2, not step 3's.
  const avg2 = seen[1];
  assert.deepEqual(seen[2], avg2);
  const v4 = seen[2].map((x) => x + 16);
  assert.deepEqual(seen[3], v4.map((x, i) => Math.fround(0.4 * avg2[i] + 0.6 * x)));
  assert.deepEqual(run(1), seen.slice(3));
  assert.deepEqual(run(2), seen.slice(6));
  // fit on arrays gives steps null (as tfjs) with samples and batchSize: 3 batches of 4 for 10 samples.
  assert.deepEqual(run(2, { steps: null, samples: 10, batchSize: 4, epochs: 3 }), seen.slice(6));
  assert.throws(() => ck.callbacks.lookahead({ syncOnEpochEnd: 1 as unknown as boolean }), /syncOnEpochEnd must be true or false/);
});

test('augmentBatch: reflect-padded translations and flips, reproducible from the seed', () => {
  // One 4x4 single-channel image with distinct pixels.
  const src = Uint8Array.from({ length: 16 }, (_, i) => i);
  const reflect = (i: number): number => (i < 0 ? -i : i > 3 ? 6 - i : i);
  for (const flip of [false, true]) {
    const out = new Uint8Array(16 * 20);
    const rng = new ck.Random(5), replay = new ck.Random(5);
    augmentBatch(src, [1, 4, 4, 1], new Int32Array(20), out, rng, () => flip);
    for (let b = 0; b < 20; b++) {
      const dy = replay.int(5) - 2, dx = replay.int(5) - 2;
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) assert.equal(out[b * 16 + y * 4 + x], src[reflect(y + dy) * 4 + reflect((flip ? 3 - x : x) + dx)], `view ${b} (${dy}, ${dx}) at ${y},${x}`);
    }
    const again = new Uint8Array(16 * 20);
    augmentBatch(src, [1, 4, 4, 1], new Int32Array(20), again, new ck.Random(5), () => flip);
    assert.deepEqual(again, out);
  }
});

test('testTimeAugmentation averages the logits of the mirror images (level 1) and returns probabilities', () => {
  ck.setSeed(2);
  const model = buildFastModel([16, 16, 3], 4, [4, 4, 4]);
  const rng = new ck.Random(1);
  const pixels = Uint8Array.from({ length: 3 * 16 * 16 * 3 }, () => rng.int(256));
  const images = ck.Tensor.host([3, 16, 16, 3], pixels);
  const mirrored = new Uint8Array(pixels.length);
  for (let i = 0; i < 3; i++) for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) for (let c = 0; c < 3; c++) mirrored[((i * 16 + y) * 16 + x) * 3 + c] = pixels[((i * 16 + y) * 16 + 15 - x) * 3 + c];
  const a = (model.predict(images) as ck.Tensor).dataSync(), b = (model.predict(ck.Tensor.host([3, 16, 16, 3], mirrored)) as ck.Tensor).dataSync();
  const tta = testTimeAugmentation(model, images, { level: 1, output: 'logits' }).dataSync();
  tta.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * (a[i] + b[i])) < 1e-6, `logit ${i}`));
  const probs = ck.testTimeAugmentation(model, images);
  assert.throws(() => ck.testTimeAugmentation(model, images, { level: 3 as 0 }), /level must be 0, 1 or 2/);
  assert.throws(() => ck.testTimeAugmentation(model, ck.zeros([3, 16, 16, 3])), /images must be uint8/);
  assert.deepEqual(probs.shape, [3, 4]);
  for (let r = 0; r < 3; r++) assert.ok(Math.abs(Array.from(probs.dataSync().slice(r * 4, r * 4 + 4)).reduce((s, v) => s + v, 0) - 1) < 1e-6);
});

test('the network: airbench93 widths give its parameter count; its memory estimate; identity-initialised convolutions', () => {
  const model = buildFastModel([32, 32, 3], 10);
  // The PyTorch peer's 569,656 parameters plus 2 x 64 + 4 x 128 BatchNorm moving statistics (buffers there).
  assert.equal(model.countParams(), 569_656 - 64 * 2 - 128 * 4 + 2 * (64 * 2 + 128 * 4));
  const mib = stepBytesPerImage(model) / 1048576;
  assert.ok(mib > 1.8 && mib < 2.3, `${mib} MiB per image`);
  // A step of 1024 measured 1,993 MiB of arena and 55 MiB of persistent memory on the WASM backend.
  const total = fastRecipeMemoryMB([32, 32, 3], 10);
  assert.ok(total > 2048 && total < 2600, `${total} MiB`);
  const kernel = model.getLayer('block2_conv2').getWeights()[0].dataSync();
  // [3, 3, 128, 128]: filter o < 128 is the identity at the centre tap.
  assert.equal(kernel[(4 * 128 + 5) * 128 + 5], 1);
  assert.equal(kernel[(4 * 128 + 5) * 128 + 6], 0);
  assert.equal(kernel[(0 * 128 + 5) * 128 + 5], 0);
});

test("recipes.get('fast') trains (a short run on random images) and predicts probabilities", async () => {
  assert.equal(ck.recipes.get('fast').name, 'fast');
  const recipe = makeFastRecipe({ widths: [4, 8, 8], batchSize: 16, epochs: 2, tta: 1 }, 'fast-test');
  const rng = new ck.Random(4);
  const n = 40;
  const xTrain = ck.Tensor.host([n, 16, 16, 3], Uint8Array.from({ length: n * 768 }, () => rng.int(256)));
  const yTrain = ck.tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
  const seen: number[] = [];
  const { model, history } = await recipe.train(
    { xTrain, yTrain, xVal: xTrain, yVal: yTrain, classNames: ['a', 'b', 'c'] },
    { seed: 1, verbose: 0, callbacks: [{ onEpochEnd: (e) => void seen.push(e) }] },
  );
  assert.deepEqual(seen, [0, 1]);
  assert.equal(history.history.val_accuracy.length, 2);
  assert.ok(history.history.loss.every(Number.isFinite));
  const probs = recipe.predict(model, xTrain);
  assert.deepEqual(probs.shape, [n, 3]);
  await assert.rejects(recipe.train({ xTrain, yTrain, xVal: null, yVal: null, classNames: ['a', 'b', 'c'] }, { batchSize: 64 }), /needs at least one batch of 64/);
});

test("recipes.get('fast-wide'): the longer setting, airbench94_muon's widths 64/256/256 for 10 epochs, with the memory it needs", () => {
  const r = ck.recipes.get('fast-wide');
  assert.ok(ck.recipes.names().includes('fast-wide'));
  assert.equal(r.defaultEpochs, 10);
  assert.equal(r.batchSize, 1024);
  assert.match(r.summary, /widths 64\/256\/256.*Muon.*10 epochs at batch 1024/);
  // 312 + 13,824 + 36,864 + 147,456 + 3 x 589,824 weights of the convolutions, 2,560 of the head, 3 x (64 + 64 + 256 x 4) of BatchNorm.
  assert.equal(r.build([32, 32, 3], 10).countParams(), 1_973_944);
  assert.equal(r.memoryMB?.([32, 32, 3], 10, 1024), fastRecipeMemoryMB([32, 32, 3], 10, { widths: [64, 256, 256] }));
  assert.ok((r.memoryMB?.([32, 32, 3], 10, 1024) ?? 0) > (ck.recipes.get('fast').memoryMB?.([32, 32, 3], 10, 1024) ?? Infinity));
});

test("the recipe's memoryMB does not create the default backend, so the size it gives can still be configured (cnnkit train --recipe fast)", async () => {
  const { spawnSync } = await import('node:child_process');
  const index = new URL('../src/index.js', import.meta.url).href;
  // A fresh process: no backend yet, as in the CLI before it configures the default one.
  const script = `const ck = await import(${JSON.stringify(index)});
const mb = ck.recipes.get('fast').memoryMB([32, 32, 3], 10, 1024);
ck.configureDefaultBackend(null, { threads: 1, memoryMB: mb });
await ck.ready();
console.log(JSON.stringify({ mb, backend: ck.getBackendName(), reservedMB: ck.getBackend().memory().reservedBytes / 1048576 }));
ck.getBackend().dispose();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { mb: number; backend: string; reservedMB: number };
  assert.ok(out.mb > 2000, `memoryMB ${out.mb}`);
  assert.equal(out.backend, 'wasm');
  assert.ok(out.reservedMB >= out.mb, `the WASM backend reserved ${out.reservedMB} MiB, asked for ${out.mb}`);
});

for (const muon of [null, FAST_MUON]) test(`the fast recipe (${muon ? 'Muon' : 'SGD with lookahead'}) resumed from an epoch backup ends with the weights and history of the uninterrupted run`, async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-fast-resume-'));
  // 4 steps per epoch, 4 epochs: lookahead updates at steps 5, 10, 15 (from step 2 on); the
  // whitening bias trains in epoch 1 only; the kill comes after epoch 2's backup (step 8).
  // With Muon: the filters' orthogonalized steps and every group's rate follow the step counter.
  const recipe = makeFastRecipe({ widths: [4, 8, 8], batchSize: 16, epochs: 4, tta: 0, whiteningBiasEpochs: 1, muon, ...(muon ? {} : { lookaheadStart: 0.125 }) }, 'fast-test');
  const rng = new ck.Random(4);
  const n = 64;
  const xTrain = ck.Tensor.host([n, 16, 16, 3], Uint8Array.from({ length: n * 768 }, () => rng.int(256)));
  const yTrain = ck.tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
  const data = { xTrain, yTrain, xVal: xTrain, yVal: yTrain, classNames: ['a', 'b', 'c'] };
  const weightsOf = (m: ck.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync() as Float32Array));
  try {
    ck.clearSession();
    const whole = await recipe.train(data, { seed: 3, verbose: 0 });
    const backupDir = join(dir, 'backup');
    ck.clearSession();
    await assert.rejects(recipe.train(data, {
      seed: 3, verbose: 0,
      callbacks: [ck.callbacks.backupAndRestore({ backupDir }), { onEpochEnd: (e: number) => { if (e === 1) throw new Error('killed after epoch 2'); } }],
    }), /killed after epoch 2/);
    ck.clearSession();
    const epochs: number[] = [];
    const resumed = await recipe.train(data, { seed: 3, verbose: 0, callbacks: [ck.callbacks.backupAndRestore({ backupDir }), { onEpochBegin: (e: number) => void epochs.push(e) }] });
    assert.deepEqual(epochs, [2, 3]);
    assert.deepEqual(resumed.history.history.loss, whole.history.history.loss);
    assert.deepEqual(resumed.history.history.val_accuracy, whole.history.history.val_accuracy);
    const a = weightsOf(whole.model), b = weightsOf(resumed.model);
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.deepEqual(b[i], w, `weight ${i} (${whole.model.getWeights()[i].shape.join('x')}) differs after resuming`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with Muon the recipe refuses the SGD training\'s settings instead of ignoring them', () => {
  assert.throws(() => makeFastRecipe({ learningRate: 2 }), /recipe 'fast': learningRate is for the SGD training \(muon: null\)/);
  assert.throws(() => makeFastRecipe({ biasScale: 32, lookaheadStart: 0.5 }), /biasScale, lookaheadStart are for the SGD training/);
  assert.doesNotThrow(() => makeFastRecipe({ muon: null, learningRate: 2 }));
});
