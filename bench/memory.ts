/**
 * Memory over a long run (not a test): trains the tutorial CNN for 10 epochs the way
 * `cnnkit tutorial` does (validation every epoch, a backup saved every epoch) and prints the RSS
 * after each epoch. Exits with status 1 when any epoch's RSS differs from the first epoch's by
 * more than 5%: after the first epoch training allocates nothing new, so growth is a leak.
 *
 * usage: node --expose-gc dist/bench/memory.js [--data PATH] [--limit 5000] [--epochs 10] [--threads 2] [--no-backup]
 * Without --data it reads ../shared/cifar10/cifar-10-binary.tar.gz, else random images.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ck from '../src/index.js';
import { cifar10Subset, readCifar10 } from '../src/data/index.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const limit = Number(opt('--limit', '5000')), epochs = Number(opt('--epochs', '10')), threads = Number(opt('--threads', '2'));
const shared = resolve('../shared/cifar10/cifar-10-binary.tar.gz');
const dataPath = opt('--data', existsSync(shared) ? shared : '');

ck.configureDefaultBackend(null, { threads });
await ck.ready();
ck.setSeed(1);
let train: { images: Uint8Array; labels: Uint8Array; count: number }, test: typeof train, source: string;
if (dataPath) {
  const data = cifar10Subset(await readCifar10({ path: dataPath, download: false }), limit, Math.max(1, Math.floor(limit / 5)));
  ({ train, test } = data);
  source = dataPath;
} else {
  const rng = new ck.Random(2);
  const make = (n: number) => ({ images: Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), labels: Uint8Array.from({ length: n }, () => rng.int(10)), count: n });
  train = make(limit);
  test = make(Math.floor(limit / 5));
  source = 'random images';
}
// The full dataset read before the subset is garbage now: collected before training when the
// bench runs with --expose-gc (npm run bench:memory), so it does not count as epoch 1's memory.
// (V8 frees array buffers on a background thread after a collection: give it a moment.)
for (let i = 0; i < 3; i++) {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
}
const tensors = (s: typeof train) => [ck.Tensor.host([s.count, 32, 32, 3], s.images), ck.Tensor.host([s.count], Int32Array.from(s.labels))];
const [xTrain, yTrain] = tensors(train), [xTest, yTest] = tensors(test);

const model = ck.tutorial.buildModel();
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const dir = mkdtempSync(join(tmpdir(), 'cnnkit-memory-'));
const rss: number[] = [], heap: number[] = [], external: number[] = [], backendMB: number[] = [];
const t0 = performance.now();
try {
  await model.fit(xTrain, yTrain, {
    epochs, batchSize: 32, rescale: 1 / 255, verbose: 0, validationData: [xTest, yTest],
    callbacks: [
      ...(args.includes('--no-backup') ? [] : [ck.callbacks.backupAndRestore({ backupDir: join(dir, 'backup') })]),
      {
        onEpochEnd: () => {
          (globalThis as { gc?: () => void }).gc?.();
          rss.push(process.memoryUsage.rss() / 2 ** 20);
          const m = process.memoryUsage();
          heap.push(m.heapUsed / 2 ** 20);
          external.push(m.external / 2 ** 20);
          const bm = ck.getBackend().memory();
          backendMB.push((bm.persistentBytes + bm.arenaHighWater) / 2 ** 20);
        },
      },
    ],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const first = rss[0];
const worst = Math.max(...rss.map((r) => Math.abs(r - first) / first));
console.log(`${train.count} training and ${test.count} test images (${source}), ${epochs} epochs, backend ${ck.getBackendName()} with ${threads} threads, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log(`RSS after each epoch (MB): ${rss.map((r) => r.toFixed(1)).join(', ')}`);
console.log(`JS heap in use after each epoch (MB): ${heap.map((r) => r.toFixed(1)).join(', ')}`);
console.log(`external memory (array buffers, WebAssembly) after each epoch (MB): ${external.map((r) => r.toFixed(1)).join(', ')}`);
console.log(`backend memory in use (persistent + step arena high-water) after each epoch (MB): ${backendMB.map((r) => r.toFixed(1)).join(', ')}`);
console.log(`largest difference from epoch 1: ${(worst * 100).toFixed(2)}% (limit 5%); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
process.exitCode = worst <= 0.05 ? 0 : 1;
