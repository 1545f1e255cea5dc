/**
 * The WASM backend's memory (zeroed allocation in every dtype, step arena that stops growing), thread
 * determinism (1 and 2 threads give bit-identical results), registration and clean process exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo, pool2dInfo } from '../src/backend/shape.js';
import { backendNames, getBackend, setBackend, setBackendSync } from '../src/backend/index.js';
import type { Backend, Storage } from '../src/backend/backend.js';
import { Random } from '../src/tensor/random.js';

const rng = new Random(99);

/** Fills a storage of backend `w` with uniform values in [-1, 1). */
function fillRandom(w: Backend, s: Storage, r: Random = rng): Storage {
  w.write(s, Float32Array.from({ length: s.size }, () => r.uniform() * 2 - 1));
  return s;
}

test('alloc gives zeros, also for reused persistent and arena memory, in every dtype', () => {
  const w = createWasmBackendSync({ threads: 1, memoryMB: 16 });
  const a = fillRandom(w, w.alloc(1000));
  const before = w.memory().persistentBytes;
  w.free(a);
  assert.ok(w.memory().persistentBytes < before, 'free returns persistent bytes');
  const b = w.alloc(1000);
  assert.ok(w.readSync(b).every((v) => v === 0), 'reused persistent block is zeroed');
  w.write(b, [3, 4], 10);
  assert.deepEqual([...w.readSync(b, 9, 4)], [0, 3, 4, 0], 'write at an offset changes only its elements');
  for (let step = 0; step < 2; step++) {
    w.beginStep();
    const s = w.alloc(777);
    assert.ok(w.readSync(s).every((x) => x === 0), `step ${step}: arena block is zeroed`);
    fillRandom(w, s);
    const i = w.alloc(33, 'int32'), q = w.alloc(35, 'bool');
    assert.ok(w.readSync(i).every((x) => x === 0) && w.readSync(q).every((x) => x === 0), `step ${step}: int32 and bool blocks are zeroed`);
    assert.ok(w.readSync(i) instanceof Int32Array && w.readSync(q) instanceof Uint8Array);
    w.write(i, Array.from({ length: 33 }, (_, k) => k - 7));
    w.write(q, Array.from({ length: 35 }, (_, k) => k % 3));
    w.free(s);
    w.endStep();
  }
  assert.throws(() => w.alloc(8 * 1024 * 1024), /memoryMB/);
  w.dispose();
});

test('reused step memory reads as zeros in kernels too: accumulating outputs, partial writes, views', () => {
  const w = createWasmBackendSync({ threads: 2, memoryMB: 16 });
  const a = fillRandom(w, w.alloc(6 * 5)), b = fillRandom(w, w.alloc(5 * 7));
  const run = (): Float32Array[] => {
    w.beginStep();
    const c = w.alloc(6 * 7);
    w.gemm(a, b, c, 6, 7, 5, false, false, true);
    const partial = w.alloc(50);
    w.fill(partial, 2, 20);
    const whole = w.alloc(40);
    w.stridedCopy(a, 0, [1], whole, 5, [1], [5], true);
    const g = w.alloc(64), db = w.alloc(8);
    w.biasGrad(g, db, 8, 8, true);
    const res = [w.readSync(c), w.readSync(partial), w.readSync(whole, 10, 10), w.readSync(db)] as Float32Array[];
    // Dirty everything for the next step.
    for (const s of [c, partial, whole, g, db]) w.fill(s, 9, s.size);
    w.endStep();
    return res;
  };
  const first = run();
  const second = run();
  second.forEach((r, i) => assert.deepEqual(r, first[i], `result ${i} differs once the arena holds old data`));
  assert.ok(second[1].subarray(20).every((x) => x === 0), 'a partial overwrite leaves zeros after it');
  assert.ok(second[2].every((x) => x === 0) && second[3].every((x) => x === 0), 'untouched elements and accumulators start from zeros');
  w.dispose();
});

/** One forward/backward pass of a small conv net built from kernel calls, in a step. */
function trainingStep(w: Backend, params: Storage[], batch: number, r: Random = rng): number {
  const [k1, k2, dense] = params;
  const c1 = conv2dInfo({ batch, inH: 16, inW: 16, inC: 3, outC: 8, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: 'same' });
  const p1 = pool2dInfo({ batch, inH: 16, inW: 16, channels: 8, kH: 2, kW: 2, strideH: 2, strideW: 2, padding: 'valid' });
  const c2 = conv2dInfo({ batch, inH: 8, inW: 8, inC: 8, outC: 16, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: 'same' });
  w.beginStep();
  const x = fillRandom(w, w.alloc(batch * 16 * 16 * 3), r);
  const y1 = w.alloc(batch * 16 * 16 * 8);
  w.conv2d(x, k1, y1, c1);
  w.biasActivation(y1, null, y1, batch * 256, 8, 'relu');
  const q1 = w.alloc(batch * 64 * 8);
  w.maxPool(y1, q1, p1);
  const y2 = w.alloc(batch * 16 * 16);
  w.conv2d(q1, k2, y2, c2);
  const logits = w.alloc(batch * 10);
  w.gemm(y2, dense, logits, batch, 10, 256, false, false, false);
  const labels = w.alloc(batch, 'int32');
  w.write(labels, Array.from({ length: batch }, (_, i) => i % 10));
  const losses = w.alloc(batch), dl = w.alloc(batch * 10), mean = w.alloc(1);
  w.softmaxCrossEntropy(logits, labels, losses, dl, batch, 10, 1 / batch);
  w.reduce('mean', losses, mean, 1, batch);
  const loss = w.readSync(mean)[0];
  const dDense = w.alloc(256 * 10), dy2 = w.alloc(batch * 256);
  w.gemm(y2, dl, dDense, 256, 10, batch, true, false, false);
  w.gemm(dl, dense, dy2, batch, 256, 10, false, true, false);
  const dk2 = w.alloc(k2.size), dq1 = w.alloc(q1.size), dy1 = w.alloc(y1.size), dk1 = w.alloc(k1.size);
  w.conv2dBackpropFilter(q1, dy2, dk2, c2, false);
  w.conv2dBackpropInput(dy2, k2, dq1, c2, false);
  w.maxPoolBackward(y1, dq1, dy1, p1, false);
  w.activationBackward(y1, dy1, dy1, y1.size, 'relu', false);
  w.conv2dBackpropFilter(x, dy1, dk1, c1, false);
  w.sgdUpdate(k1, dk1, null, k1.size, 0.01, 0, false);
  w.sgdUpdate(k2, dk2, null, k2.size, 0.01, 0, false);
  w.sgdUpdate(dense, dDense, null, dense.size, 0.01, 0, false);
  w.endStep();
  return loss;
}

test('the step arena high-water mark and persistent bytes stop growing once a step repeats', () => {
  const w = createWasmBackendSync({ threads: 2, memoryMB: 64 });
  const params = [fillRandom(w, w.alloc(3 * 3 * 3 * 8)), fillRandom(w, w.alloc(3 * 3 * 8 * 16)), fillRandom(w, w.alloc(256 * 10))];
  trainingStep(w, params, 20);
  const first = w.memory();
  assert.ok(first.arenaHighWater > 20 * 16 * 16 * 8 * 4, 'the step used the arena');
  for (let i = 0; i < 4; i++) {
    trainingStep(w, params, 20);
    assert.equal(w.memory().arenaHighWater, first.arenaHighWater, `arena high-water after step ${i + 2}`);
    assert.equal(w.memory().persistentBytes, first.persistentBytes, `persistent bytes after step ${i + 2}`);
  }
  w.dispose();
});

function bits(w: Backend, s: Storage): Buffer {
  const d = w.readSync(s);
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

test('1 and 2 threads give bit-identical GEMM, convolution and training results', () => {
  const runs = [1, 2].map((threads) => {
    const w = createWasmBackendSync({ threads, memoryMB: 128, adaptive: false });
    w.waitForWorkers();
    return w;
  });
  const outputs = runs.map((w: WasmBackend) => {
    const r = new Random(5);
    const rand = (n: number) => {
      return fillRandom(w, w.alloc(n), r);
    };
    const out: Buffer[] = [];
    for (const [m, n, k, tA, tB] of [[300, 64, 288, false, false], [27, 32, 28800, true, false], [32, 1024, 64, false, true], [1024, 64, 32, true, false]] as const) {
      const c = rand(m * n);
      w.gemm(rand(m * k), rand(k * n), c, m, n, k, tA, tB, true);
      out.push(bits(w, c));
    }
    // im2col (RGB input), Winograd for all three kernels, Winograd forward and filter gradient, Winograd with 'same'.
    for (const [batch, hw, inC, outC, padding] of [[32, 32, 3, 32, 'valid'], [32, 15, 32, 64, 'valid'], [8, 6, 64, 64, 'valid'], [6, 9, 8, 12, 'same']] as const) {
      const info = conv2dInfo({ batch, inH: hw, inW: hw, inC, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding });
      const x = rand(batch * hw * hw * inC), k = rand(9 * inC * outC), dy = rand(batch * info.outH * info.outW * outC);
      const y = w.alloc(dy.size), dx = w.alloc(x.size), dk = w.alloc(k.size);
      w.conv2d(x, k, y, info);
      w.conv2dBackpropInput(dy, k, dx, info, false);
      w.conv2dBackpropFilter(x, dy, dk, info, false);
      out.push(bits(w, y), bits(w, dx), bits(w, dk));
    }
    const params = [rand(3 * 3 * 3 * 8), rand(3 * 3 * 8 * 16), rand(256 * 10)];
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push(trainingStep(w, params, 24, r));
    out.push(...params.map((p) => bits(w, p)), Buffer.from(new Float64Array(losses).buffer));
    return out;
  });
  for (let i = 0; i < outputs[0].length; i++) assert.ok(outputs[0][i].equals(outputs[1][i]), `output ${i} differs between 1 and 2 threads`);
  for (const w of runs) w.dispose();
});

test('wasm is the default backend and the reference stays selectable', async () => {
  assert.equal(backendNames()[0], 'wasm');
  assert.equal(getBackend().name, 'wasm');
  assert.equal(setBackendSync('reference').name, 'reference');
  assert.equal(getBackend().name, 'reference');
  await setBackend('wasm', { threads: 1, memoryMB: 32 });
  assert.equal(getBackend().name, 'wasm');
  assert.equal(getBackend().threads, 1);
  setBackendSync('reference');
});

test('workers do not keep Node.js alive', () => {
  const url = new URL('../src/backend/wasm/index.js', import.meta.url).href;
  const code = `import(${JSON.stringify(url)}).then((m) => { const b = m.createWasmBackendSync({ threads: 2, memoryMB: 16 }); b.waitForWorkers(); console.log('ready', b.threads); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ready 2/);
});
