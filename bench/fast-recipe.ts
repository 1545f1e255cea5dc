/**
 * A full run of the fast recipe on CIFAR-10 (not a test): reads the binary archive the way
 * `cnnkit tutorial` does, trains with `ck.recipes.get('fast')` (or a variant from the flags), and
 * prints after every epoch the test accuracy (no test-time augmentation), the wall time since the
 * start of the program, the process's CPU seconds (all threads) and the peak RSS; at the end the accuracy with the recipe's test-time
 * augmentation and without it. The last line is JSON.
 *
 * usage: node dist/bench/fast-recipe.js [--data PATH] [--epochs N] [--seed N] [--threads 2] [--memory MB]
 *          [--widths 64,128,128] [--batch 1024] [--tta 0|1|2] [--limit N] [--lr 1.5] [--whiten-eps 5e-4] [--optimizer muon|sgd] [--muon-lr 0.17]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ck from '../src/index.js';
import { cifar10Subset, readCifar10 } from '../src/data/index.js';
import { FAST_DEFAULTS, FAST_MUON, makeFastRecipe, type FastSettings } from '../src/applications/fast.js';
import { testTimeAugmentation } from '../src/applications/fast-augment.js';

const start = performance.now();
const args = process.argv.slice(2);
const USAGE = 'usage: node dist/bench/fast-recipe.js [--data PATH] [--epochs N] [--seed N] [--threads 2] [--memory MB] [--widths 64,128,128] [--batch 1024] [--tta 0|1|2] [--limit N] [--lr 1.5] [--whiten-eps 5e-4] [--optimizer muon|sgd] [--muon-lr 0.17]';
const FLAGS = ['--data', '--epochs', '--seed', '--threads', '--memory', '--widths', '--batch', '--tta', '--limit', '--lr', '--whiten-eps', '--optimizer', '--muon-lr'];
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
for (let i = 0; i < args.length; i += 2) {
  if (!FLAGS.includes(args[i])) throw new Error(`fast-recipe: unknown option '${args[i]}'. ${USAGE}`);
  if (i + 1 >= args.length) throw new Error(`fast-recipe: ${args[i]} needs a value. ${USAGE}`);
}
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const shared = resolve('../shared/cifar10/cifar-10-binary.tar.gz');
const dataPath = opt('--data', existsSync(shared) ? shared : '');
if (!dataPath) throw new Error('fast-recipe: no CIFAR-10 archive (pass --data PATH)');
const seed = Number(opt('--seed', '0'));
const threads = Number(opt('--threads', '2'));
const memoryMB = Number(opt('--memory', '3000'));
const settings: Partial<FastSettings> = {
  epochs: Number(opt('--epochs', String(FAST_DEFAULTS.epochs))),
  batchSize: Number(opt('--batch', String(FAST_DEFAULTS.batchSize))),
  widths: opt('--widths', FAST_DEFAULTS.widths.join(',')).split(',').map(Number) as unknown as FastSettings['widths'],
  tta: Number(opt('--tta', String(FAST_DEFAULTS.tta))) as 0 | 1 | 2,
  whiteningEpsilon: Number(opt('--whiten-eps', String(FAST_DEFAULTS.whiteningEpsilon))),
};
// --optimizer muon|sgd: Muon for the filters (FAST_MUON, --muon-lr its step size) or airbench93's SGD.
const optimizerName = opt('--optimizer', FAST_DEFAULTS.muon ? 'muon' : 'sgd');
if (optimizerName !== 'muon' && optimizerName !== 'sgd') throw new Error(`fast-recipe: --optimizer must be muon or sgd. Received ${optimizerName}`);
settings.muon = optimizerName === 'muon' ? { ...(FAST_DEFAULTS.muon ?? FAST_MUON), learningRate: Number(opt('--muon-lr', String((FAST_DEFAULTS.muon ?? FAST_MUON).learningRate))) } : null;
// --lr: the SGD training's peak rate (with --optimizer sgd only; the recipe refuses it with Muon).
if (args.includes('--lr')) settings.learningRate = Number(opt('--lr', String(FAST_DEFAULTS.learningRate)));
const limit = Number(opt('--limit', '0'));

await ck.setBackend('wasm', { threads, memoryMB });
let data = await readCifar10({ path: dataPath, download: false });
if (limit > 0) data = cifar10Subset(data, limit, Math.max(1, Math.floor(limit / 5)));
const [[xTrain, yTrain], [xTest, yTest]] = ck.datasets.cifar10Tensors(data);
const seconds = (): number => (performance.now() - start) / 1000;
const rssMB = (): number => process.resourceUsage().maxRSS / 1024;
/** CPU seconds of this process (all threads): robust to other processes sharing the cores. */
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
console.log(`data read: ${data.train.count} training and ${data.test.count} test images at ${seconds().toFixed(1)} s`);

const recipe = makeFastRecipe(settings);
const perEpoch: { epoch: number; seconds: number; cpuSeconds: number; testAccuracy: number; peakRssMB: number }[] = [];
const { model } = await recipe.train({ xTrain, yTrain, xVal: xTest, yVal: yTest, classNames: data.classNames }, {
  seed, verbose: 0,
  callbacks: [{
    onEpochEnd: (epoch, logs) => {
      perEpoch.push({ epoch: epoch + 1, seconds: seconds(), cpuSeconds: cpuSeconds(), testAccuracy: logs?.val_accuracy ?? NaN, peakRssMB: rssMB() });
      console.log(`epoch ${epoch + 1}: test accuracy ${(logs?.val_accuracy ?? NaN).toFixed(4)}, train loss ${(logs?.loss ?? NaN).toFixed(4)}, ${seconds().toFixed(1)} s (CPU ${cpuSeconds().toFixed(0)} s), peak RSS ${rssMB().toFixed(0)} MB`);
    },
  }],
});
const labels = yTest.dataSync() as Int32Array;
const accuracy = (probs: ck.Tensor): number => {
  const v = probs.dataSync() as Float32Array, k = probs.shape[1];
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[i * k + j] > v[i * k + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
};
const trainedAt = seconds();
const ttaAccuracy = accuracy(recipe.predict(model, xTest));
const ttaAt = seconds();
const plain = accuracy(testTimeAugmentation(model, xTest, { level: 0, output: 'logits' }));
console.log(`final: test accuracy ${plain.toFixed(4)} without TTA, ${ttaAccuracy.toFixed(4)} with the recipe's TTA (level ${settings.tta}) at ${ttaAt.toFixed(1)} s (TTA took ${(ttaAt - trainedAt).toFixed(1)} s); peak RSS ${rssMB().toFixed(0)} MB`);
console.log(JSON.stringify({ seed, threads, ...settings, perEpoch, testAccuracy: plain, ttaAccuracy, wallSeconds: ttaAt, trainedSeconds: trainedAt, cpuSeconds: cpuSeconds(), peakRssMB: rssMB() }));
ck.getBackend().dispose();
