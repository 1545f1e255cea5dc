/**
 * Training speed of the fast recipe's network (not a test), beside bench/peers/pytorch_fast.py
 * `train`: random uint8 images, batch B, Nesterov SGD, the recipe's loss, epochs of 3 steps for at
 * least S seconds after a warm-up epoch (the first steps touch the step arena's fresh memory). The
 * whitening layer is initialised from the images as the recipe does, so activations have the
 * scale of a real run (0-255 pixels through random weights would not).
 * As in the recipe and the peer, the whitening weights are held still (no gradient); PHASE 'late'
 * holds its bias still too, as from epoch 4 of the recipe (then no gradient reaches the first
 * layers), 'early' trains the bias, as in epochs 1-3.
 * Prints one JSON object with images/s by wall clock and process CPU seconds per image.
 * usage: node dist/bench/fast-speed.js [BATCH=1024] [SECONDS=60] [THREADS=2] [WIDTHS=64,128,128] [PHASE=early|late]
 */
import * as ck from '../src/index.js';
import { buildFastModel } from '../src/applications/fast.js';
import { patchWhitening } from '../src/layers/init/whitening.js';

const [batchArg = '1024', secondsArg = '60', threadsArg = '2', widthsArg = '64,128,128', phase = 'early'] = process.argv.slice(2);
if (phase !== 'early' && phase !== 'late') throw new Error(`fast-speed: PHASE must be early or late. Received ${phase}`);
const batch = Number(batchArg), seconds = Number(secondsArg), threads = Number(threadsArg);
const widths = widthsArg.split(',').map(Number);
await ck.setBackend('wasm', { threads, memoryMB: 3500 });
ck.setSeed(0);
const model = buildFastModel([32, 32, 3], 10, widths);
const optimizer = ck.train.sgd({ learningRate: 0.1, momentum: 0.85, nesterov: true });
model.compile({ optimizer, loss: ck.losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }) });
const [whitenKernel, whitenBias] = model.getLayer('whiten').trainableWeights.map((v) => v.tensor);
optimizer.paramGroup(phase === 'late' ? [whitenKernel, whitenBias] : [whitenKernel], { trainable: false });
const rng = new ck.Random(1);
const PER_EPOCH = 3;
const n = batch * PER_EPOCH;
const x = ck.Tensor.host([n, 32, 32, 3], Uint8Array.from({ length: n * 3072 }, () => rng.int(256)));
const { kernel, bias } = patchWhitening(x, { kernelSize: 2, maxImages: 1000 });
model.getLayer('whiten').setWeights([kernel, bias]);
const y = ck.oneHot(ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32'), 10);
const epoch = (): Promise<unknown> => model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
await epoch();
let steps = 0;
const c0 = process.cpuUsage(), t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  await epoch();
  steps += PER_EPOCH;
}
const wall = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0);
console.log(JSON.stringify({
  engine: 'cnnkit-wasm', threads, batch, widths, phase, steps, imagesPerSecond: (steps * batch) / wall,
  cpuSecondsPerImage: (cpu.user + cpu.system) / 1e6 / (steps * batch), peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
ck.getBackend().dispose();
