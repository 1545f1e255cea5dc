/**
 * `cnnkit train`: trains a recipe's network on the user's own images (a folder with one subfolder
 * per class) or on a CIFAR-10 archive, and writes the same outputs as `cnnkit tutorial`: sample
 * grid with the class names, curves, confusion matrix, per-class accuracy, mistakes gallery, the
 * model (recording its class names and input size) and `report.html`.
 */
import { basename, join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { stat } from 'node:fs/promises';
import * as ck from '../index.js';
import * as recipes from '../applications/recipes.js';
import { loadImageFolder } from '../data/image-dataset.js';
import { resolveLocation } from '../data/node-sources.js';
import { DataError, ValueError } from '../errors.js';
import { Callback, type CallbackModel } from '../models/callbacks.js';
import { inspectBackup } from '../io/checkpoint.js';
import { removeDirAtomic } from '../util/node-fs.js';
import { collectGarbage } from '../util/node-gc.js';
import { meanCrossEntropy } from '../viz/analysis.js';
import { reportHtml } from '../viz/report.js';
import { supportsTrueColor, terminalPreview } from '../viz/terminal.js';
import { duration, styles, thousands, type Io } from './common.js';
import { loadData, saveModel } from './model-io.js';
import { cifar10Metadata, type ClassifierMetadata } from './model-metadata.js';
import { dataFingerprint, openRunFolder, prepareBackup } from './run-folder.js';
import { RunOutputs, announceBackup, pickSamples, reportFiles, writeAnalysis, writeHistory, writeSamples, type ImageSet } from './run-report.js';

/** Options of `cnnkit train`. */
export interface TrainOptions {
  /** An image folder (one subfolder per class) or a CIFAR-10 archive or its extracted folder. */
  data: string;
  /** A registered recipe (`ck.recipes.names()`); default 'tutorial'. */
  recipe?: string;
  /** Input `[height, width]` images are resized to (default [32, 32]). */
  imageSize?: [number, number];
  /** Default: the recipe's. */
  epochs?: number;
  /** Default: the recipe's. */
  batchSize?: number;
  /** Fraction of an image folder held out for validation (default 0.2); a CIFAR-10 archive has its test set. */
  validationSplit?: number;
  /** Seeds weights, shuffling and (for a folder) the validation split. */
  seed?: number;
  out: string;
  threads?: number;
  /** Go on from the backup an interrupted run with the same options left in `out/backup`. */
  resume?: boolean;
  /** Show sample images in the terminal (default: when the terminal supports it). */
  preview?: boolean;
}

/** What a run wrote. */
export interface TrainResult {
  outDir: string;
  files: string[];
  classNames: string[];
  /** Loss and accuracy on the held-out images (the validation split, or CIFAR-10's test set). */
  loss: number;
  accuracy: number;
}

/** The images a run trains and validates on. */
interface TrainData {
  train: ImageSet;
  heldOut: ImageSet;
  /** 'validation' for a folder's split, 'test' for CIFAR-10's test set. */
  heldOutName: 'validation' | 'test';
  classNames: string[];
  source: string;
  metadata: ClassifierMetadata;
}

/** The split of a folder when --seed is not given: fixed, so runs on one folder validate alike. */
const DEFAULT_SPLIT_SEED = 1337;
const DEFAULT_VALIDATION_SPLIT = 0.2;

/** The recipe named by --recipe, or an error naming the ones there are. */
function recipeNamed(name: string): recipes.Recipe {
  if (!recipes.names().includes(name)) throw new ValueError(`--recipe: no recipe named ${JSON.stringify(name)}. Available: ${recipes.names().join(', ')}`);
  return recipes.get(name);
}

/** Checks the options that need no files; returns the recipe. */
function checkOptions(opts: TrainOptions): recipes.Recipe {
  const recipe = recipeNamed(opts.recipe ?? 'tutorial');
  const vs = opts.validationSplit;
  if (vs !== undefined && !(Number.isFinite(vs) && vs > 0 && vs < 1)) throw new ValueError(`--validation-split: expected a fraction between 0 and 1 (exclusive). Received ${vs}`);
  return recipe;
}

async function isImageFolder(path: string): Promise<boolean> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new DataError(`--data ${path}: no such file or folder`);
  if (!st.isDirectory()) return false;
  return (await resolveLocation(path, '--data')) === null;
}

async function loadTrainData(io: Io, opts: TrainOptions): Promise<TrainData> {
  const path = opts.data;
  if (!(await isImageFolder(path))) {
    if (opts.imageSize && (opts.imageSize[0] !== 32 || opts.imageSize[1] !== 32))
      throw new ValueError(`--image-size: CIFAR-10 images are 32x32 and are not resized. Received --image-size ${opts.imageSize.join('x')} with --data ${path}`);
    if (opts.validationSplit !== undefined)
      throw new ValueError(`--validation-split: CIFAR-10 comes with its own test set, used for validation. Received --validation-split ${opts.validationSplit} with --data ${path}`);
    const data = await loadData(io, path);
    const shape = [32, 32, 3] as const;
    return {
      train: { ...data.train, imageShape: shape }, heldOut: { ...data.test, imageShape: shape }, heldOutName: 'test',
      classNames: [...data.classNames], source: data.source, metadata: cifar10Metadata(data.classNames),
    };
  }
  const [h, w] = opts.imageSize ?? [32, 32];
  const validationSplit = opts.validationSplit ?? DEFAULT_VALIDATION_SPLIT;
  const { training, validation } = await loadImageFolder(path, {
    imageSize: [h, w], validationSplit, subset: 'both', seed: opts.seed ?? DEFAULT_SPLIT_SEED,
    log: (line) => io.out(`${line}\n`), onWarning: (line) => io.err(`${line}\n`),
  });
  if (training.count === 0 || validation.count === 0)
    throw new DataError(`--data ${path}: --validation-split ${validationSplit} of ${training.count + validation.count} readable images leaves ${training.count} for training and ${validation.count} for validation; both need at least one`);
  const shape = [h, w, 3] as const;
  return {
    train: { images: training.images, labels: training.labels, count: training.count, imageShape: shape },
    heldOut: { images: validation.images, labels: validation.labels, count: validation.count, imageShape: shape },
    heldOutName: 'validation', classNames: training.classNames, source: resolve(path),
    metadata: { classNames: training.classNames, imageSize: [h, w], colorMode: 'rgb', interpolation: 'bilinear', cropToAspectRatio: false },
  };
}

/** Prints the model's summary as training starts (a recipe builds its model inside `train`). */
class SummaryPrinter extends Callback {
  readonly lines: string[] = [];

  constructor(private readonly io: Io) {
    super();
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    if (!(model instanceof ck.LayersModel) || this.lines.length > 0) return;
    model.summary(undefined, undefined, (line: string) => {
      this.lines.push(line);
      this.io.out(`${line}\n`);
    });
  }
}

/**
 * Runs `cnnkit train`. The output folder is locked for the run and released at the end, on errors
 * and on SIGINT/SIGTERM; options are checked before anything is read or written.
 */
export async function runTrain(io: Io, opts: TrainOptions): Promise<TrainResult> {
  const recipe = checkOptions(opts);
  const outDir = resolve(opts.out);
  const lock = await openRunFolder(io, outDir, `--out ${opts.out}`, 'cnnkit train');
  try {
    return await runInFolder(io, opts, recipe, outDir);
  } finally {
    lock.release();
  }
}

async function runInFolder(io: Io, opts: TrainOptions, recipe: recipes.Recipe, outDir: string): Promise<TrainResult> {
  const s = styles(io);
  const t0 = performance.now();
  const out = new RunOutputs(outDir);
  const step = (title: string) => io.out(`\n${s.bold(title)}\n`);
  const epochs = opts.epochs ?? recipe.defaultEpochs;
  const batchSize = opts.batchSize ?? recipe.batchSize;

  // Without --seed the run draws a seed and keeps it with its backup (drawnSeed): a resumed run
  // takes it from there, so it draws what the killed run would have. (A backup written before
  // drawn seeds keeps its behaviour: no seed.) The folder split stays fixed without --seed.
  const backupDir = join(outDir, 'backup');
  const found = opts.resume ? await inspectBackup(backupDir) : null;
  const backedRun = found?.kind === 'found' ? found.run : null;
  const drawn = opts.seed !== undefined ? undefined : backedRun ? (typeof backedRun.drawnSeed === 'number' ? backedRun.drawnSeed : undefined) : randomInt(2 ** 31);
  const seed = opts.seed ?? drawn;
  if (seed !== undefined) ck.setSeed(seed);
  // A recipe that needs more backend memory than the default says how much (images of the size
  // asked for, or CIFAR-10's 32x32; ten classes stand in for the count, which barely matters).
  const [ih, iw] = opts.imageSize ?? [32, 32];
  const memoryMB = recipe.memoryMB?.([ih, iw, 3], 10, batchSize);
  if (opts.threads !== undefined || memoryMB !== undefined) ck.configureDefaultBackend(null, { ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(memoryMB !== undefined ? { memoryMB } : {}) });
  await ck.ready();

  step(`Loading ${basename(resolve(opts.data))}`);
  const data = await loadTrainData(io, opts);
  const { train, heldOut, classNames: names, heldOutName } = data;
  const [h, w, c] = train.imageShape;
  io.out(`${thousands(train.count)} training and ${thousands(heldOut.count)} ${heldOutName} images of ${w}x${h}, ${names.length} classes: ${names.join(', ')}\n`);
  const runConfig = {
    recipe: recipe.name, epochs, batchSize, imageSize: `${h}x${w}`, validationSplit: heldOutName === 'validation' ? (opts.validationSplit ?? DEFAULT_VALIDATION_SPLIT) : null,
    seed: opts.seed ?? null, ...(drawn !== undefined ? { drawnSeed: drawn } : {}), data: dataFingerprint({ train, test: heldOut }, names),
  };
  await prepareBackup(io, backupDir, runConfig, !!opts.resume);
  if (drawn !== undefined) io.out(`Seed ${drawn} (${backedRun ? 'drawn by the run in the backup' : 'drawn'}; --seed ${drawn} repeats this run)\n`);

  step('Sample training images');
  const samples = pickSamples(train, names);
  io.out('samples.png is drawn after training\n');
  if (opts.preview ?? supportsTrueColor({ env: io.env, isTTY: io.isTTY })) {
    const first = samples.indices.slice(0, 10);
    io.out(terminalPreview(train.images, first, { captions: first.map((i) => names[train.labels[i]]), columns: io.columns, imageShape: [h, w, c] }));
  }

  step(`Training the '${recipe.name}' recipe: ${epochs} epoch${epochs === 1 ? '' : 's'}, batch size ${batchSize}, backend ${ck.getBackendName()}`);
  const xTrain = ck.Tensor.host([train.count, h, w, c], train.images);
  const yTrain = ck.Tensor.host([train.count], Int32Array.from(train.labels));
  const xVal = ck.Tensor.host([heldOut.count, h, w, c], heldOut.images);
  const yVal = ck.Tensor.host([heldOut.count], Int32Array.from(heldOut.labels));
  const backup = ck.callbacks.backupAndRestore({ backupDir, deleteCheckpoint: false, runConfig });
  // Layer names as in a fresh process, so a backup matches the model whatever ran before in this one.
  ck.clearSession();
  const summary = new SummaryPrinter(io);
  const tFit = performance.now();
  const { model, history } = await recipe.train({ xTrain, yTrain, xVal, yVal, classNames: names }, {
    epochs, batchSize, seed, verbose: 1, callbacks: [summary, backup, announceBackup(io, backup, epochs)],
  });
  const fitSeconds = (performance.now() - tFit) / 1000;
  xTrain.dispose();
  yTrain.dispose();
  train.images = new Uint8Array(0);
  await collectGarbage(); // the training images' memory goes back before the renderer takes its own
  const grid = await writeSamples(out, samples);
  io.out(`Wrote samples.png (${grid.width}x${grid.height})\n`);
  const hist = history.history;
  await writeHistory(out, hist, epochs, batchSize);
  io.out(`Training took ${duration(fitSeconds)}; wrote history.json, history.csv, accuracy.svg/.png, loss.svg/.png\n`);

  step(`Evaluating on the ${heldOutName} images`);
  // Loss and accuracy of the recipe's own predictions (its input scale and test-time augmentation).
  const probs = recipe.predict(model, xVal).dataSync();
  const loss = meanCrossEntropy(probs, heldOut.labels, names.length);
  const analysis = await writeAnalysis(io, out, heldOut, probs, names, heldOutName);
  io.out(`${s.bold(`${heldOutName} loss:`)} ${loss.toFixed(4)}\n${s.bold(`${heldOutName} accuracy:`)} ${s.green(analysis.accuracy.toFixed(4))}\n`);

  model.setUserDefinedMetadata({ ...data.metadata, recipe: recipe.name });
  await saveModel(model, join(outDir, 'model'));
  out.written.push('model/');
  io.out(`Saved the trained model to model/ (class names and input size in its metadata: cnnkit predict --model ${join(opts.out, 'model')} photo.jpg)\n`);

  const totalSeconds = (performance.now() - t0) / 1000;
  await out.write('report.html', reportHtml({
    title: `cnnkit: ${recipe.name} recipe on ${basename(resolve(opts.data))}`,
    createdAt: new Date().toISOString(),
    settings: {
      data: data.source, classes: names.join(', '), 'image size': `${w}x${h}`, 'training images': thousands(train.count),
      [`${heldOutName} images`]: thousands(heldOut.count), recipe: recipe.name, epochs, 'batch size': batchSize,
      seed: seed ?? 'random', backend: ck.getBackendName(), threads: opts.threads ?? 'default',
      'training time': duration(fitSeconds), 'total time': duration(totalSeconds),
    },
    summary: summary.lines.join('\n'),
    test: { loss, accuracy: analysis.accuracy },
    heldOutName,
    history: hist,
    perClass: analysis.perClass,
    files: reportFiles(analysis.misclassifiedFile),
  }));
  await removeDirAtomic(backupDir);

  step('Done');
  io.out(`Wrote ${out.written.length} outputs to ${outDir}:\n  ${out.written.join('  ')}\n`);
  io.out(`Open ${join(outDir, 'report.html')} in a browser. Total time ${duration(totalSeconds)}.\n`);
  return { outDir, files: out.written, classNames: names, loss, accuracy: analysis.accuracy };
}
