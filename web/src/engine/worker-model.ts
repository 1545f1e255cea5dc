/**
 * The model in the engine worker: how each recipe builds and compiles it, what the page is told
 * about it, and what the views ask of it (one image layer by layer, the test images' predictions,
 * the saved files). Only cnnkit's public API.
 */
import * as ck from 'cnnkit';
import type { Dataset } from './worker-data.ts';
import { subsetOf } from './worker-data.ts';
import type { EvalResult, InspectResult, ModelInfo, ModelState, RecipeId, SavedModel } from './protocol.ts';

interface Recipe {
  /** A fresh model, compiled for training. */
  build(): ck.Sequential;
}

const recipes: Record<RecipeId, Recipe> = {
  tutorial: {
    build() {
      const model = ck.tutorial.buildModel();
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      return model;
    },
  },
};

/** The worker's current model and what the page knows of it. */
export class ModelSlot {
  model: ck.Sequential;
  info: ModelInfo;

  constructor() {
    this.model = this.fresh('tutorial', 7);
    this.info = this.describe(this.model, 'untrained', 'tutorial', []);
  }

  /**
   * A new model of `recipe` with seeded weights. Layer names start afresh (conv2d, conv2d_1, ...),
   * as in the Explain view and in a new Python session.
   */
  fresh(recipe: RecipeId, seed: number): ck.Sequential {
    ck.clearSession();
    ck.setSeed(seed);
    return recipes[recipe].build();
  }

  private describe(model: ck.Sequential, state: ModelState, recipe: RecipeId | null, files: string[]): ModelInfo {
    return {
      version: (this.info?.version ?? 0) + 1, state, recipe, files, batches: 0, images: 0,
      layers: model.layers.map((l) => ({ name: l.name, className: l.className })),
    };
  }

  /** Makes `model` current, freeing the weights of the one it replaces. */
  replace(model: ck.Sequential, state: ModelState, recipe: RecipeId | null, files: string[] = []): ModelInfo {
    const old = this.model;
    this.model = model;
    this.info = this.describe(model, state, recipe, files);
    if (old !== model) for (const w of old.weights) w.dispose();
    return this.info;
  }

  /** Marks the weights as changed (a training batch). */
  touched(batches: number, images: number, state: ModelState): ModelInfo {
    this.info = { ...this.info, version: this.info.version + 1, batches, images, state };
    return this.info;
  }
}

/**
 * One image (32x32x3 bytes) through the model a layer at a time: probabilities, conv outputs, and
 * the first layer's filters (only those when `pixels` is null).
 */
export function inspect(slot: ModelSlot, pixels: Uint8Array | null): { result: InspectResult; transfer: ArrayBuffer[] } {
  const model = slot.model;
  const outs = pixels === null ? [] : ck.tidy(() => {
    let x = ck.tensor(Float32Array.from(pixels, (v) => v / 255), [1, 32, 32, 3], 'float32');
    const res: { name: string; className: string; shape: number[]; data: Float32Array }[] = [];
    for (const layer of model.layers) {
      x = layer.apply(x) as ck.Tensor;
      res.push({ name: layer.name, className: layer.className, shape: [...x.shape], data: Float32Array.from(x.dataSync()) });
    }
    return res;
  });
  const maps = outs.filter((o) => o.className === 'Conv2D')
    .map((o) => ({ name: o.name, shape: o.shape.slice(1) as [number, number, number], data: o.data }));
  let filters: InspectResult['filters'] = null;
  const firstConv = model.layers.find((l) => l.className === 'Conv2D');
  if (firstConv) {
    const [kernel] = firstConv.getWeights();
    filters = { shape: kernel.shape as [number, number, number, number], data: Float32Array.from(kernel.dataSync()) };
    kernel.dispose();
  }
  const probs = outs.length ? outs[outs.length - 1].data : new Float32Array(0);
  const transfer = [probs.buffer as ArrayBuffer, ...maps.map((m) => m.data.buffer as ArrayBuffer)];
  if (filters) transfer.push(filters.data.buffer as ArrayBuffer);
  return { result: { version: slot.info.version, probs, maps, filters }, transfer };
}

/**
 * Predicts `testCount` test images (class-balanced) a chunk at a time, calling `between` after each
 * chunk (progress, and a pause for the worker's messages), and counts them in a confusion matrix.
 */
export async function evaluate(slot: ModelSlot, data: Dataset, testCount: number, between: (done: number, total: number) => Promise<void>): Promise<EvalResult> {
  const k = data.classNames.length;
  const te = subsetOf(data.test, testCount, k);
  const predicted = new Int32Array(te.count);
  const chunk = 500;
  for (let start = 0; start < te.count; start += chunk) {
    const n = Math.min(chunk, te.count - start);
    const x = ck.tensor(te.images.subarray(start * 3072, (start + n) * 3072), [n, 32, 32, 3], 'uint8');
    const p = slot.model.predict(x, { rescale: 1 / 255, batchSize: 100 }) as ck.Tensor;
    predicted.set(ck.analysis.argmaxRows(p.dataSync(), k).classes, start);
    p.dispose();
    x.dispose();
    await between(start + n, te.count);
  }
  const matrix = ck.analysis.confusionMatrix(te.labels, predicted, k);
  const correct = matrix.reduce((s, row, i) => s + row[i], 0);
  return { count: te.count, correct, matrix };
}

/** The model in the TensorFlow.js layers format: model.json's text and one weights file. */
export async function save(slot: ModelSlot): Promise<SavedModel> {
  const saver = ck.io.memorySaver();
  await slot.model.save(saver);
  const artifacts = saver.artifacts as NonNullable<typeof saver.artifacts>;
  const weightsName = 'group1-shard1of1.bin';
  const json = JSON.stringify(ck.io.modelJsonFor(artifacts, weightsName));
  return { json, weights: artifacts.weightData ?? new ArrayBuffer(0), weightsName };
}

/** Loads a saved model from the visitor's files (model.json first, then its weights). */
export async function loadFiles(files: File[]): Promise<ck.Sequential> {
  const ordered = [...files].sort((a, b) => Number(!a.name.endsWith('.json')) - Number(!b.name.endsWith('.json')));
  const model = await ck.loadLayersModel(ck.io.browserFiles(ordered));
  // The page runs the layers one after another: it shows Sequential models.
  if (!(model instanceof ck.Sequential)) throw new Error(`model '${model.name}' is a graph model; this page shows Sequential models`);
  return model;
}
