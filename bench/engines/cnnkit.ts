/**
 * One cnnkit measurement in its own process (so peak RSS is its own): training or inference
 * images/s of the tutorial CNN. Prints one JSON object.
 * usage: node dist/bench/engines/cnnkit.js BACKEND THREADS train|predict BATCH SECONDS
 */
import * as ck from '../../src/index.js';

const [backend = 'wasm', threadsArg = '2', mode = 'train', batchArg = '32', secondsArg = '10'] = process.argv.slice(2);
const threads = Number(threadsArg), batch = Number(batchArg), seconds = Number(secondsArg);

ck.setBackendSync(backend, { threads });
ck.setSeed(0);
const model = ck.tutorial.buildModel();
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const rng = new ck.Random(1);
// The reference backend takes seconds per batch: a couple of batches is enough there.
const batches = mode === 'train' ? (backend === 'reference' ? 2 : 16) : 1;
const n = batch * batches;
const x = ck.tensor(Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), [n, 32, 32, 3], 'uint8');
const y = ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32');

async function once(): Promise<number> {
  if (mode === 'train') await model.fit(x, y, { epochs: 1, batchSize: batch, rescale: 1 / 255, verbose: 0, shuffle: false });
  else model.predict(x, { batchSize: batch, rescale: 1 / 255 }).dispose();
  return n;
}

// Warm-up: compiles, first-touch of the arenas, worker start-up.
await once();
let images = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) images += await once();
const elapsed = (performance.now() - start) / 1000;
console.log(JSON.stringify({
  engine: `cnnkit-${backend}`, threads: ck.getBackend().threads, mode, batch,
  imagesPerSecond: images / elapsed, peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
ck.getBackend().dispose();
