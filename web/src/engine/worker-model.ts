/**
 * The model in the engine worker: which recipe built it (the library's `ck.recipes`), what it
 * calls its classes and what size its images are (kept in model.json's userDefinedMetadata, as
 * `cnnkit train` keeps them), what the page is told about it, and what the views ask of it (one
 * image layer by layer, the held-out images' predictions, the saved files). Only cnnkit's public API.
 */
import * as ck from 'cnnkit';
import type { Dataset } from './worker-data.ts';
import { imageBytes, subsetOf } from './worker-data.ts';
import type { EvalResult, InspectResult, ModelInfo, ModelState, RecipeId, SavedModel } from './protocol.ts';
import { RECIPES } from './protocol.ts';

export type Metadata = ck.datasets.ClassifierMetadata;

/** The recipe a model was trained with (a model from elsewhere is read as the tutorial's: pixels / 255). */
export function recipeOf(id: RecipeId | null): ck.Recipe {
  return ck.recipes.get(id ?? 'tutorial');
}

/** The worker's current model and what the page knows of it. */
export class ModelSlot {
  model: ck.Sequential;
  info: ModelInfo;
  metadata: Metadata;
  /** The weights belong to a backend that is gone: nothing to free. */
  private orphaned = false;

  constructor() {
    this.metadata = { ...ck.datasets.cifar10Metadata(ck.datasets.CIFAR10_CLASSES), recipe: 'tutorial' };
    this.model = this.fresh('tutorial', 7, this.metadata);
    this.info = this.describe(this.model, 'untrained', 'tutorial', []);
  }

  /**
   * A new model of `recipe` with seeded weights, for the images and classes of `metadata`. Layer
   * names start afresh (conv2d, conv2d_1, ...), as in the Explain view and in a new Python session.
   */
  fresh(recipe: RecipeId, seed: number, metadata: Metadata): ck.Sequential {
    ck.clearSession();
    ck.setSeed(seed);
    const [h, w] = metadata.imageSize;
    return recipeOf(recipe).build([h, w, 3], metadata.classNames.length) as ck.Sequential;
  }

  private describe(model: ck.Sequential, state: ModelState, recipe: RecipeId | null, files: string[]): ModelInfo {
    return {
      version: (this.info?.version ?? 0) + 1, state, recipe, files, batches: 0, images: 0,
      layers: model.layers.map((l) => ({ name: l.name, className: l.className })),
      classNames: [...this.metadata.classNames], imageSize: this.metadata.imageSize[0],
    };
  }

  /** Makes `model` current, freeing the weights of the one it replaces. */
  replace(model: ck.Sequential, state: ModelState, recipe: RecipeId | null, metadata: Metadata, files: string[] = []): ModelInfo {
    const old = this.model;
    this.model = model;
    this.metadata = { ...metadata, ...(recipe ? { recipe } : {}) };
    this.info = this.describe(model, state, recipe, files);
    if (old !== model && !this.orphaned) for (const w of old.weights) w.dispose();
    this.orphaned = false;
    return this.info;
  }

  /** The backend was replaced: the current weights went with it (the next model takes over). */
  orphan(): void {
    this.orphaned = true;
  }

  /** Marks the weights as changed (a training batch). */
  touched(batches: number, images: number, state: ModelState): ModelInfo {
    this.info = { ...this.info, version: this.info.version + 1, batches, images, state };
    return this.info;
  }
}

/** Square RGB pixels of another size, resized to the model's (bilinear, as the library resizes). */
function toModelSize(pixels: Uint8Array, size: number): Uint8Array {
  const have = Math.round(Math.sqrt(pixels.length / 3));
  if (have === size) return pixels;
  if (have * have * 3 !== pixels.length) throw new Error(`an image of ${pixels.length} bytes is not square RGB`);
  return ck.datasets.prepareImage({ width: have, height: have, channels: 3, data: pixels }, { imageSize: [size, size], colorMode: 'rgb', interpolation: 'bilinear' });
}

/** How the recipe's model takes its pixels: the tutorial's as 0-1, the fast recipe's as 0-255. */
function inputScale(recipe: RecipeId | null): number {
  return recipe === 'fast' ? 1 : 1 / 255;
}

function softmax(v: Float32Array): Float32Array {
  const max = Math.max(...v);
  const e = v.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** Heat maps shown per conv layer at most (a wide layer's first ones). */
const MAX_MAPS = 64;

function firstChannels(data: Float32Array, hw: number, c: number, keep: number): Float32Array {
  if (keep >= c) return data;
  const out = new Float32Array(hw * keep);
  for (let p = 0; p < hw; p++) out.set(data.subarray(p * c, p * c + keep), p * keep);
  return out;
}

/**
 * One image (square RGB of any size; resized to the model's) through the model a layer at a time:
 * probabilities, conv outputs, and the first layer's filters (only those when `pixels` is null).
 */
export function inspect(slot: ModelSlot, pixels: Uint8Array | null): { result: InspectResult; transfer: ArrayBuffer[] } {
  const model = slot.model, size = slot.metadata.imageSize[0], recipe = slot.info.recipe;
  const outs = pixels === null ? [] : ck.tidy(() => {
    const scale = inputScale(recipe);
    let x = ck.tensor(Float32Array.from(toModelSize(pixels, size), (v) => v * scale), [1, size, size, 3], 'float32');
    const res: { name: string; className: string; relu: boolean; shape: number[]; data: Float32Array }[] = [];
    for (const layer of model.layers) {
      x = layer.apply(x) as ck.Tensor;
      const relu = (layer.getConfig() as { activation?: unknown }).activation === 'relu';
      res.push({ name: layer.name, className: layer.className, relu, shape: [...x.shape], data: Float32Array.from(x.dataSync()) });
    }
    return res;
  });
  const maps = outs.filter((o) => o.className === 'Conv2D').map((o) => {
    const [hh, ww, c] = o.shape.slice(1);
    const keep = Math.min(c, MAX_MAPS);
    return { name: o.name, relu: o.relu, channels: c, shape: [hh, ww, keep] as [number, number, number], data: firstChannels(o.data, hh * ww, c, keep) };
  });
  let filters: InspectResult['filters'] = null;
  const firstConv = model.layers.find((l) => l.className === 'Conv2D');
  if (firstConv) {
    const [kernel] = firstConv.getWeights();
    filters = { shape: kernel.shape as [number, number, number, number], data: Float32Array.from(kernel.dataSync()) };
    kernel.dispose();
  }
  const last = outs.length ? outs[outs.length - 1].data : new Float32Array(0);
  // The fast recipe's network ends in logits (its loss takes them); the tutorial's in a softmax.
  const probs = recipe === 'fast' && last.length ? softmax(last) : last;
  const transfer = [probs.buffer as ArrayBuffer, ...maps.map((m) => m.data.buffer as ArrayBuffer)];
  if (filters) transfer.push(filters.data.buffer as ArrayBuffer);
  return { result: { version: slot.info.version, probs, maps, filters }, transfer };
}

/**
 * Predicts `testCount` held-out images (class-balanced) a chunk at a time, the way the model's
 * recipe predicts, calling `between` after each chunk (progress, and a pause for the worker's
 * messages), and counts them in a confusion matrix.
 */
export async function evaluate(slot: ModelSlot, data: Dataset, testCount: number, between: (done: number, total: number) => Promise<void>): Promise<EvalResult> {
  const k = data.classNames.length, size = data.imageSize, bytes = imageBytes(data);
  const modelSize = slot.metadata.imageSize[0], modelClasses = slot.metadata.classNames.length;
  if (modelSize !== size || modelClasses !== k)
    throw new Error(`the model takes ${modelSize}x${modelSize} images in ${modelClasses} classes; the data has ${size}x${size} images in ${k} classes`);
  const recipe = recipeOf(slot.info.recipe);
  const te = subsetOf(data.test, testCount, k);
  const predicted = new Int32Array(te.count);
  const chunk = 500;
  for (let start = 0; start < te.count; start += chunk) {
    const n = Math.min(chunk, te.count - start);
    const x = ck.tensor(te.images.subarray(start * bytes, (start + n) * bytes), [n, size, size, 3], 'uint8');
    const p = recipe.predict(slot.model, x);
    predicted.set(ck.analysis.argmaxRows(p.dataSync(), k).classes, start);
    p.dispose();
    x.dispose();
    await between(start + n, te.count);
  }
  const matrix = ck.analysis.confusionMatrix(te.labels, predicted, k);
  const correct = matrix.reduce((s, row, i) => s + row[i], 0);
  return { count: te.count, correct, matrix };
}

/** The model in the TensorFlow.js layers format (class names, image size and recipe in its metadata). */
export async function save(slot: ModelSlot): Promise<SavedModel> {
  slot.model.setUserDefinedMetadata({ ...slot.metadata });
  const saver = ck.io.memorySaver();
  await slot.model.save(saver);
  const artifacts = saver.artifacts as NonNullable<typeof saver.artifacts>;
  const weightsName = 'group1-shard1of1.bin';
  const json = JSON.stringify(ck.io.modelJsonFor(artifacts, weightsName));
  return { json, weights: artifacts.weightData ?? new ArrayBuffer(0), weightsName };
}

/**
 * Loads a saved model from the visitor's files (model.json first, then its weights), with what its
 * metadata says about its classes, images and recipe; a model without that metadata is read as a
 * CIFAR-10 classifier when it has ten outputs, else its classes are numbered.
 */
export async function loadFiles(files: File[]): Promise<{ model: ck.Sequential; metadata: Metadata; recipe: RecipeId }> {
  const ordered = [...files].sort((a, b) => Number(!a.name.endsWith('.json')) - Number(!b.name.endsWith('.json')));
  const model = await ck.loadLayersModel(ck.io.browserFiles(ordered));
  // The page runs the layers one after another: it shows Sequential models.
  if (!(model instanceof ck.Sequential)) throw new Error(`model '${model.name}' is a graph model; this page shows Sequential models`);
  const [, h, w, c] = model.inputShape as (number | null)[];
  const units = (model.outputShape as (number | null)[]).at(-1) ?? 0;
  if (h === null || w === null || h !== w || c !== 3) throw new Error(`model '${model.name}' takes inputs of shape [${(model.inputShape as unknown[]).slice(1).join(', ')}]; this page shows models of square RGB images`);
  const found = ck.datasets.classifierMetadata(model.getUserDefinedMetadata(), ordered[0]?.name ?? 'model.json');
  if (found && found.classNames.length !== units) throw new Error(`${ordered[0].name}: its metadata names ${found.classNames.length} classes but the model has ${units} outputs`);
  const metadata = found ?? (units === 10 && h === 32
    ? ck.datasets.cifar10Metadata(ck.datasets.CIFAR10_CLASSES)
    : { classNames: Array.from({ length: units }, (_, i) => `class ${i}`), imageSize: [h, w] as [number, number], colorMode: 'rgb' as const, interpolation: 'bilinear' as const, cropToAspectRatio: false });
  const recipe = (RECIPES as readonly string[]).includes(found?.recipe ?? '') ? (found?.recipe as RecipeId) : 'tutorial';
  return { model, metadata, recipe };
}
