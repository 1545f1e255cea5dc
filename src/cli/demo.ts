#!/usr/bin/env node
/**
 * A quick demo of the core API: builds the tutorial CNN, prints its summary and trains it briefly
 * on generated images (two classes: bright top half vs bright bottom half).
 */
import * as ck from '../index.js';

async function main(): Promise<void> {
  ck.setSeed(1);
  const model = ck.tutorial.buildModel();
  model.summary();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const n = 256;
  const rng = new ck.Random(2);
  const pixels = new Uint8Array(n * 32 * 32 * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 32 * 32 * 3; p++) {
      const row = Math.floor(p / (32 * 3));
      const bright = (row < 16) === (labels[i] === 0);
      pixels[i * 3072 + p] = (bright ? 160 : 40) + rng.int(60);
    }
  }
  const x = ck.tensor(pixels, [n, 32, 32, 3], 'uint8');
  const y = ck.tensor(labels, [n], 'int32');
  console.log(`Backend: ${ck.getBackendName()} (${ck.getBackend().threads} thread(s))`);
  const history = await model.fit(x, y, { epochs: 2, batchSize: 32, rescale: 1 / 255, validationSplit: 0.25 });
  const last = history.history.val_accuracy.at(-1) ?? 0;
  console.log(`Validation accuracy after 2 epochs: ${last.toFixed(4)}`);
}

main().catch((e: Error) => {
  console.error(`cnnkit demo: ${e.message}`);
  process.exit(1);
});
