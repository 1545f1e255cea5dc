/**
 * `npm run bench:models`: training images/s of the larger networks beside PyTorch on the same
 * network, batch and data shape, in one run: the ResNet with stride-2 basic blocks and the
 * ResNet-9 of bench/models.ts (bench/peers/pytorch_resnet.py, batch 128, Adam), and the fast
 * recipe's network (bench/fast-speed.ts beside bench/peers/pytorch_fast.py, batch 1024, in its
 * early phase, whitening bias trained, and its late phase).
 *
 * Each measurement runs in its own process; within a repeat, each cnnkit measurement is followed by
 * PyTorch's on the same network, so a noisy neighbour slows both alike. The table gives medians
 * over the repeats and, per network, the median of the repeats' ratios. Results go to
 * bench/results/models.json (or --out FILE).
 *
 * usage: node dist/bench/compare-models.js [--models resnet,resnet9,fast-early,fast-late] [--repeats 3]
 *        [--seconds 16] [--threads 2] [--out FILE]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, median, NO_TORCH, options, type Result, runJson, TORCH_ENV, writeJsonAtomic } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const peers = join(here, '..', '..', 'bench', 'peers');
const opt = options(process.argv.slice(2));
const repeats = Number(opt('--repeats', '3'));
const seconds = Number(opt('--seconds', '16'));
const threads = opt('--threads', '2');
const outFile = opt('--out', join(here, '..', '..', 'bench', 'results', 'models.json'));

interface Pair {
  batch: number;
  cnnkit(s: number): Result | null;
  pytorch(py: string, s: number): Result | null;
}

const node = (script: string, argv: string[]) => runJson(process.execPath, [join(here, script), ...argv]);
const PAIRS: Record<string, Pair> = {
  resnet: {
    batch: 128,
    cnnkit: (s) => node('engines/cnnkit.js', ['wasm', threads, 'train', '128', String(s), 'resnet', '1']),
    pytorch: (py, s) => runJson(py, [join(peers, 'pytorch_resnet.py'), 'train', '128', String(s), '1'], TORCH_ENV),
  },
  resnet9: {
    batch: 128,
    cnnkit: (s) => node('engines/cnnkit.js', ['wasm', threads, 'train', '128', String(s), 'resnet9']),
    pytorch: (py, s) => runJson(py, [join(peers, 'pytorch_resnet.py'), 'train', '128', String(s), 'resnet9'], TORCH_ENV),
  },
  ...Object.fromEntries((['early', 'late'] as const).map((phase) => [`fast-${phase}`, {
    batch: 1024,
    cnnkit: (s: number) => node('fast-speed.js', ['1024', String(s), threads, '64,128,128', phase]),
    pytorch: (py: string, s: number) => runJson(py, [join(peers, 'pytorch_fast.py'), 'train', '1024', String(s), phase], TORCH_ENV),
  }])),
};

const names = opt('--models', Object.keys(PAIRS).join(',')).split(',');
for (const n of names) if (!(n in PAIRS)) throw new Error(`compare-models: unknown model ${n}. Expected some of ${Object.keys(PAIRS).join(', ')}`);
if (threads !== '2') console.log(`cnnkit runs ${threads} threads; the PyTorch peers always run 2`);
const py = findPython();
if (!py) console.log(NO_TORCH);

const samples = new Map<string, { cnnkit: number[]; pytorch: number[]; ratios: number[]; rss: number[]; torchRss: number[] }>();
for (let r = 0; r < repeats; r++) {
  console.log(`repeat ${r + 1}/${repeats}`);
  for (const name of names) {
    const pair = PAIRS[name];
    const s = samples.get(name) ?? { cnnkit: [], pytorch: [], ratios: [], rss: [], torchRss: [] };
    samples.set(name, s);
    const ours = pair.cnnkit(seconds);
    const theirs = py ? pair.pytorch(py, seconds) : null;
    if (ours) {
      s.cnnkit.push(ours.imagesPerSecond);
      s.rss.push(ours.peakRssMB);
    }
    if (theirs) {
      s.pytorch.push(theirs.imagesPerSecond);
      s.torchRss.push(theirs.peakRssMB);
    }
    if (ours && theirs) s.ratios.push(ours.imagesPerSecond / theirs.imagesPerSecond);
    const f = (x: Result | null) => (x ? `${x.imagesPerSecond.toFixed(1)} img/s, ${x.peakRssMB.toFixed(0)} MB` : 'failed');
    console.log(`  ${name.padEnd(10)} batch ${String(pair.batch).padStart(4)}: cnnkit ${f(ours)}; pytorch ${py ? f(theirs) : '-'}`);
  }
}

const fmt = (v: number[], digits = 1) => (v.length ? median(v).toFixed(digits) : '-');
const rows = names.map((name) => {
  const s = samples.get(name)!;
  return {
    model: name, batch: PAIRS[name].batch, runs: s.cnnkit.length, cnnkit: s.cnnkit, pytorch: s.pytorch, ratios: s.ratios,
    cnnkitMedian: s.cnnkit.length ? median(s.cnnkit) : null, pytorchMedian: s.pytorch.length ? median(s.pytorch) : null,
    ratioMedian: s.ratios.length ? median(s.ratios) : null, peakRssMB: s.rss.length ? median(s.rss) : null, pytorchPeakRssMB: s.torchRss.length ? median(s.torchRss) : null,
  };
});
console.log('\n| network | batch | cnnkit img/s | PyTorch img/s | ratio (median of repeats) | ratios | peak RSS cnnkit / PyTorch MB |\n|---|---|---|---|---|---|---|');
for (const row of rows) {
  const s = samples.get(row.model)!;
  console.log(`| ${row.model} | ${row.batch} | ${fmt(s.cnnkit)} | ${fmt(s.pytorch)} | ${s.ratios.length ? `${fmt(s.ratios, 2)}x` : '-'} | ${s.ratios.map((x) => x.toFixed(2)).join(' ')} | ${fmt(s.rss, 0)} / ${fmt(s.torchRss, 0)} |`);
}
writeJsonAtomic(outFile, { date: new Date().toISOString(), repeats, seconds, threads: Number(threads), rows });
console.log(`\nwritten ${outFile}`);
