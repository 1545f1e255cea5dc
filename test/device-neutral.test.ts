/**
 * The training loop needs no synchronous access to backend storage: a backend that refuses
 * `readSync` while armed (as a GPU backend would) trains, validates and reports through async
 * reads only. Also: generic kernels agree between the reference and WASM backends in every dtype.
 */
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { registerBackend, setBackendSync } from '../src/backend/engine.js';
import { ReferenceBackend } from '../src/backend/reference/index.js';
import { createWasmBackendSync } from '../src/backend/wasm/index.js';
import type { Backend, BinaryOp, DType, ReduceOp, Storage, UnaryOp } from '../src/backend/backend.js';
import { stridesOf } from '../src/backend/shape.js';
import { Random } from '../src/tensor/random.js';
import { makeFastRecipe } from '../src/applications/fast.js';

/** A backend whose readSync throws while `armed` (every other call goes to a WASM backend). */
function guardedBackend(): { backend: Backend; arm(on: boolean): void; syncReads: () => number } {
  const inner = createWasmBackendSync({ threads: 2, memoryMB: 256 });
  let armed = false, reads = 0;
  const backend = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'readSync')
        return (...args: Parameters<Backend['readSync']>) => {
          reads++;
          if (armed) throw new Error('synchronous read of backend storage during fit');
          return target.readSync(...args);
        };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Backend;
  return { backend, arm: (on) => (armed = on), syncReads: () => reads };
}

test('fit runs without synchronous reads of backend storage (validation, metrics, callbacks, resume-free)', async () => {
  const g = guardedBackend();
  registerBackend('guarded', { priority: 0, create: () => g.backend, createSync: () => g.backend });
  setBackendSync('guarded');
  try {
    ck.setSeed(3);
    const r = new Random(4);
    const n = 96;
    const x = ck.tensor(Uint8Array.from({ length: n * 8 * 8 * 3 }, () => r.int(256)), [n, 8, 8, 3], 'uint8');
    const y = ck.tensor(Int32Array.from({ length: n }, () => r.int(3)), [n], 'int32');
    const xf = ck.tensor(Float32Array.from({ length: 24 * 8 * 8 * 3 }, () => r.uniform()), [24, 8, 8, 3]);
    const yf = ck.tensor(Int32Array.from({ length: 24 }, () => r.int(3)), [24], 'int32');
    const model = ck.sequential({
      layers: [
        ck.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 3] }),
        ck.layers.maxPooling2d({ poolSize: 2 }),
        ck.layers.flatten(),
        ck.layers.dropout({ rate: 0.2 }),
        ck.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const batchLosses: number[] = [];
    g.arm(true);
    assert.throws(() => xf.dataSync(), /synchronous read/, 'the guard is armed');
    const before = g.syncReads();
    const history = await model.fit(x, y, {
      epochs: 2, batchSize: 16, rescale: 1 / 255, verbose: 0, validationData: [xf, yf],
      callbacks: { onBatchEnd: (_b, logs) => void batchLosses.push(logs?.loss ?? NaN) },
    });
    assert.equal(g.syncReads() - before, 0, 'fit read backend storage synchronously');
    g.arm(false);
    assert.equal(batchLosses.length, 12);
    assert.ok(batchLosses.every(Number.isFinite));
    assert.deepEqual(Object.keys(history.history), ['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    // Each batch's own loss (tfjs's batch logs): the epoch's loss is their mean (6 batches of 16).
    const epoch2 = batchLosses.slice(6).reduce((a, b) => a + b, 0) / 6;
    assert.ok(Math.abs(epoch2 - history.history.loss[1]) < 1e-5, `${epoch2} vs ${history.history.loss[1]}`);
  } finally {
    g.arm(false);
    setBackendSync('reference');
  }
});

test('fit with a backup each epoch and a checkpoint with the optimizer reads no backend storage synchronously; the checkpoint loads', async () => {
  const g = guardedBackend();
  registerBackend('guarded', { priority: 0, create: () => g.backend, createSync: () => g.backend });
  setBackendSync('guarded');
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-guarded-'));
  try {
    ck.setSeed(4);
    const r = new Random(6);
    const x = ck.tensor(Float32Array.from({ length: 32 * 6 * 6 * 2 }, () => r.normal()), [32, 6, 6, 2]);
    const y = ck.tensor(Int32Array.from({ length: 32 }, () => r.int(3)), [32], 'int32');
    const model = ck.sequential({ layers: [ck.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }), ck.layers.flatten(), ck.layers.dense({ units: 3 })] });
    model.compile({ optimizer: ck.train.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: ck.losses.sparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
    g.arm(true);
    const before = g.syncReads();
    await model.fit(x, y, {
      epochs: 2, batchSize: 8, verbose: 0,
      callbacks: [ck.callbacks.backupAndRestore({ backupDir: join(dir, 'backup'), deleteCheckpoint: false }), ck.callbacks.modelCheckpoint({ filepath: join(dir, 'last'), includeOptimizer: true })],
    });
    assert.equal(g.syncReads() - before, 0, 'fit (with its backups and checkpoints) read backend storage synchronously');
    g.arm(false);
    const loaded = await ck.loadLayersModel(`file://${join(dir, 'last')}`);
    assert.equal(loaded.optimizer?.iterations, 8);
    const want = model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(loaded.getWeights().map((w) => Array.from(w.dataSync())), want);
  } finally {
    g.arm(false);
    setBackendSync('reference');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fast recipe trains and predicts without synchronous reads of backend storage, with Muon (Newton–Schulz, weight renormalisation) and with SGD and lookahead', async () => {
  const g = guardedBackend();
  registerBackend('guarded', { priority: 0, create: () => g.backend, createSync: () => g.backend });
  setBackendSync('guarded');
  try {
    const r = new Random(5);
    const n = 40;
    const xTrain = ck.Tensor.host([n, 16, 16, 3], Uint8Array.from({ length: n * 768 }, () => r.int(256)));
    const yTrain = ck.tensor(Int32Array.from({ length: n }, (_, i) => i % 3), [n], 'int32');
    for (const settings of [{}, { muon: null, lookaheadStart: 0 }]) {
      const recipe = makeFastRecipe({ widths: [4, 8, 8], batchSize: 16, epochs: 2, tta: 1, ...settings }, 'fast-guarded');
      g.arm(true);
      const before = g.syncReads();
      const { model, history } = await recipe.train({ xTrain, yTrain, xVal: xTrain, yVal: yTrain, classNames: ['a', 'b', 'c'] }, { seed: 1, verbose: 0 });
      // Test-time augmentation (the recipe's predict) sums its views' outputs on the backend.
      const probs = recipe.predict(model, xTrain);
      assert.equal(g.syncReads() - before, 0, `training or predicting read backend storage synchronously (${JSON.stringify(settings)})`);
      g.arm(false);
      const p = await probs.data();
      for (let i = 0; i < n; i++) assert.ok(Math.abs(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2] - 1) < 1e-5, `probabilities of image ${i} sum to 1`);
      probs.dispose();
      assert.ok(history.history.loss.every(Number.isFinite));
      model.dispose();
    }
  } finally {
    g.arm(false);
    setBackendSync('reference');
  }
});

// Not generic kernels on WASM, so not here: GELU, exp and the activations of its SIMD activation
// kernel (sigmoid, tanh, elu, selu, swish, softplus, softsign, mish, hardSigmoid, leakyRelu), checked
// against the reference within 1e-6 of max(1, |value|) in wasm-kernels.test.ts; the exact ops of
// its SIMD unary kernel (neg, abs, square, sqrt, reciprocal, relu, relu6, floor, ceil) stay, as
// they must still agree bit for bit.
const UNARY: UnaryOp[] = [
  'neg', 'abs', 'sign', 'square', 'sqrt', 'rsqrt', 'reciprocal', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh',
  'asinh', 'acosh', 'atanh', 'floor', 'ceil', 'round', 'erf', 'relu', 'relu6', 'logSigmoid',
  'geluTanh', 'step', 'clip', 'affine', 'isNaN', 'isInf', 'isFinite', 'logicalNot',
];
const BINARY: BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference', 'atan2', 'divNoNan', 'equal', 'notEqual', 'less', 'lessEqual',
  'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalXor',
];
const REDUCE: ReduceOp[] = ['sum', 'mean', 'prod', 'max', 'min', 'any', 'all', 'argMax', 'argMin'];

test('generic kernels: WASM equals the reference bit for bit, in every dtype, inside and outside steps', () => {
  const ref = new ReferenceBackend(), wasm = createWasmBackendSync({ threads: 2, memoryMB: 64 });
  const r = new Random(8);
  const vals = (n: number, dtype: DType): number[] =>
    Array.from({ length: n }, () => (dtype === 'bool' ? r.int(2) : dtype === 'int32' ? r.int(19) - 9 : r.uniform() * 6 - 3));
  const run = (f: (b: Backend, put: (v: number[], d: DType) => Storage, alloc: (n: number, d: DType) => Storage) => Storage[]): void => {
    const outs = [ref, wasm].map((b) => f(b, (v, d) => {
      const s = b.alloc(v.length, d);
      b.write(s, v);
      return s;
    }, (n, d) => b.alloc(n, d)).map((s) => Array.from(b.readSync(s))));
    assert.deepEqual(outs[1], outs[0]);
  };
  for (const step of [false, true]) {
    if (step) wasm.beginStep();
    const a = vals(24, 'float32'), b = vals(4, 'float32'), ai = vals(24, 'int32'), bb = vals(24, 'bool');
    for (const op of UNARY)
      run((be, put, alloc) => {
        const y = alloc(24, op.startsWith('is') || op === 'logicalNot' ? 'bool' : 'float32');
        be.unary(op, put(op === 'logicalNot' ? bb : a, op === 'logicalNot' ? 'bool' : 'float32'), y, 24, op === 'clip' ? [-1, 1] : op === 'affine' ? [2, 1] : [0.3]);
        return [y];
      });
    const shape = [2, 3, 4], info = { shape, strides: [stridesOf(shape), [0, 0, 1]] };
    for (const op of BINARY)
      for (const d of ['float32', 'int32'] as DType[])
        run((be, put, alloc) => {
          const logical = op.startsWith('logical'), cmp = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'].includes(op);
          const inType: DType = logical ? 'bool' : d;
          const y = alloc(24, logical || cmp ? 'bool' : d);
          be.binary(op, put(logical ? bb : d === 'int32' ? ai : a, inType), put(logical ? [1, 0, 1, 0] : d === 'int32' ? [3, -2, 5, 1] : b, inType), y, info);
          return [y];
        });
    run((be, put, alloc) => {
      const y = alloc(24, 'float32');
      be.where(put(bb, 'bool'), put(a, 'float32'), put(b, 'float32'), y, { shape, strides: [stridesOf(shape), stridesOf(shape), [0, 0, 1]] });
      return [y];
    });
    for (const [from, to] of [['float32', 'int32'], ['float32', 'bool'], ['int32', 'float32'], ['bool', 'float32'], ['int32', 'bool']] as [DType, DType][]) {
      const v = vals(24, from);
      run((be, put, alloc) => {
        const y = alloc(24, to);
        be.cast(put(v, from), y, 24);
        return [y];
      });
    }
    for (const op of REDUCE)
      run((be, put, alloc) => {
        const logical = op === 'any' || op === 'all';
        const y = alloc(6, logical ? 'bool' : op.startsWith('arg') ? 'int32' : 'float32');
        be.reduce(op, put(logical ? bb : a, logical ? 'bool' : 'float32'), y, 6, 4);
        return [y];
      });
    const base = vals(24, 'float32');
    run((be, put, alloc) => {
      const src = put(ai, 'int32'), dst = alloc(40, 'int32'), acc = put(base, 'float32');
      be.stridedCopy(src, 23, [-1, -4], dst, 3, [1, 6], [4, 3]);
      be.stridedCopy(put(a, 'float32'), 0, [0, 1], acc, 0, [4, 1], [6, 4], true);
      const idx = put([2, 0, -1, 5, 1], 'int32'), g = alloc(2 * 5 * 2, 'float32'), s = alloc(24, 'float32');
      be.gather(put(a, 'float32'), idx, g, 2, 6, 2, 5);
      be.scatterAdd(g, idx, s, 2, 6, 2, 5);
      const u = alloc(50, 'float32');
      be.randomUniform(u, 50, 12345);
      const f = alloc(10, 'int32');
      be.fill(f, 7, 4, 3);
      return [dst, acc, g, s, u, f];
    });
    if (step) wasm.endStep();
  }
  wasm.dispose();
});
