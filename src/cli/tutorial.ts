/**
 * `cnnkit tutorial`: the Keras "CNN on CIFAR-10" tutorial end to end. Loads the data, shows and
 * saves sample images, trains the tutorial model with the test set as validation data, evaluates
 * it, and writes charts, a confusion matrix, mistakes, the model and `report.html` into one folder.
 */
import { join, resolve } from 'node:path';
import * as ck from '../index.js';
import { cifar10Subset, splitToTensors } from '../data/index.js';
import { removeDirAtomic } from '../util/node-fs.js';
import { collectGarbage } from '../util/node-gc.js';
import { reportHtml } from '../viz/report.js';
import { supportsTrueColor, terminalPreview } from '../viz/terminal.js';
import { duration, styles, thousands, type Io } from './common.js';
import { cifar10Metadata, loadData, saveModel } from './model-io.js';
import { dataFingerprint, openRunFolder, prepareBackup } from './run-folder.js';
import { RunOutputs, announceBackup, pickSamples, reportFiles, writeAnalysis, writeHistory, writeSamples } from './run-report.js';

/** Options of `cnnkit tutorial`. */
export interface TutorialOptions {
  data?: string;
  out: string;
  epochs: number;
  batchSize: number;
  seed?: number;
  limit?: number;
  threads?: number;
  /** Show the terminal preview of the samples (default: when the terminal supports it). */
  preview?: boolean;
  /**
   * Go on from the backup an interrupted run left in `out/backup` (otherwise any backup is
   * discarded); refused when the backup was written with other options or data.
   */
  resume?: boolean;
}

/** What a run wrote, relative to the output folder. */
export interface TutorialResult {
  outDir: string;
  files: string[];
  testLoss: number;
  testAccuracy: number;
}

/**
 * Runs the tutorial; returns where its files are. The output folder is locked for the run (a
 * second run on it is refused) and released at the end, on errors and on SIGINT/SIGTERM.
 */
export async function runTutorial(io: Io, opts: TutorialOptions): Promise<TutorialResult> {
  const outDir = resolve(opts.out);
  const lock = await openRunFolder(io, outDir, `--out ${opts.out}`);
  try {
    return await runInFolder(io, opts, outDir);
  } finally {
    lock.release();
  }
}

async function runInFolder(io: Io, opts: TutorialOptions, outDir: string): Promise<TutorialResult> {
  const s = styles(io);
  const t0 = performance.now();
  const out = new RunOutputs(outDir);
  const step = (title: string) => io.out(`\n${s.bold(title)}\n`);

  if (opts.seed !== undefined) ck.setSeed(opts.seed);
  if (opts.threads !== undefined) ck.configureDefaultBackend(null, { threads: opts.threads });
  await ck.ready();

  // 1. Data.
  step('Loading CIFAR-10');
  let data = await loadData(io, opts.data);
  if (opts.limit !== undefined) {
    data = cifar10Subset(data, opts.limit, Math.max(1, Math.floor(opts.limit / 5)));
    io.out(`Using ${data.train.count} training and ${data.test.count} test images (--limit ${opts.limit})\n`);
  }
  const names = data.classNames;
  const { train, test } = data;
  // A resumed run must be the same run: checked before anything in the folder changes.
  const backupDir = join(outDir, 'backup');
  const runConfig = { epochs: opts.epochs, batchSize: opts.batchSize, limit: opts.limit ?? null, seed: opts.seed ?? null, data: dataFingerprint(data) };
  await prepareBackup(io, backupDir, runConfig, !!opts.resume);

  // 2. Sample images, like the tutorial's 5x5 plot. The grid is drawn once training is over: the
  // renderer's memory (resvg's compiled code, ~100 MB) and the 150 MB of training images are then
  // never resident together, which is what bounds the run's peak memory.
  step('Sample training images');
  const shape = [32, 32, 3] as const;
  const samples = pickSamples({ ...train, imageShape: shape }, names);
  io.out('samples.png is drawn after training\n');
  if (opts.preview ?? supportsTrueColor({ env: io.env, isTTY: io.isTTY })) {
    const first = samples.indices.slice(0, 10);
    io.out(terminalPreview(train.images, first, { captions: first.map((i) => names[train.labels[i]]), columns: io.columns }));
  }

  // 3. The model.
  step('Model');
  const model = ck.tutorial.buildModel();
  const summary: string[] = [];
  model.summary(undefined, undefined, (line: string) => {
    summary.push(line);
    io.out(`${line}\n`);
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

  // 4. Training, with the test set as validation data (as the tutorial does).
  step(`Training: ${opts.epochs} epoch${opts.epochs === 1 ? '' : 's'}, batch size ${opts.batchSize}, backend ${ck.getBackendName()}`);
  const [xTrain, yTrain] = splitToTensors(train);
  const [xTest, yTest] = splitToTensors(test);
  // Every epoch is backed up atomically (weights, optimizer, random state, history, the run's
  // options), so a killed run started again with --resume goes on from its last completed epoch.
  // The backup is removed only once every output is written: a run killed after training resumes
  // straight to evaluation and saving.
  const backup = ck.callbacks.backupAndRestore({ backupDir, deleteCheckpoint: false, runConfig });
  const tFit = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs: opts.epochs, batchSize: opts.batchSize, validationData: [xTest, yTest], rescale: 1 / 255, verbose: 1,
    callbacks: [backup, announceBackup(io, backup, opts.epochs)],
  });
  const fitSeconds = (performance.now() - tFit) / 1000;
  xTrain.dispose(); // the training images are not needed any more: let them go
  yTrain.dispose();
  train.images = new Uint8Array(0);
  // Freed now, before the renderer takes its memory, rather than at V8's next collection.
  await collectGarbage();
  const grid = await writeSamples(out, samples);
  io.out(`Wrote samples.png (${grid.width}x${grid.height})\n`);
  const hist = history.history;
  await writeHistory(out, hist, opts.epochs, opts.batchSize);
  io.out(`Training took ${duration(fitSeconds)}; wrote history.json, history.csv, accuracy.svg/.png, loss.svg/.png\n`);

  // 5. Evaluation.
  step('Evaluating on the test set');
  const [testLoss, testAccuracy] = (model.evaluate(xTest, yTest, { batchSize: opts.batchSize, rescale: 1 / 255, verbose: 1 }) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  io.out(`${s.bold('test loss:')} ${testLoss.toFixed(4)}\n${s.bold('test accuracy:')} ${s.green(testAccuracy.toFixed(4))}\n`);

  const probs = model.predict(xTest, { batchSize: opts.batchSize, rescale: 1 / 255 }).dataSync();
  const { perClass, misclassifiedFile } = await writeAnalysis(io, out, { ...test, imageShape: shape }, probs, names);

  // 6. The trained model, with what `cnnkit predict` needs to read photos the way it was trained.
  model.setUserDefinedMetadata(cifar10Metadata(names));
  await saveModel(model, join(outDir, 'model'));
  out.written.push('model/');
  io.out('Saved the trained model to model/\n');

  // 7. The report.
  const totalSeconds = (performance.now() - t0) / 1000;
  await out.write('report.html', reportHtml({
    createdAt: new Date().toISOString(),
    settings: {
      'training images': thousands(train.count), 'test images': thousands(test.count), epochs: opts.epochs, 'batch size': opts.batchSize,
      seed: opts.seed ?? 'random', backend: ck.getBackendName(), threads: opts.threads ?? 'default', 'training time': duration(fitSeconds),
      'total time': duration(totalSeconds), data: data.source,
    },
    summary: summary.join('\n'),
    test: { loss: testLoss, accuracy: testAccuracy },
    history: hist,
    perClass,
    files: reportFiles(misclassifiedFile),
  }));

  await removeDirAtomic(backupDir);

  step('Done');
  io.out(`Wrote ${out.written.length} outputs to ${outDir}:\n  ${out.written.join('  ')}\n`);
  io.out(`Open ${join(outDir, 'report.html')} in a browser. Total time ${duration(totalSeconds)}.\n`);
  return { outDir, files: out.written, testLoss, testAccuracy };
}
