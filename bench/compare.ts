/**
 * `npm run bench`: the tutorial CNN on every engine, side by side in one run.
 *
 * Each measurement runs in its own process (peak RSS is then the engine's own). Engines are
 * interleaved within each repeat, so a noisy neighbour slows all of them alike; the table reports
 * medians and ratios against PyTorch's best configuration. Results go to bench/results/latest.json
 * (or --out FILE).
 *
 * usage: node dist/bench/compare.js [--repeats 3] [--seconds 8] [--quick] [--out FILE]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, median, NO_TORCH, options, type Result, runJson, TORCH_ENV, writeJsonAtomic } from './harness.js';

interface Job {
  label: string;
  mode: 'train' | 'predict';
  batch: number;
  /** Only measured in the first repeat (slow engines). */
  once?: boolean;
  run(seconds: number): Result | null;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = options(args);
const quick = args.includes('--quick');
const repeats = Number(opt('--repeats', quick ? '1' : '3'));
const seconds = Number(opt('--seconds', quick ? '3' : '8'));
const outFile = opt('--out', join(here, '..', '..', 'bench', 'results', 'latest.json'));

function cnnkitJob(backend: string, threads: number, mode: 'train' | 'predict', batch: number, once = false): Job {
  return {
    label: `cnnkit ${backend}${backend === 'wasm' ? ` ${threads}T` : ''}`, mode, batch, once,
    run: (s) => runJson(process.execPath, [join(here, 'engines', 'cnnkit.js'), backend, String(threads), mode, String(batch), String(s)]),
  };
}

function jobs(): Job[] {
  const list: Job[] = [];
  for (const [mode, batch] of [['train', 32], ['train', 128], ['predict', 1000]] as const) {
    list.push(cnnkitJob('wasm', 2, mode, batch), cnnkitJob('wasm', 1, mode, batch));
    if (batch !== 128) list.push(cnnkitJob('reference', 1, mode, mode === 'train' ? 32 : 100, true));
  }
  const py = findPython();
  if (py) {
    for (const [mode, batch] of [['train', 32], ['train', 128], ['predict', 1000]] as const)
      list.push({ label: 'pytorch best', mode, batch, run: (s) => runJson(py, [join(here, '..', '..', 'bench', 'peers', 'pytorch_cnn.py'), mode, String(batch), String(s)], TORCH_ENV) });
  } else console.log(NO_TORCH);
  const tfjs = join(here, 'engines', 'tfjs.js');
  for (const [mode, batch] of [['train', 32], ['predict', 1000]] as const)
    list.push({ label: 'tfjs cpu', mode, batch, once: true, run: (s) => runJson(process.execPath, [tfjs, mode, String(batch), String(s)]) });
  return list;
}

const all = jobs();
const samples = new Map<Job, Result[]>();
for (let r = 0; r < repeats; r++) {
  console.log(`repeat ${r + 1}/${repeats}`);
  for (const job of all) {
    if (job.once && r > 0) continue;
    const res = job.run(job.once ? Math.min(seconds, 5) : seconds);
    if (!res) continue;
    console.log(`  ${job.label.padEnd(16)} ${job.mode.padEnd(7)} batch ${String(job.batch).padStart(4)}: ${res.imagesPerSecond.toFixed(1).padStart(8)} img/s, peak RSS ${res.peakRssMB.toFixed(0)} MB`);
    samples.set(job, [...(samples.get(job) ?? []), res]);
  }
}

const rows = [...samples.entries()].map(([job, rs]) => ({
  engine: job.label, mode: job.mode, batch: job.batch, runs: rs.length,
  imagesPerSecond: median(rs.map((x) => x.imagesPerSecond)), peakRssMB: median(rs.map((x) => x.peakRssMB)),
}));
const torch = (mode: string, batch: number) => rows.find((x) => x.engine === 'pytorch best' && x.mode === mode && x.batch === batch);
console.log('\n| engine | mode | batch | images/s (median) | vs PyTorch | peak RSS MB |\n|---|---|---|---|---|---|');
for (const row of rows) {
  const t = torch(row.mode, row.batch);
  const r = t ? row.imagesPerSecond / t.imagesPerSecond : NaN;
  const ratio = t ? `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x` : '-';
  console.log(`| ${row.engine} | ${row.mode} | ${row.batch} | ${row.imagesPerSecond.toFixed(1)} | ${ratio} | ${row.peakRssMB.toFixed(0)} |`);
}
writeJsonAtomic(outFile, { date: new Date().toISOString(), repeats, seconds, rows });
console.log(`\nwritten ${outFile}`);
