/** Losses by Keras/tfjs name, computed from the primitive ops (so they are differentiable). */
import { crossEntropy, meanSquaredError, softmax, softmaxCrossEntropy } from '../autograd/ops.js';
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

/**
 * The mean loss of a batch. `outputIsLogits` says the model left out its final softmax (fused
 * path) or the loss was declared `fromLogits`. Targets: class indices [n] for the sparse loss,
 * rows of probabilities for the categorical one, values of the output's shape for MSE.
 */
export function computeLoss(spec: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean): Tensor {
  switch (spec.name) {
    case 'sparseCategoricalCrossentropy':
      return outputIsLogits ? softmaxCrossEntropy(output, target) : crossEntropy(output, target, true);
    case 'categoricalCrossentropy':
      return crossEntropy(outputIsLogits ? softmax(output) : output, target, false);
    case 'meanSquaredError':
      return meanSquaredError(output, target);
    default:
      return spec.name satisfies never;
  }
}
