/** Losses by Keras/tfjs name, computed from the primitive ops (so they are differentiable on any backend). */
import { clipByValue, div, log, mean, mul, neg, softmax, softmaxCrossEntropy, squaredDifference, sum } from '../autograd/ops.js';
import { oneHot } from '../autograd/ops/encode.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError';

export interface LossSpec {
  readonly name: LossName;
  /** The model's output is unnormalised logits rather than probabilities. */
  readonly fromLogits: boolean;
}

const ALIASES: Record<string, LossName> = {
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', categoricalCrossentropy: 'categoricalCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', CategoricalCrossentropy: 'categoricalCrossentropy',
  meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError', MeanSquaredError: 'meanSquaredError',
};

/** Resolves a loss given as a name or as `{ name, fromLogits }` (see `ck.losses`). */
export function resolveLoss(loss: string | LossSpec): LossSpec {
  const raw = typeof loss === 'string' ? loss : loss?.name;
  const name = ALIASES[raw];
  if (!name) throw new ValueError(`compile: unknown loss ${JSON.stringify(raw)}. Expected one of ${Object.keys(ALIASES).filter((k) => /^[a-z]+[A-Z]/.test(k)).join(', ')}`);
  return { name, fromLogits: typeof loss === 'string' ? false : !!loss.fromLogits };
}

/** Keras-style loss objects: `ck.losses.sparseCategoricalCrossentropy({ fromLogits: true })`. */
export const losses = {
  sparseCategoricalCrossentropy: ({ fromLogits = false } = {}): LossSpec => ({ name: 'sparseCategoricalCrossentropy', fromLogits }),
  categoricalCrossentropy: ({ fromLogits = false } = {}): LossSpec => ({ name: 'categoricalCrossentropy', fromLogits }),
  meanSquaredError: (): LossSpec => ({ name: 'meanSquaredError', fromLogits: false }),
};

/** Whether the loss fuses with a final softmax: the model then feeds it logits. */
export function fusesSoftmax(spec: LossSpec): boolean {
  return spec.name === 'sparseCategoricalCrossentropy';
}

/** Keras's epsilon for clipping probabilities. */
const EPSILON = 1e-7;

/**
 * Mean cross-entropy of probabilities [n, classes] against one-hot (or soft) targets, as Keras
 * computes it: rows normalised to sum to one, clipped to [ε, 1 − ε], −Σ t·log p per row.
 */
export function crossEntropyOnProbabilities(probs: Tensor, targets: Tensor): Tensor {
  const p = clipByValue(div(probs, sum(probs, -1, true)), EPSILON, 1 - EPSILON);
  return mean(neg(sum(mul(targets, log(p)), -1)));
}

/** Mean squared error: mean over the last axis, then over the batch (= mean of all elements). */
export function meanSquaredError(pred: Tensor, target: Tensor): Tensor {
  return mean(squaredDifference(pred, target));
}

/**
 * The mean loss of a batch. `outputIsLogits` says the model left out its final softmax (fused
 * path) or the loss was declared `fromLogits`. Targets: int32 class indices [n] for the sparse
 * loss, rows of probabilities for the categorical one, values of the output's shape for MSE.
 */
export function computeLoss(spec: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean): Tensor {
  const classes = output.shape[output.rank - 1];
  switch (spec.name) {
    case 'sparseCategoricalCrossentropy':
      return outputIsLogits ? softmaxCrossEntropy(output, target) : crossEntropyOnProbabilities(output, oneHot(target, classes));
    case 'categoricalCrossentropy':
      return crossEntropyOnProbabilities(outputIsLogits ? softmax(output) : output, target);
    case 'meanSquaredError':
      return meanSquaredError(output, target);
    default:
      return spec.name satisfies never;
  }
}
