/**
 * Losses. A model's loss is a {@link LossSpec}: any name tfjs-layers or Keras accepts in
 * `compile({ loss })`, a Keras-style object (`ck.losses.categoricalCrossentropy({ fromLogits,
 * labelSmoothing })`) or any function (yTrue, yPred) → tensor; the batch loss is the mean of what
 * the function returns. `ck.losses` also holds tfjs's `tf.losses` functions on tensors.
 */
import { mean, mul, softmaxCrossEntropy as fusedSoftmaxCrossEntropy, squaredDifference } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import * as core from './core.js';
import {
  LOSSES, LOSS_ALIASES, binaryCrossentropy, canonicalLossName, categoricalCrossentropy, sparseCategoricalCrossentropy, type LossOrMetricFn,
} from './keras.js';

export { Reduction } from './core.js';
export type { LossOrMetricFn } from './keras.js';

/** A model's loss, resolved. */
export interface LossSpec {
  /** The canonical tfjs-layers name for named losses, or the function's name. */
  readonly name: string;
  /** The model's output is unnormalised logits rather than probabilities. */
  readonly fromLogits: boolean;
  /** Keras label smoothing (categorical and binary cross-entropy): targets move towards uniform. */
  readonly labelSmoothing?: number;
  /** A user-given loss function (the named losses are computed by `computeLoss`). */
  readonly fn?: LossOrMetricFn;
}

/** What `compile({ loss })` accepts. */
export type LossArg = string | LossSpec | LossOrMetricFn;

const SMOOTHABLE = new Set(['categoricalCrossentropy', 'binaryCrossentropy']);

function knownNames(): string {
  return [...Object.keys(LOSSES), ...Object.keys(LOSS_ALIASES).filter((k) => k.includes('_'))].join(', ');
}

/** Resolves a loss given as a name, a `{ name, fromLogits, labelSmoothing }` object or a function. */
export function resolveLoss(loss: LossArg): LossSpec {
  if (typeof loss === 'function') return { name: loss.name || 'customLoss', fromLogits: false, fn: loss };
  const raw = typeof loss === 'string' ? loss : loss?.name;
  if (typeof loss === 'object' && loss !== null && typeof loss.fn === 'function') return loss;
  const name = typeof raw === 'string' ? canonicalLossName(raw) : undefined;
  if (!name) throw new ValueError(`compile: unknown loss ${JSON.stringify(raw)}. Expected a function (yTrue, yPred) => Tensor or one of ${knownNames()}`);
  if (typeof loss === 'string') return { name, fromLogits: false };
  const labelSmoothing = loss.labelSmoothing ?? 0;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new ValueError(`compile: labelSmoothing must be in [0, 1]. Received labelSmoothing=${labelSmoothing}`);
  if (labelSmoothing > 0 && !SMOOTHABLE.has(name)) throw new ValueError(`compile: labelSmoothing applies to categoricalCrossentropy and binaryCrossentropy (as in Keras). Received it for '${name}'`);
  if (loss.fromLogits && !['categoricalCrossentropy', 'binaryCrossentropy', 'sparseCategoricalCrossentropy'].includes(name))
    throw new ValueError(`compile: fromLogits applies to the cross-entropy losses. Received it for '${name}'`);
  return { name, fromLogits: !!loss.fromLogits, ...(labelSmoothing > 0 ? { labelSmoothing } : {}) };
}

/** Whether the loss fuses with a final softmax: the model then feeds it logits. */
export function fusesSoftmax(spec: LossSpec): boolean {
  return spec.name === 'sparseCategoricalCrossentropy' && !spec.fn && !spec.labelSmoothing;
}

/**
 * Mean cross-entropy of probabilities [n, classes] against one-hot (or soft) targets, as Keras
 * computes it: rows normalised to sum to one, clipped to [ε, 1 − ε], −Σ t·log p per row.
 */
export function crossEntropyOnProbabilities(probs: Tensor, targets: Tensor): Tensor {
  return mean(categoricalCrossentropy(targets, probs));
}

/** Mean squared error: mean over the last axis, then over the batch (= mean of all elements). */
export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  return mean(squaredDifference(pred, target));
}

/** Targets moved towards uniform (Keras label smoothing): t·(1 − s) + s/classes, or + s/2 for binary. */
function smooth(spec: LossSpec, target: Tensor, classes: number): Tensor {
  const s = spec.labelSmoothing ?? 0;
  if (!s) return target;
  const t = target.dtype === 'float32' ? target : target.cast('float32');
  return t.mul(1 - s).add(spec.name === 'binaryCrossentropy' ? 0.5 * s : s / classes);
}

/**
 * The mean loss of a batch. `outputIsLogits` says the model left out its final softmax (fused
 * path) or the loss was declared `fromLogits`. Targets: int32 class indices [n] for the sparse
 * loss, rows like the output otherwise. A function's result is averaged to a scalar.
 */
export function computeLoss(spec: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean, sampleWeights: Tensor | null = null): Tensor {
  if (sampleWeights) return mean(mul(perSampleLoss(spec, output, target, outputIsLogits), sampleWeights));
  if (spec.fn) {
    const r = spec.fn(target, output);
    if (!(r instanceof Tensor)) throw new ValueError(`loss '${spec.name}': the loss function must return a tensor. Received ${typeof r}`);
    return r.rank === 0 ? r : mean(r);
  }
  if (spec.name === 'sparseCategoricalCrossentropy' && outputIsLogits) return fusedSoftmaxCrossEntropy(output, target);
  return mean(perSampleLoss(spec, output, target, outputIsLogits));
}

/**
 * The loss of each sample, [batch] (tfjs-layers' loss functions before their mean): what class
 * weights multiply, as tfjs's `computeWeightedLoss` does.
 */
export function perSampleLoss(spec: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean): Tensor {
  if (spec.fn) {
    const r = spec.fn(target, output);
    if (!(r instanceof Tensor)) throw new ValueError(`loss '${spec.name}': the loss function must return a tensor. Received ${typeof r}`);
    if (r.rank === 0) throw new ValueError(`loss '${spec.name}': class weights need the loss of each sample, but the loss function returned a scalar`);
    return r;
  }
  const classes = output.shape[output.rank - 1] ?? 1;
  switch (spec.name) {
    case 'sparseCategoricalCrossentropy':
      return sparseCategoricalCrossentropy(target, output, outputIsLogits);
    case 'categoricalCrossentropy':
      return categoricalCrossentropy(smooth(spec, target, classes), output, outputIsLogits);
    case 'binaryCrossentropy':
      return binaryCrossentropy(smooth(spec, target, classes), output, outputIsLogits);
    default: {
      const fn = LOSSES[spec.name];
      if (!fn) throw new ValueError(`loss: unknown loss '${spec.name}'`);
      return fn(target, output);
    }
  }
}

/** Options of the Keras-style cross-entropy loss objects. */
export interface CrossentropyOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
}

/**
 * tfjs's `tf.losses.meanSquaredError(labels, predictions, weights?, reduction?)` on tensors; called
 * with no arguments it is the Keras-style loss object for `compile`.
 */
function meanSquaredErrorLoss(): LossSpec;
function meanSquaredErrorLoss(labels: Tensor, predictions: Tensor, weights?: Tensor | null, reduction?: core.Reduction): Tensor;
function meanSquaredErrorLoss(labels?: Tensor, predictions?: Tensor, weights?: Tensor | null, reduction?: core.Reduction): LossSpec | Tensor {
  if (labels === undefined) return { name: 'meanSquaredError', fromLogits: false };
  if (predictions === undefined) throw new ValueError('losses.meanSquaredError: expects (labels, predictions[, weights, reduction]) or no arguments');
  return core.meanSquaredErrorLoss(labels, predictions, weights, reduction);
}

/**
 * `ck.losses`: tfjs's `tf.losses` functions on tensors, Keras-style loss objects for `compile`
 * (`sparseCategoricalCrossentropy({ fromLogits })`, `categoricalCrossentropy({ labelSmoothing })`,
 * `binaryCrossentropy`), and `get(name)`, the per-example function of a compile name.
 */
export const losses = {
  absoluteDifference: core.absoluteDifference,
  computeWeightedLoss: core.computeWeightedLoss,
  cosineDistance: core.cosineDistance,
  hingeLoss: core.hingeLoss,
  huberLoss: core.huberLoss,
  logLoss: core.logLoss,
  meanSquaredError: meanSquaredErrorLoss,
  sigmoidCrossEntropy: core.sigmoidCrossEntropy,
  softmaxCrossEntropy: core.softmaxCrossEntropy,
  Reduction: core.Reduction,
  sparseCategoricalCrossentropy: ({ fromLogits = false }: { fromLogits?: boolean } = {}): LossSpec => ({ name: 'sparseCategoricalCrossentropy', fromLogits }),
  categoricalCrossentropy: ({ fromLogits = false, labelSmoothing = 0 }: CrossentropyOptions = {}): LossSpec =>
    resolveLoss({ name: 'categoricalCrossentropy', fromLogits, labelSmoothing }),
  binaryCrossentropy: ({ fromLogits = false, labelSmoothing = 0 }: CrossentropyOptions = {}): LossSpec =>
    resolveLoss({ name: 'binaryCrossentropy', fromLogits, labelSmoothing }),
  /**
   * The per-example loss function of a compile name (tfjs-layers `losses.get`), e.g.
   * `ck.losses.get('hinge')(yTrue, yPred)`; a function is returned as given.
   */
  get(identifier: string | LossOrMetricFn): LossOrMetricFn {
    if (typeof identifier === 'function') return identifier;
    const name = canonicalLossName(identifier);
    if (!name) throw new ValueError(`losses.get: unknown loss ${JSON.stringify(identifier)}. Expected one of ${knownNames()}`);
    return LOSSES[name];
  },
};
