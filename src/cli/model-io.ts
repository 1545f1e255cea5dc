/**
 * Saving and loading models for the CLI (the library's `model.save` / `ck.loadLayersModel`), and
 * the `evaluate` and `predict` commands.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ck from '../index.js';
import { CIFAR10_CLASSES, cifar10Subset, readCifar10, type Cifar10Data, type Cifar10Split } from '../data/index.js';
import { DataError, ValueError } from '../errors.js';
import { loadImageFile as loadPreparedImage } from '../data/image-file.js';
import { modelJsonPath } from '../io/node-file.js';
import { recipeOf } from '../applications/recipes.js';
import { argmaxRows, confusionMatrix, meanCrossEntropy, perClassAccuracy, type ClassAccuracy } from '../viz/analysis.js';
import { Progress, styles, table, thousands, type Io } from './common.js';
import { loadImageFile, type RgbImage } from './image-io.js';
import { imageJob, modelClassifierMetadata, peekClassifierMetadata } from './model-metadata.js';

export { cifar10Metadata } from './model-metadata.js';

type Model = ck.LayersModel;

/** The model's one output for x (the commands take single-output classifiers). */
function predictOne(model: Model, x: ck.Tensor, args: ck.EvaluateArgs): ck.Tensor {
  const p = model.predict(x, args);
  if (Array.isArray(p)) throw new ValueError(`--model: model '${model.name}' has ${p.length} outputs; evaluate and predict take models with one output`);
  return p;
}

/**
 * Class probabilities [n, classes] for uint8 images: the way the model's recipe predicts (its input
 * scale, a final softmax, test-time augmentation; see recipeOf), else pixels / 255 as the tutorial.
 */
function probabilities(model: Model, x: ck.Tensor, batchSize: number): ck.Tensor {
  const recipe = recipeOf(model);
  return recipe ? recipe.predict(model, x) : predictOne(model, x, { batchSize, rescale: 1 / 255 });
}

/** Saves a model into `dir` in the TensorFlow.js layers format (atomically: see io/node-file.ts). */
export async function saveModel(model: Model, dir: string): Promise<void> {
  await model.save(ck.io.fileSystem(resolve(dir)));
}

/**
 * Loads a model saved by `cnnkit tutorial` (a folder with `model.json`, or the file itself), the
 * way the library does: a folder an interrupted save set aside is found too.
 */
export async function loadModel(dirOrFile: string): Promise<Model> {
  const file = modelJsonPath(dirOrFile);
  if (!existsSync(file)) {
    if (!existsSync(dirOrFile)) throw new DataError(`--model ${dirOrFile}: no such file or folder`);
    throw new DataError(`--model ${dirOrFile}: no model.json in this folder (expected the model/ folder a tutorial run wrote)`);
  }
  return ck.loadLayersModel(ck.io.fileSystem(file));
}

/** Reads CIFAR-10 with a progress line. */
export async function loadData(io: Io, path: string | undefined): Promise<Cifar10Data> {
  const progress = new Progress(io, 'Reading CIFAR-10');
  let downloading: Progress | null = null;
  const data = await readCifar10({
    path,
    onProgress: (p) => {
      if (p.phase === 'download') (downloading ??= new Progress(io, 'Downloading CIFAR-10')).update(p.done, p.total, 'B');
      else progress.update(p.done, p.total, 'B');
    },
  });
  progress.done(`(${thousands(data.train.count)} training, ${thousands(data.test.count)} test images)`);
  return data;
}

/** Class names for a model's outputs: those it was saved with, else CIFAR-10's for 10 outputs, else `class N`. */
export function classNamesFor(model: Model): string[] {
  const out = model.outputShapes[0];
  const units = out[out.length - 1] as number;
  const recorded = modelClassifierMetadata(model)?.classNames;
  if (recorded) {
    if (recorded.length !== units) throw new DataError(`--model: the model has ${units} outputs but its metadata names ${recorded.length} classes (${recorded.slice(0, 5).join(', ')}${recorded.length > 5 ? ', ...' : ''})`);
    return recorded;
  }
  return units === CIFAR10_CLASSES.length ? [...CIFAR10_CLASSES] : Array.from({ length: units }, (_, i) => `class ${i}`);
}

/** Options of `cnnkit evaluate`. */
export interface EvaluateOptions {
  model: string;
  data?: string;
  batchSize: number;
  limit?: number;
}

/** `cnnkit evaluate`: test loss, accuracy and per-class accuracy of a saved model. */
export async function runEvaluate(io: Io, opts: EvaluateOptions): Promise<void> {
  const model = await loadModel(opts.model);
  const classes = modelClassifierMetadata(model)?.classNames;
  if (classes && classes.join('\n') !== CIFAR10_CLASSES.join('\n'))
    throw new ValueError(`--model ${opts.model}: the model classifies ${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', ...' : ''}, not CIFAR-10's classes; evaluate measures models on the CIFAR-10 test set (the report of \`cnnkit train\` has this model's validation figures)`);
  try {
    model.requireCompiled('evaluate');
  } catch {
    // Saved without its training configuration: evaluate with the tutorial's loss and metric.
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  }
  let data = await loadData(io, opts.data);
  if (opts.limit) data = cifar10Subset(data, 0, opts.limit);
  evaluateAndReport(io, model, data.test, data.classNames, opts.batchSize);
}

/** Evaluates a model on a split and prints test loss, accuracy and a per-class table. */
export function evaluateAndReport(io: Io, model: Model, split: Cifar10Split, names: readonly string[], batchSize = 32):
  { loss: number; accuracy: number; perClass: ClassAccuracy[] } {
  const s = styles(io);
  const x = ck.Tensor.host([split.count, 32, 32, 3], split.images);
  const y = ck.Tensor.host([split.count], Int32Array.from(split.labels));
  const probs = probabilities(model, x, batchSize).dataSync();
  const { classes } = argmaxRows(probs, names.length);
  // A recipe's model is measured as the recipe predicts (a fast-recipe model takes 0-255 pixels,
  // ends in logits and averages test-time views): loss and accuracy of those probabilities.
  const [loss, accuracy] = recipeOf(model)
    ? [meanCrossEntropy(probs, split.labels, names.length), classes.reduce((n, c, i) => n + (c === split.labels[i] ? 1 : 0), 0) / split.count]
    : (model.evaluate(x, y, { batchSize, rescale: 1 / 255, verbose: 1 }) as ck.Tensor[]).map((t) => t.dataSync()[0]);
  io.out(`${s.bold('test loss:')} ${loss.toFixed(4)}\n${s.bold('test accuracy:')} ${accuracy.toFixed(4)}\n`);
  const perClass = perClassAccuracy(confusionMatrix(split.labels, classes, names.length), names);
  io.out(`\n${table(perClass.map((r) => [r.name, r.support, r.correct, `${(r.accuracy * 100).toFixed(1)}%`]), ['class', 'images', 'correct', 'accuracy'])}`);
  return { loss, accuracy, perClass };
}

/** Options of `cnnkit predict`. */
export interface PredictOptions {
  model: string;
  top: number;
}

/** One image's best classes, most probable first. */
export interface Prediction {
  image: string;
  top: { name: string; probability: number }[];
}

/**
 * `cnnkit predict`: the top classes with probabilities for each of the user's images. A model that
 * records how its training images were shaped (see model-metadata.ts) gets photos shaped the same
 * way and names its classes; others get photos centre-cropped and resized to 32x32.
 */
export async function runPredict(io: Io, images: readonly string[], opts: PredictOptions): Promise<Prediction[]> {
  // Fail fast on a bad file, before loading the model.
  const meta = peekClassifierMetadata(opts.model);
  const pics: RgbImage[] = [];
  for (const p of images) {
    if (!meta) pics.push(await loadImageFile(p, 32));
    else pics.push({ width: meta.imageSize[1], height: meta.imageSize[0], data: await loadPreparedImage(p, imageJob(meta)) });
  }
  const model = await loadModel(opts.model);
  return predictAndReport(io, model, images, pics, opts.top);
}

/** Classifies images shaped for the model (RGB, its input size) and prints the top `k` classes of each. */
export function predictAndReport(io: Io, model: Model, labels: readonly string[], pics: readonly RgbImage[], k = 3): Prediction[] {
  const s = styles(io);
  const names = classNamesFor(model);
  const [h, w] = modelClassifierMetadata(model)?.imageSize ?? [32, 32];
  const bytes = h * w * 3;
  const batch = new Uint8Array(pics.length * bytes);
  pics.forEach((p, i) => {
    if (p.width !== w || p.height !== h) throw new ValueError(`predict: ${labels[i]} must be resized to ${w}x${h} first. Received ${p.width}x${p.height}`);
    batch.set(p.data, i * bytes);
  });
  const probs = probabilities(model, ck.Tensor.host([pics.length, h, w, 3], batch), 32).dataSync();
  const n = names.length;
  const width = Math.max(...names.map((x) => x.length));
  return labels.map((image, i) => {
    const row = Array.from(probs.subarray(i * n, (i + 1) * n));
    const top = row.map((p, c) => ({ name: names[c], probability: p }))
      .sort((a, b) => b.probability - a.probability).slice(0, Math.min(k, n));
    io.out(`${s.bold(image)}\n`);
    top.forEach(({ name, probability }, r) => {
      const line = `  ${r + 1}. ${name.padEnd(width)} ${`${(probability * 100).toFixed(1)}%`.padStart(6)}`;
      io.out(`${r === 0 ? s.green(line) : line}\n`);
    });
    return { image, top };
  });
}
