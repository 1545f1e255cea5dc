/**
 * Element-wise and layout ops on the WASM backend (not a test): nanoseconds per element of the
 * activations and their gradients (4 M elements, best of 3), and of tfjs-style tensor ops on 1,000
 * CIFAR-sized images; or, with `net ACTIVATION`, training images/s of the tutorial's CNN with that
 * activation in its convolutions and hidden Dense layer (batch 32).
 * usage: node dist/bench/elementwise.js [ops|tensors|net ACTIVATION] [THREADS=2]
 */
import * as ck from '../src/index.js';
import type { DifferentiableUnaryOp, Storage } from '../src/backend/backend.js';
import type { ActivationName } from '../src/layers/activations.js';

const [mode = 'ops', a1, a2] = process.argv.slice(2);
const threads = Number((mode === 'net' ? a2 : a1) ?? '2');
if (!['ops', 'tensors', 'net'].includes(mode)) throw new Error(`elementwise: mode must be ops, tensors or net. Received ${mode}`);
ck.setBackendSync('wasm', { threads, memoryMB: 1024 });

function best(f: () => void, repeats = 3): number {
  let t = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

if (mode === 'ops') {
  const be = ck.getBackend();
  const n = 1 << 22;
  const st = (t: ck.Tensor): Storage => t.storage;
  const x = ck.randomNormal([n]), dy = ck.randomNormal([n]), y = ck.zeros([n]), dx = ck.zeros([n]);
  const ops: DifferentiableUnaryOp[] = ['relu', 'relu6', 'gelu', 'elu', 'selu', 'swish', 'sigmoid', 'tanh', 'softplus', 'mish', 'leakyRelu', 'hardSigmoid', 'softsign', 'exp', 'square', 'sqrt', 'log'];
  console.log(`${n} elements, ${be.threads} thread(s), ns per element (best of 3)`);
  for (const op of ops) {
    const params = op === 'leakyRelu' ? [0.2] : op === 'elu' ? [1] : undefined;
    const input = op === 'sqrt' || op === 'log' ? ck.abs(x) : x;
    const f = best(() => be.unary(op, st(input), st(y), n, params));
    const b = best(() => be.unaryBackward(op, st(input), st(y), st(dy), st(dx), n, false, params));
    console.log(`${op.padEnd(12)} forward ${(f * 1e6 / n).toFixed(2).padStart(6)}   gradient ${(b * 1e6 / n).toFixed(2).padStart(6)}`);
  }
} else if (mode === 'tensors') {
  const n = 1000;
  const u8 = ck.tensor(Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 7919) % 256), [n, 32, 32, 3], 'uint8');
  const x = ck.cast(u8, 'float32');
  const mean = ck.tensor([0.5, 0.4, 0.3]);
  const idx = ck.tensor(Int32Array.from({ length: n }, (_, i) => (i * 37) % n), [n], 'int32');
  const cases: Record<string, () => ck.Tensor> = {
    'cast uint8 -> float32': () => ck.cast(u8, 'float32'),
    'div by a scalar': () => ck.div(x, 255),
    'sub a [3] row': () => ck.sub(x, mean),
    'relu': () => ck.relu(x),
    'sigmoid': () => ck.sigmoid(x),
    'exp': () => ck.exp(ck.div(x, 300)),
    'log': () => ck.log(ck.add(x, 1)),
    'sum over 3 axes': () => ck.mean(x, [0, 1, 2]),
    'transpose 0,3,1,2': () => ck.transpose(x, [0, 3, 1, 2]),
    'slice 28x28': () => ck.slice(x, [0, 2, 2, 0], [n, 28, 28, 3]),
    'concat channels': () => ck.concat([x, x], 3),
    'gather images': () => ck.gather(x, idx),
    'reverse width': () => ck.reverse(x, 2),
    'mirrorPad 2': () => ck.mirrorPad(x, [[0, 0], [2, 2], [2, 2], [0, 0]], 'reflect'),
    'where': () => ck.where(ck.greater(x, 100), x, ck.zerosLike(x)),
    'clipByValue': () => ck.clipByValue(x, 10, 200),
  };
  console.log(`${n} images of 32x32x3, ns per input element (best of 3)`);
  for (const [name, f] of Object.entries(cases)) {
    const t = best(() => ck.tidy(f).dispose());
    console.log(`${name.padEnd(24)} ${(t * 1e6 / (n * 3072)).toFixed(2).padStart(7)}`);
  }
} else {
  const act = a1 as ActivationName;
  if (!act) throw new Error('elementwise: net needs an ACTIVATION, such as swish');
  ck.setSeed(0);
  const model = ck.sequential({
    layers: [
      ck.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, activation: act }),
      ck.layers.maxPooling2d({ poolSize: 2 }),
      ck.layers.conv2d({ filters: 64, kernelSize: 3, activation: act }),
      ck.layers.maxPooling2d({ poolSize: 2 }),
      ck.layers.conv2d({ filters: 64, kernelSize: 3, activation: act }),
      ck.layers.flatten(), ck.layers.dense({ units: 64, activation: act }), ck.layers.dense({ units: 10 }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: ck.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  const rng = new ck.Random(1);
  const count = 32 * 40;
  const xs = ck.tensor(Uint8Array.from({ length: count * 3072 }, () => rng.int(256)), [count, 32, 32, 3], 'uint8');
  const ys = ck.tensor(Int32Array.from({ length: count }, () => rng.int(10)), [count], 'int32');
  await model.fit(xs, ys, { epochs: 1, batchSize: 32, rescale: 1 / 255, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xs, ys, { epochs: 2, batchSize: 32, rescale: 1 / 255, verbose: 0 });
  console.log(JSON.stringify({ activation: act, threads: ck.getBackend().threads, batch: 32, imagesPerSecond: (2 * count) / ((performance.now() - t0) / 1000) }));
}
ck.getBackend().dispose();
