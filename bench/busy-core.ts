/**
 * Oversubscription check (not a test): training images/s of the tutorial CNN on the WASM backend
 * with 1 thread, 2 threads, and 2 threads without the back-off to one thread, while a busy loop
 * in another process holds a core. Configurations are interleaved and repeated; medians printed.
 * usage: node dist/bench/busy-core.js [--repeats 3] [--steps 40] [--no-busy]
 */
import { spawn } from 'node:child_process';
import * as ck from '../src/index.js';
import type { WasmBackendOptions } from '../src/backend/wasm/index.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const repeats = opt('--repeats', 3), steps = opt('--steps', 40), batch = 32;
const busy = args.includes('--no-busy') ? null : spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });

const configs: [string, WasmBackendOptions][] = [
  ['1 thread', { threads: 1 }],
  ['2 threads', { threads: 2 }],
  ['2 threads, no back-off', { threads: 2, adaptive: false }],
];
const rng = new ck.Random(1);
const n = batch * steps;
const xs = Uint8Array.from({ length: n * 3072 }, () => rng.int(256));
const ys = Int32Array.from({ length: n }, () => rng.int(10));
const results = new Map<string, number[]>();
try {
  for (let r = 0; r < repeats; r++)
    for (const [name, options] of configs) {
      ck.setBackendSync('wasm', options);
      ck.setSeed(0);
      const model = ck.tutorial.buildModel();
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      const x = ck.tensor(xs, [n, 32, 32, 3]), y = ck.tensor(ys, [n], 'int32');
      const fit = () => model.fit(x, y, { epochs: 1, batchSize: batch, rescale: 1 / 255, verbose: 0, shuffle: false });
      await fit();
      const t0 = performance.now();
      await fit();
      const list = results.get(name) ?? [];
      list.push(n / ((performance.now() - t0) / 1000));
      results.set(name, list);
      ck.getBackend().dispose();
    }
} finally {
  busy?.kill();
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`tutorial CNN training, batch ${batch}, ${busy ? 'with a busy loop holding a core' : 'no busy loop'}; images/s, median of ${repeats}`);
for (const [name, v] of results) console.log(`${name.padEnd(24)} ${median(v).toFixed(0).padStart(6)}   (runs: ${v.map((x) => x.toFixed(0)).join(', ')})`);
