/**
 * Time of one training step of the tutorial model at batch 32, per backend (median of a few
 * steps after a warm-up). Usage: node dist/bench/reference-step.js [backend ...] [--steps N]
 */
import * as ck from '../src/index.js';

async function timeSteps(backend: string, steps: number): Promise<number[]> {
  ck.setBackendSync(backend);
  ck.setSeed(1);
  const model = ck.tutorial.buildModel();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const n = 32 * (steps + 1);
  const rng = new ck.Random(3);
  const x = ck.tensor(Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), [n, 32, 32, 3], 'uint8');
  const y = ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32');
  const times: number[] = [];
  let last = performance.now();
  await model.fit(x, y, {
    epochs: 1, batchSize: 32, rescale: 1 / 255, verbose: 0, shuffle: false,
    callbacks: { onBatchEnd: () => { const now = performance.now(); times.push(now - last); last = now; } },
  });
  return times.slice(1); // the first step includes warm-up
}

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 3;
const backends = args.filter((a, i) => !a.startsWith('--') && (stepsAt < 0 || i !== stepsAt + 1));
for (const b of backends.length ? backends : ['reference']) {
  const t = (await timeSteps(b, steps)).sort((p, q) => p - q);
  const median = t[Math.floor(t.length / 2)];
  console.log(`${b}: one training step (batch 32) median ${median.toFixed(1)} ms over ${t.length} steps → ${(32000 / median).toFixed(1)} images/s`);
}
