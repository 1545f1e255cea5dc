/**
 * Training recipes: a network and the way to train it, chosen by name (`cnnkit train --recipe`,
 * `ck.recipes.get('tutorial')`, the page). A recipe builds its model for the data's image size and
 * class count, trains it with the caller's callbacks (progress, backups), and predicts the way it
 * was meant to (a recipe may use test-time augmentation).
 */
import { ValueError } from '../errors.js';
import type { Callback, CallbackHooks, History } from '../models/callbacks.js';
import type { LayersModel } from '../models/model.js';
import type { Tensor } from '../tensor/tensor.js';
import { buildModel } from './tutorial.js';
import { fastRecipe, fastWideRecipe } from './fast.js';

/** Images and labels a recipe trains on: uint8 images [n, h, w, c] and int32 class indices [n]. */
export interface RecipeData {
  xTrain: Tensor;
  yTrain: Tensor;
  /** Held-out images and labels for the per-epoch validation figures, or null. */
  xVal: Tensor | null;
  yVal: Tensor | null;
  classNames: readonly string[];
}

/** How a caller runs a recipe. */
export interface RecipeOptions {
  /** Epochs to train (default: the recipe's `defaultEpochs`). */
  epochs?: number;
  /** Seeds initialisation, shuffling and augmentation (`ck.setSeed`). */
  seed?: number;
  /** Batch size (default: the recipe's `batchSize`). */
  batchSize?: number;
  /** Callbacks passed on to fit: progress, backups, early stopping. */
  callbacks?: (CallbackHooks | Callback)[];
  /** As fit's verbose: 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: number;
}

/** A recipe's result: the trained model and its history. */
export interface RecipeRun {
  model: LayersModel;
  history: History;
}

/** A named way to build and train an image classifier. */
export interface Recipe {
  readonly name: string;
  /** One line for `--help` and the page. */
  readonly summary: string;
  readonly defaultEpochs: number;
  readonly batchSize: number;
  /** The compiled, untrained model for images [h, w, c] and `classes` classes. */
  build(inputShape: readonly [number, number, number], classes: number): LayersModel;
  /** Builds, compiles and trains on `data`; images are uint8 and scaled by the recipe. */
  train(data: RecipeData, options?: RecipeOptions): Promise<RecipeRun>;
  /** Class probabilities [n, classes] for uint8 images [n, h, w, c] (with the recipe's test-time augmentation, if any). */
  predict(model: LayersModel, images: Tensor): Tensor;
  /**
   * The backend memory (MB) training needs, for recipes that need more than the default: callers
   * that create the backend pass it as `memoryMB`.
   */
  memoryMB?(inputShape: readonly [number, number, number], classes: number, batchSize?: number): number;
}

/** The tutorial's network (Conv2D/MaxPooling2D/Dense, Adam, 10 epochs, batch 32, pixels / 255). */
export const tutorialRecipe: Recipe = {
  name: 'tutorial',
  summary: "the tutorial's Conv2D/MaxPooling2D/Dense network with Adam (about 70% on CIFAR-10 in 10 epochs)",
  defaultEpochs: 10,
  batchSize: 32,
  build(inputShape, classes) {
    const model = buildModel([inputShape[0], inputShape[1], inputShape[2]], classes);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  },
  async train(data, options = {}) {
    const [, h, w, c] = data.xTrain.shape;
    const model = this.build([h, w, c], data.classNames.length);
    const history = await model.fit(data.xTrain, data.yTrain, {
      epochs: options.epochs ?? this.defaultEpochs,
      batchSize: options.batchSize ?? this.batchSize,
      rescale: 1 / 255,
      validationData: data.xVal && data.yVal ? [data.xVal, data.yVal] : undefined,
      callbacks: options.callbacks ?? [],
      verbose: options.verbose ?? 1,
    });
    return { model, history };
  },
  predict(model, images) {
    return model.predict(images, { rescale: 1 / 255, batchSize: 256 }) as Tensor;
  },
};

const registry = new Map<string, Recipe>([[tutorialRecipe.name, tutorialRecipe]]);
register(fastRecipe);
register(fastWideRecipe);

/** Makes a recipe available by name (`get`, `cnnkit train --recipe`). */
export function register(recipe: Recipe): void {
  registry.set(recipe.name, recipe);
}

/** The recipe called `name`. */
export function get(name: string): Recipe {
  const r = registry.get(name);
  if (!r) throw new ValueError(`recipes: no recipe named ${JSON.stringify(name)}. Available: ${[...registry.keys()].join(', ')}`);
  return r;
}

/**
 * The registered recipe a model was trained with, from its metadata (`recipe`, as `cnnkit train`
 * saves it), or null: its `predict` is how the model takes images (scale, test-time augmentation).
 */
export function recipeOf(model: LayersModel): Recipe | null {
  const name = (model.getUserDefinedMetadata() as { recipe?: unknown } | undefined)?.recipe;
  return typeof name === 'string' ? registry.get(name) ?? null : null;
}

/** The names of the registered recipes. */
export function names(): string[] {
  return [...registry.keys()];
}
