/**
 * `cnnkit tutorial`: the Keras "CNN on CIFAR-10" tutorial end to end. Loads the data, shows and
 * saves sample images, trains the tutorial model with the test set as validation data, evaluates
 * it, and writes charts, a confusion matrix, mistakes, the model and `report.html` into one folder.
 */
import { join, resolve } from 'node:path';
import * as ck from '../index.js';
import { cifar10Subset } from '../data/index.js';
import { removeDirAtomic } from '../util/node-fs.js';
import {
  accuracySpec, argmaxRows, confusionMatrix, confusionSpec, historyCsv, imageGrid, lossSpec, misclassified,
  perClassAccuracy, perClassCsv, renderChart, reportHtml, sampleIndices, supportsTrueColor, terminalPreview,
  type ReportFiles,
} from '../viz/index.js';
import { duration, styles, writeFileAtomic, type Io } from './common.js';
import { loadData, saveModel } from './model-io.js';
import { dataFingerprint, openRunFolder, prepareBackup } from './run-folder.js';

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
  const written: string[] = [];
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(outDir, name), data);
    written.push(name);
  };
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
  const idx = sampleIndices(train.labels, 25);
  const sampleImages = new Uint8Array(idx.length * 3072);
  idx.forEach((i, k) => sampleImages.set(train.images.subarray(i * 3072, (i + 1) * 3072), k * 3072));
  const sampleCaptions = idx.map((i) => names[train.labels[i]]);
  io.out('samples.png is drawn after training\n');
  if (opts.preview ?? supportsTrueColor({ env: io.env, isTTY: io.isTTY })) {
    const first = idx.slice(0, 10);
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
  const xTrain = ck.Tensor.host([train.count, 32, 32, 3], train.images);
  const yTrain = ck.Tensor.host([train.count], Int32Array.from(train.labels));
  const xTest = ck.Tensor.host([test.count, 32, 32, 3], test.images);
  const yTest = ck.Tensor.host([test.count], Int32Array.from(test.labels));
  // Every epoch is backed up atomically (weights, optimizer, random state, history, the run's
  // options), so a killed run started again with --resume goes on from its last completed epoch.
  // The backup is removed only once every output is written: a run killed after training resumes
  // straight to evaluation and saving.
  const backup = ck.callbacks.backupAndRestore({ backupDir, deleteCheckpoint: false, runConfig });
  const announce = (): void => {
    if (backup.discarded) io.out(`Starting afresh: ${backup.discarded}\n`);
    if (backup.restoredEpoch < 0) return;
    io.out(backup.restoredEpoch >= opts.epochs
      ? `The backup holds all ${opts.epochs} epochs: training is complete; going on with evaluation and saving\n`
      : `Resuming from the backup: epoch ${backup.restoredEpoch + 1} of ${opts.epochs}\n`);
  };
  const tFit = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs: opts.epochs, batchSize: opts.batchSize, validationData: [xTest, yTest], rescale: 1 / 255, verbose: 1,
    callbacks: [backup, { onTrainBegin: announce }],
  });
  const fitSeconds = (performance.now() - tFit) / 1000;
  xTrain.dispose(); // the training images are not needed any more: let them go
  train.images = new Uint8Array(0);
  const grid = await imageGrid(sampleImages, idx.map((_, k) => k), sampleCaptions, 5);
  await write('samples.png', grid.png);
  io.out(`Wrote samples.png (${grid.width}x${grid.height})\n`);
  const hist = history.history;
  await write('history.json', JSON.stringify({ epochs: opts.epochs, batchSize: opts.batchSize, history: hist }, null, 2) + '\n');
  await write('history.csv', historyCsv(hist));
  for (const [name, spec] of [['accuracy', accuracySpec(hist)], ['loss', lossSpec(hist)]] as const) {
    const chart = await renderChart(spec);
    await write(`${name}.svg`, chart.svg);
    await write(`${name}.png`, chart.png);
  }
  io.out(`Training took ${duration(fitSeconds)}; wrote history.json, history.csv, accuracy.svg/.png, loss.svg/.png\n`);

  // 5. Evaluation.
  step('Evaluating on the test set');
  const [testLoss, testAccuracy] = (model.evaluate(xTest, yTest, { batchSize: opts.batchSize, rescale: 1 / 255, verbose: 1 }) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  io.out(`${s.bold('test loss:')} ${testLoss.toFixed(4)}\n${s.bold('test accuracy:')} ${s.green(testAccuracy.toFixed(4))}\n`);

  const probs = model.predict(xTest, { batchSize: opts.batchSize, rescale: 1 / 255 }).dataSync();
  const { classes, confidence } = argmaxRows(probs, names.length);
  const matrix = confusionMatrix(test.labels, classes, names.length);
  const perClass = perClassAccuracy(matrix, names);
  const confusion = await renderChart(confusionSpec(matrix, names, perClass));
  await write('confusion.svg', confusion.svg);
  await write('confusion.png', confusion.png);
  await write('per-class.json', JSON.stringify({ classes: perClass, confusionMatrix: matrix }, null, 2) + '\n');
  await write('per-class.csv', perClassCsv(perClass));
  const worst = [...perClass].sort((a, b) => a.accuracy - b.accuracy).slice(0, 3);
  io.out(`Per-class accuracy: best ${[...perClass].sort((a, b) => b.accuracy - a.accuracy)[0].name}, ` +
    `weakest ${worst.map((r) => `${r.name} ${(r.accuracy * 100).toFixed(1)}%`).join(', ')}\n`);

  const mistakes = misclassified(test.labels, classes, confidence, 25);
  let misclassifiedFile: string | undefined;
  if (mistakes.length > 0) {
    const gallery = await imageGrid(test.images, mistakes.map((m) => m.index), mistakes.map((m) => [
      `true: ${names[m.trueLabel]}`,
      { text: `pred: ${names[m.predicted]} ${(m.confidence * 100).toFixed(0)}%`, color: '#c62828' },
    ]), 5, { scale: 3, fontSize: 12, title: 'Misclassified test images, most confident first' });
    await write('misclassified.png', gallery.png);
    misclassifiedFile = 'misclassified.png';
  }
  io.out(`Wrote confusion.svg/.png, per-class.json/.csv${misclassifiedFile ? ', misclassified.png' : ''}\n`);

  // 6. The trained model.
  await saveModel(model, join(outDir, 'model'));
  written.push('model/');
  io.out('Saved the trained model to model/\n');

  // 7. The report.
  const files: ReportFiles = {
    samples: 'samples.png', accuracySvg: 'accuracy.svg', accuracyPng: 'accuracy.png', lossSvg: 'loss.svg',
    lossPng: 'loss.png', confusionSvg: 'confusion.svg', confusionPng: 'confusion.png', misclassified: misclassifiedFile,
    historyJson: 'history.json', historyCsv: 'history.csv', perClass: 'per-class.csv', model: 'model/',
  };
  const totalSeconds = (performance.now() - t0) / 1000;
  await write('report.html', reportHtml({
    createdAt: new Date().toISOString(),
    settings: {
      'training images': train.count.toLocaleString('en-US'), 'test images': test.count.toLocaleString('en-US'), epochs: opts.epochs, 'batch size': opts.batchSize,
      seed: opts.seed ?? 'random', backend: ck.getBackendName(), threads: opts.threads ?? 'default', 'training time': duration(fitSeconds),
      'total time': duration(totalSeconds), data: data.source,
    },
    summary: summary.join('\n'),
    test: { loss: testLoss, accuracy: testAccuracy },
    history: hist,
    perClass,
    files,
  }));

  await removeDirAtomic(backupDir);

  step('Done');
  io.out(`Wrote ${written.length} outputs to ${outDir}:\n  ${written.join('  ')}\n`);
  io.out(`Open ${join(outDir, 'report.html')} in a browser. Total time ${duration(totalSeconds)}.\n`);
  return { outDir, files: written, testLoss, testAccuracy };
}
