/**
 * One cnnkit measurement in its own process (so peak RSS is its own): training or inference
 * images/s of the tutorial CNN, or of a ResNet of bench/models.ts (as bench/peers/pytorch_resnet.py:
 * `resnet`, basic blocks with stride-2 downsampling, BLOCKS per stage; `resnet9`, DAWNBench's
 * ResNet-9 at 64/128/256). Prints one JSON object.
 * usage: node dist/bench/engines/cnnkit.js BACKEND THREADS train|predict BATCH SECONDS [tutorial|resnet|resnet9] [BLOCKS]
 */
import * as ck from '../../src/index.js';
import { resnet, resnet9 } from '../models.js';

const [backend = 'wasm', threadsArg = '2', mode = 'train', batchArg = '32', secondsArg = '10', modelName = 'tutorial', blocksArg = '1'] = process.argv.slice(2);
const threads = Number(threadsArg), batch = Number(batchArg), seconds = Number(secondsArg), blocks = Number(blocksArg);

ck.setBackendSync(backend, { threads });
ck.setSeed(0);
const models: Record<string, () => ck.LayersModel> = { tutorial: () => ck.tutorial.buildModel(), resnet: () => resnet(blocks), resnet9 };
if (!(modelName in models)) throw new Error(`model must be one of ${Object.keys(models).join(', ')}. Received ${modelName}`);
const model = models[modelName]();
model.compile({ optimizer: ck.train.adam(1e-3, 0.9, 0.999, 1e-7), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
if (process.env.CNNKIT_BENCH_SUMMARY) model.summary();
const rng = new ck.Random(1);
// The reference backend takes seconds per batch: a couple of batches is enough there.
const batches = mode === 'train' ? (backend === 'reference' ? 2 : 16) : 1;
const n = batch * batches;
const x = ck.tensor(Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), [n, 32, 32, 3], 'uint8');
const y = ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32');

async function once(): Promise<number> {
  if (mode === 'train') await model.fit(x, y, { epochs: 1, batchSize: batch, rescale: 1 / 255, verbose: 0, shuffle: false });
  else (model.predict(x, { batchSize: batch, rescale: 1 / 255 }) as ck.Tensor).dispose();
  return n;
}

// Warm-up: compiles, first-touch of the arenas, worker start-up.
await once();
let images = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) images += await once();
const elapsed = (performance.now() - start) / 1000;
console.log(JSON.stringify({
  engine: `cnnkit-${backend}`, model: modelName, ...(modelName === 'resnet' ? { blocks } : {}), threads: ck.getBackend().threads, mode, batch,
  imagesPerSecond: images / elapsed, peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
ck.getBackend().dispose();
