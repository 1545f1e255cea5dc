/**
 * The fast CIFAR-10 recipe (`cnnkit train --recipe fast`, `ck.recipes.get('fast')`): an
 * airbench93-style network and training procedure (Keller Jordan, "94% on CIFAR-10 in 3.29 seconds
 * on a single GPU", 2024), sized for a CPU.
 *
 * Network: a frozen 2x2 whitening convolution (24 channels, from the training images' patch
 * covariance, layers/init/whitening.ts) and GELU; three blocks [conv3x3 → max-pool 2 →
 * BatchNorm → GELU → conv3x3 → BatchNorm → GELU]; a global max pool; a bias-free dense layer
 * scaled by 1/9. Convolutions start as PyTorch's default with their first min(in, out) filters
 * set to the identity; BatchNorm has no scale (γ = 1), momentum 0.6 (Keras form), ε = 1e-12.
 *
 * Training: batch 1024; cross-entropy with label smoothing 0.2; the whitening bias trained for the
 * first epochs only; reflect-padded random 2-pixel translations and horizontal flips that
 * alternate per epoch (each image is flipped in every other epoch, starting from a random half).
 * The optimizer is one of two (`FastSettings.muon`):
 * - Muon (airbench94_muon, "airbench94 with Muon", 2024): the 3x3 filters take orthogonalized
 *   steps (momentum 0.6, weights renormalised, 3 Newton–Schulz iterations), the biases and the
 *   head Nesterov SGD (momentum 0.85); every rate decays linearly to 0 without warm-up; the head
 *   starts with unit deviation and its logits are divided by the width.
 * - airbench93's Nesterov SGD (momentum 0.85) with L2 weight decay, BatchNorm biases in a group at
 *   64× the learning rate, a triangular schedule (0.2 → 1 at 23% of the steps → 0.07, per step)
 *   and lookahead (an average of all weights and BatchNorm statistics every 5 steps, its decay
 *   growing as (step/total)³); the head scaled by 1/9.
 * Prediction averages the logits over mirror images and 1-pixel shifts (test-time augmentation).
 *
 * Pixels stay 0-255: the whitening layer's data-dependent weights absorb the scale and the mean.
 */
import { add, mul } from '../autograd/ops.js';
import { getBackend, tidy, withBackend } from '../backend/engine.js';
import { ReferenceBackend } from '../backend/reference/index.js';
import { ValueError } from '../errors.js';
import * as layers from '../layers/index.js';
import { initializers } from '../layers/initializers.js';
import { patchWhitening } from '../layers/init/whitening.js';
import type { Layer } from '../layers/layer.js';
import { Lookahead, type Callback, type CallbackHooks } from '../models/callbacks.js';
import type { Dataset, DatasetBatch } from '../models/dataset.js';
import type { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { losses } from '../losses/index.js';
import { SGD } from '../optimizers/optimizer.js';
import { piecewiseLinear } from '../optimizers/schedules.js';
import { globalRandom, setSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { Recipe, RecipeData, RecipeOptions, RecipeRun } from './recipes.js';
import { augmentBatch, testTimeAugmentation } from './fast-augment.js';

/** The recipe's settings; `makeFastRecipe` takes any of them. */
export interface FastSettings {
  /** Widths of the three blocks (airbench93: 64, 128, 128). */
  widths: readonly [number, number, number];
  epochs: number;
  batchSize: number;
  /** Peak learning rate for the mean loss (airbench93's 11.5 per summed batch of 1024 with its momentum scaling). */
  learningRate: number;
  momentum: number;
  /** L2 weight decay (PyTorch SGD form) for the mean loss; BatchNorm biases get it / biasScale. */
  weightDecay: number;
  /** Learning-rate factor of the BatchNorm biases. */
  biasScale: number;
  labelSmoothing: number;
  /** Epochs during which the whitening bias trains. */
  whiteningBiasEpochs: number;
  /** Fraction of the steps after which lookahead averaging starts (0 to 1; 1 turns it off). */
  lookaheadStart: number;
  /** The whitening layer's ε, relative to the mean per-pixel variance of the patches (`patchWhitening`). */
  whiteningEpsilon: number;
  /** Test-time augmentation of predict: 0 none, 1 mirror, 2 mirror and 1-pixel shifts. */
  tta: 0 | 1 | 2;
  /**
   * Muon for the convolution filters (airbench94_muon's training), or null for airbench93's
   * Nesterov SGD with lookahead (the settings above). With Muon, the other parameters keep
   * Nesterov SGD (momentum 0.85) at the rates below, all decaying linearly to 0 without warm-up
   * (the whitening bias over its epochs), there is no lookahead, and the head is initialised with
   * unit deviation and scaled by 1/width (learningRate, weightDecay, biasScale and lookaheadStart
   * are not used).
   */
  muon: MuonSettings | null;
}

/** The fast recipe's Muon training (rates for the batch-mean loss). */
export interface MuonSettings {
  /** Step size of the orthogonalized filter updates (airbench94_muon: 0.24 at batch 2000). */
  learningRate: number;
  momentum: number;
  newtonSchulzSteps: number;
  /** SGD rates of the BatchNorm and whitening biases and of the head, per example (times the batch size for the batch-mean loss). */
  biasLearningRate: number;
  headLearningRate: number;
  /** Weight decay of the biases and the head per example (airbench94_muon's 2e-6): each step shrinks them by weightDecay·batch. */
  weightDecay: number;
}

/** airbench94_muon's settings (its rates are per summed example, as here), the filters' step size scaled from its batch 2000 to 1024 by √(1024/2000). */
export const FAST_MUON: MuonSettings = {
  learningRate: 0.17,
  momentum: 0.6,
  newtonSchulzSteps: 3,
  biasLearningRate: 0.053,
  headLearningRate: 0.67,
  weightDecay: 2e-6,
};

/** The recipe's defaults: Muon (FAST_MUON); with `muon: null`, airbench93's SGD with its learning rate and decay rewritten for a mean (not summed) loss. */
export const FAST_DEFAULTS: FastSettings = {
  widths: [64, 128, 128],
  // 14 epochs fit 15 minutes on 2 cores with room to spare (43-53 s per epoch with its validation,
  // 18 s of test-time augmentation, 647-650 s in all on a 2-core AMD EPYC; a slower machine: pass --epochs).
  epochs: 14,
  batchSize: 1024,
  // 11.5 / (1024 · (1 + 1/(1 − 0.85))) per summed sample = 1.5 for the batch mean.
  learningRate: 1.5,
  momentum: 0.85,
  // PyTorch weight_decay 0.0153 · 1024 / 11.5 on the summed loss = 1.3624 → / 1024 for the mean.
  weightDecay: 1.3624 / 1024,
  biasScale: 64,
  labelSmoothing: 0.2,
  whiteningBiasEpochs: 3,
  lookaheadStart: 0.25,
  whiteningEpsilon: 5e-4,
  tta: 2,
  muon: FAST_MUON,
};

const WHITEN_FILTERS = 24;

/** A 3x3 'same' convolution without bias, PyTorch's default initialisation (U(±1/√fanIn)). */
function conv3x3(filters: number, name: string): Layer {
  return layers.conv2d({
    filters, kernelSize: 3, padding: 'same', useBias: false, name,
    kernelInitializer: initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' }),
  });
}

function batchNorm(name: string): Layer {
  return layers.batchNormalization({ momentum: 0.6, epsilon: 1e-12, scale: false, name });
}

/** Sets the first min(in, out) filters of a 3x3 kernel [3, 3, in, out] to the identity (PyTorch `dirac_` on them), on the backend. */
function diracFirstFilters(layer: Layer): void {
  const [kernel] = layer.getWeights();
  const [kh, kw, cin, cout] = kernel.shape;
  const keep = new Float32Array(kernel.size).fill(1), dirac = new Float32Array(kernel.size);
  const centre = (Math.floor(kh / 2) * kw + Math.floor(kw / 2)) * cin;
  for (let o = 0; o < Math.min(cin, cout); o++) {
    for (let i = 0; i < kh * kw * cin; i++) keep[i * cout + o] = 0;
    dirac[(centre + o) * cout + o] = 1;
  }
  layer.setWeights([tidy(() => add(mul(kernel, Tensor.fromValues(kernel.shape, keep)), Tensor.fromValues(kernel.shape, dirac)))]);
}

/** The network (uncompiled) for images [h, w, c] and `classes` classes. */
export function buildFastModel(inputShape: readonly [number, number, number], classes: number, widths: readonly number[] = FAST_DEFAULTS.widths, head: 'sgd' | 'muon' = 'sgd'): Sequential {
  const [h, w] = inputShape;
  if (h < 16 || w < 16) throw new ValueError(`recipe 'fast': images must be at least 16x16 pixels (three 2x2 poolings after a 2x2 convolution). Received ${h}x${w}`);
  const model = new Sequential({ name: 'airbench' });
  model.add(layers.conv2d({ filters: WHITEN_FILTERS, kernelSize: 2, activation: 'gelu', inputShape: [...inputShape], name: 'whiten' }));
  const convs: Layer[] = [];
  widths.forEach((width, b) => {
    const first = conv3x3(width, `block${b + 1}_conv1`), second = conv3x3(width, `block${b + 1}_conv2`);
    convs.push(first, second);
    model.add(first);
    model.add(layers.maxPooling2d({ poolSize: 2, name: `block${b + 1}_pool` }));
    model.add(batchNorm(`block${b + 1}_norm1`));
    model.add(layers.activation({ activation: 'gelu', name: `block${b + 1}_gelu1` }));
    model.add(second);
    model.add(batchNorm(`block${b + 1}_norm2`));
    model.add(layers.activation({ activation: 'gelu', name: `block${b + 1}_gelu2` }));
  });
  model.add(layers.globalMaxPooling2d({ name: 'pool' }));
  // Muon's head (airbench94_muon): unit-deviation weights, logits divided by the width.
  const width = widths[widths.length - 1];
  const dense = layers.dense({
    units: classes, useBias: false, name: 'head',
    kernelInitializer: head === 'muon'
      ? initializers.randomUniform({ minval: -Math.sqrt(3), maxval: Math.sqrt(3) })
      : initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' }),
  });
  model.add(dense);
  model.add(layers.rescaling({ scale: head === 'muon' ? 1 / width : 1 / 9, name: 'head_scale' }));
  for (const c of convs) diracFirstFilters(c);
  return model;
}

/** One-hot float32 rows for class indices. */
function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
}

async function labelsOf(y: Tensor, classes: number, where: string): Promise<Int32Array> {
  const v = Int32Array.from(await y.data());
  for (const c of v) if (!(c >= 0 && c < classes)) throw new ValueError(`${where}: labels must be class indices in [0, ${classes}). Received ${c}`);
  return v;
}

/**
 * The training batches (fitDataset's `batchesPerEpoch` form), augmented as the module comment
 * says: a fresh shuffle per epoch, dropping the last partial batch. `startEpoch` (the recipe's
 * onEpochBegin) names the epoch about to run, for its flips; the order, shifts and first flips come
 * from the global generator, whose state a backup keeps, so a resumed run draws what the
 * uninterrupted one would have.
 */
function trainingBatches(images: Uint8Array, labels: Int32Array, shape: readonly number[], classes: number, s: FastSettings, steps: number): { dataset: Dataset; startEpoch: (epoch: number) => void } {
  const [n, h, w, c] = shape;
  const pixels = h * w * c;
  const flipBase = Uint8Array.from({ length: n }, () => (globalRandom.uniform() < 0.5 ? 1 : 0));
  const buffer = new Uint8Array(s.batchSize * pixels);
  let epoch = 0, inEpoch = 0;
  let order = new Int32Array(0);
  const dataset: Dataset = {
    iterator: async () => ({
      next: async (): Promise<IteratorResult<DatasetBatch>> => {
        if (inEpoch === 0) order = globalRandom.shuffle(Int32Array.from({ length: n }, (_, i) => i));
        const picked = order.subarray(inEpoch * s.batchSize, (inEpoch + 1) * s.batchSize);
        inEpoch = (inEpoch + 1) % steps;
        augmentBatch(images, shape, picked, buffer, globalRandom, (j) => (flipBase[j] ^ (epoch & 1)) === 1);
        const batchLabels = Int32Array.from(picked, (j) => labels[j]);
        const xs = Tensor.host([s.batchSize, h, w, c], buffer);
        const ys = Tensor.fromValues([s.batchSize, classes], oneHot(batchLabels, classes));
        return { value: { xs, ys }, done: false };
      },
    }),
  };
  return {
    dataset,
    startEpoch: (e) => {
      epoch = e;
      inEpoch = 0;
    },
  };
}

/** A recipe with `settings` over FAST_DEFAULTS (`ck.recipes.get('fast')` is `makeFastRecipe()`). */
export function makeFastRecipe(settings: Partial<FastSettings> = {}, name = 'fast'): Recipe {
  const s: FastSettings = { ...FAST_DEFAULTS, ...settings };
  const unused = s.muon ? (['learningRate', 'momentum', 'weightDecay', 'biasScale', 'lookaheadStart'] as const).filter((k) => settings[k] !== undefined) : [];
  if (unused.length) throw new ValueError(`recipe '${name}': ${unused.join(', ')} ${unused.length > 1 ? 'are' : 'is'} for the SGD training (muon: null); with Muon, set them in muon (FAST_MUON)`);
  const recipe: Recipe = {
    name,
    summary: `an airbench93-style network (widths ${s.widths.join('/')}, BatchNorm, GELU) with ${s.muon ? 'Muon for the filters and Nesterov SGD for the rest' : 'Nesterov SGD, lookahead'}, flips and translations, ${s.epochs} epochs at batch ${s.batchSize}`,
    defaultEpochs: s.epochs,
    batchSize: s.batchSize,
    build(inputShape, classes) {
      const model = buildFastModel(inputShape, classes, s.widths);
      model.compile({ optimizer: new SGD({ learningRate: s.learningRate, momentum: s.momentum, nesterov: true }), loss: losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: s.labelSmoothing }), metrics: ['accuracy'] });
      return model;
    },
    train: (data, options) => trainFast(recipe, s, data, options ?? {}),
    predict: (model, images) => testTimeAugmentation(model, images, { level: s.tta }),
    memoryMB: (inputShape, classes, batchSize) => fastRecipeMemoryMB(inputShape, classes, { ...s, ...(batchSize ? { batchSize } : {}) }),
  };
  return recipe;
}

async function trainFast(recipe: Recipe, base: FastSettings, data: RecipeData, options: RecipeOptions): Promise<RecipeRun> {
  const where = `recipe '${recipe.name}'`;
  const s: FastSettings = { ...base, epochs: options.epochs ?? base.epochs, batchSize: options.batchSize ?? base.batchSize };
  const { xTrain, yTrain } = data;
  if (xTrain.dtype !== 'uint8' || xTrain.rank !== 4) throw new ValueError(`${where}: xTrain must be uint8 images [n, h, w, c]. Received ${xTrain.dtype} [${xTrain.shape.join(', ')}]`);
  const [n, h, w, c] = xTrain.shape;
  const classes = data.classNames.length;
  if (n < s.batchSize) throw new ValueError(`${where}: needs at least one batch of ${s.batchSize} training images. Received ${n} (pass a smaller batchSize)`);
  if (options.seed !== undefined) setSeed(options.seed);
  const model = buildFastModel([h, w, c], classes, s.widths, s.muon ? 'muon' : 'sgd');
  const steps = Math.floor(n / s.batchSize);
  const total = steps * s.epochs;
  const optimizer = s.muon ? muonOptimizer(model, s.muon, s.batchSize, total, steps * s.whiteningBiasEpochs) : sgdOptimizer(model, s, total);
  model.compile({ optimizer, loss: losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: s.labelSmoothing }), metrics: ['accuracy'] });
  // The images and labels are read once, asynchronously (a backend need not allow synchronous reads).
  const images = xTrain.isHost ? (xTrain.hostData as Uint8Array) : Uint8Array.from(await xTrain.data());
  const labels = await labelsOf(yTrain, classes, where);
  const whiten = model.getLayer('whiten');
  const { kernel, bias } = patchWhitening(Tensor.host(xTrain.shape, images), { kernelSize: 2, maxImages: 5000, epsilon: s.whiteningEpsilon });
  whiten.setWeights([kernel, bias]);
  const [, whitenBias] = whiten.trainableWeights.map((v) => v.tensor);
  const batches = trainingBatches(images, labels, xTrain.shape, classes, s, steps);
  const perEpoch: CallbackHooks = {
    onEpochBegin: (epoch) => {
      optimizer.paramGroup([whitenBias], { trainable: epoch < s.whiteningBiasEpochs });
      batches.startEpoch(epoch);
    },
  };
  const callbacks: (CallbackHooks | Callback)[] = [perEpoch, ...(options.callbacks ?? [])];
  if (!s.muon && s.lookaheadStart < 1) {
    callbacks.unshift(new Lookahead({ every: 5, startStep: Math.floor(s.lookaheadStart * total), totalSteps: total, decay: (step, t) => 0.95 ** 5 * (step / t) ** 3, syncOnEpochEnd: true }));
  }
  const validation: [Tensor, Tensor] | undefined = data.xVal && data.yVal
    ? [data.xVal, Tensor.fromValues([data.yVal.shape[0], classes], oneHot(await labelsOf(data.yVal, classes, `${where}: yVal`), classes))]
    : undefined;
  checkMemory(model, s.batchSize, where);
  const history = await model.fitDataset(batches.dataset, {
    epochs: s.epochs, batchesPerEpoch: steps, validationData: validation, validationBatchSize: 500,
    callbacks, verbose: options.verbose ?? 1,
  });
  validation?.[1].dispose();
  return { model, history };
}

/** The parameters of the fast network by role. */
function fastParams(model: LayersModel): { whitenKernel: Tensor; whitenBias: Tensor; filters: Tensor[]; betas: Tensor[]; head: Tensor } {
  const [whitenKernel, whitenBias] = model.getLayer('whiten').trainableWeights.map((v) => v.tensor);
  const ofClass = (name: string): Tensor[] => model.layers.filter((l) => l.name !== 'whiten' && l.getClassName() === name).flatMap((l) => l.trainableWeights.map((v) => v.tensor));
  return { whitenKernel, whitenBias, filters: ofClass('Conv2D'), betas: ofClass('BatchNormalization'), head: model.getLayer('head').trainableWeights[0].tensor };
}

/**
 * airbench93's optimizer: Nesterov SGD with L2 decay on a triangular schedule (0.2 → 1 at 23% of
 * the steps → 0.07), BatchNorm biases at biasScale× the rate; the whitening weights held still.
 */
function sgdOptimizer(model: LayersModel, s: FastSettings, total: number): SGD {
  const peak = Math.max(1, Math.round(0.23 * total));
  const optimizer = new SGD({
    learningRate: piecewiseLinear([0, peak, total], [0.2 * s.learningRate, s.learningRate, 0.07 * s.learningRate]),
    momentum: s.momentum, nesterov: true, weightDecay: s.weightDecay, weightDecayMode: 'l2',
  });
  const { whitenKernel, whitenBias, betas } = fastParams(model);
  optimizer.paramGroup([whitenKernel], { trainable: false });
  optimizer.paramGroup(betas, { learningRateScale: s.biasScale, weightDecay: s.weightDecay / s.biasScale });
  // No decay on the whitening bias: it holds −W·(mean patch), which centres the 0-255 pixels; airbench
  // centres its inputs first, so there the bias sits at zero and decay pulls it nowhere.
  optimizer.paramGroup([whitenBias], { weightDecay: 0 });
  return optimizer;
}

/**
 * airbench94_muon's optimizer: the 3x3 filters take orthogonalized steps (Muon: momentum, weights
 * renormalised, Newton–Schulz), the biases and the head Nesterov SGD (momentum 0.85); every rate
 * decays linearly to 0 over the run, the whitening bias's over its own epochs.
 */
export function muonOptimizer(model: LayersModel, m: MuonSettings, batchSize: number, total: number, whitenSteps: number): SGD {
  // Rates per example → for the batch-mean loss; L2 decay wd/rate shrinks by wd·batch per step, as there.
  const biasRate = m.biasLearningRate * batchSize, headRate = m.headLearningRate * batchSize;
  const optimizer = new SGD({ learningRate: biasRate, momentum: 0.85, nesterov: true, weightDecayMode: 'l2' });
  const decay = (rate: number, steps: number): ReturnType<typeof piecewiseLinear> => piecewiseLinear([0, Math.max(1, steps)], [rate, 0]);
  const { whitenKernel, whitenBias, filters, betas, head } = fastParams(model);
  optimizer.paramGroup([whitenKernel], { trainable: false });
  optimizer.paramGroup(filters, { orthogonalize: true, normalizeWeights: true, newtonSchulzSteps: m.newtonSchulzSteps, momentum: m.momentum, learningRate: decay(m.learningRate, total) });
  optimizer.paramGroup(betas, { learningRate: decay(biasRate, total), weightDecay: m.weightDecay / m.biasLearningRate });
  optimizer.paramGroup([head], { learningRate: decay(headRate, total), weightDecay: m.weightDecay / m.headLearningRate });
  // No decay on the whitening bias (see sgdOptimizer).
  optimizer.paramGroup([whitenBias], { learningRate: decay(biasRate, whitenSteps), weightDecay: 0 });
  return optimizer;
}

/**
 * Backend bytes a training step needs per image: the layers' outputs (float32) times 2.1, about the
 * ratio of the step arena's high-water mark to the forward activations measured for this network
 * (gradients, GELU inputs, convolution workspaces): 1.95 MiB per 32x32 image at widths 64/128/128,
 * against 2.0 estimated.
 */
export function stepBytesPerImage(model: LayersModel): number {
  let values = 0;
  for (const l of model.layers) {
    const shape = l.outputShape as (number | null)[];
    values += shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  }
  return 2.1 * 4 * values;
}

/**
 * MiB of WASM backend memory the fast recipe needs to train on images [h, w, c] (a step of the
 * batch size, plus weights, optimizer state and a margin): pass it as `memoryMB` when creating the
 * backend (`ck.setBackend('wasm', { memoryMB })`). About 2,300 MiB for CIFAR-10 at the defaults.
 */
export function fastRecipeMemoryMB(inputShape: readonly [number, number, number], classes: number, settings: Partial<FastSettings> = {}): number {
  const s = { ...FAST_DEFAULTS, ...settings };
  // Sized on a reference backend of its own: asking must not create the default backend, whose
  // memory is what the answer is for.
  const reference = new ReferenceBackend();
  try {
    return withBackend(reference, () => {
      const model = buildFastModel(inputShape, classes, s.widths);
      const step = stepBytesPerImage(model) * s.batchSize;
      const weights = 4 * 3 * model.countParams();
      model.dispose();
      return Math.ceil((1.1 * step + weights) / 1048576) + 64;
    });
  } finally {
    reference.dispose();
  }
}

/** Fails before training when the WASM backend's memory cannot hold a step of `batchSize`. */
function checkMemory(model: LayersModel, batchSize: number, where: string): void {
  const b = getBackend();
  if (b.name !== 'wasm') return;
  const { reservedBytes, persistentBytes } = b.memory();
  const free = reservedBytes - persistentBytes;
  const need = stepBytesPerImage(model) * batchSize;
  if (need > free) {
    const mb = (n: number): number => Math.ceil(n / 1048576);
    throw new ValueError(`${where}: a training step of batch ${batchSize} needs about ${mb(need)} MiB of backend memory; the WASM backend has ${mb(free)} MiB free of ${mb(reservedBytes)} MiB. ` +
      `Create it with more (ck.setBackend('wasm', { memoryMB: ${mb(reservedBytes - free + need * 1.1)} }), at most 4095) or pass a smaller batch size (about ${Math.max(1, Math.floor(free / stepBytesPerImage(model)))})`);
  }
}

/** The fast recipe with its defaults (FAST_DEFAULTS). */
export const fastRecipe: Recipe = makeFastRecipe();

/**
 * The longer setting (`cnnkit train --recipe fast-wide`): the same training at airbench94_muon's
 * widths 64/256/256 for 10 epochs, about 2.3x the time and 3.1 GB at batch 1024.
 */
export const fastWideRecipe: Recipe = makeFastRecipe({ widths: [64, 256, 256], epochs: 10 }, 'fast-wide');
