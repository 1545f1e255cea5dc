/**
 * The losses `compile({ loss })` accepts by name, as tfjs-layers computes them (`losses.ts`):
 * functions (yTrue, yPred) → the loss of each example (the mean over the last axis, or its sum);
 * the model's loss is their mean over the batch. Probabilities are clipped to [ε, 1 − ε] with
 * Keras's ε = 1e-7, as there.
 */
import {
  abs, add, cast, clipByValue, div, exp, floor, log, log1p, max, maximum, mean, minimum, mul, neg, oneHot, relu, reshape, softplus, sqrt,
  square, sub, sum,
} from '../autograd/ops.js';
import { logSoftmax } from '../autograd/ops/nn.js';
import { ShapeError, fmtShape } from '../errors.js';
import { fill, type Tensor } from '../tensor/tensor.js';

/** Keras's fuzz factor. */
export const EPSILON = 1e-7;

/** A loss or metric function: targets and predictions in, a tensor of per-example values (or a scalar) out. */
export type LossOrMetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function float(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

function sameShape(op: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i]))
    throw new ShapeError(`${op}: yTrue and yPred must have the same shape. Received ${fmtShape(yTrue.shape)} and ${fmtShape(yPred.shape)}`);
}

/** x / max(‖x‖₂, √ε) over an axis (tfjs-layers `l2Normalize`). */
function l2Normalize(x: Tensor, axis: number): Tensor {
  const squareSum = sum(square(float(x)), axis, true);
  return div(float(x), sqrt(maximum(squareSum, fill(squareSum.shape, EPSILON))));
}

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(square(sub(yPred, yTrue)), -1);
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(abs(sub(yPred, yTrue)), -1);
}

export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  const clippedTrue = clipByValue(abs(yTrue), EPSILON, Number.MAX_VALUE);
  return mul(100, mean(abs(div(sub(yTrue, yPred), clippedTrue)), -1));
}

export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor): Tensor {
  const first = log(add(1, clipByValue(yPred, EPSILON, Number.MAX_VALUE)));
  const second = log(add(1, clipByValue(yTrue, EPSILON, Number.MAX_VALUE)));
  return mean(square(sub(first, second)), -1);
}

export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(square(maximum(0, sub(1, mul(yTrue, yPred)))), -1);
}

export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(maximum(0, sub(1, mul(yTrue, yPred))), -1);
}

export function categoricalHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  const pos = sum(mul(yTrue, yPred), -1);
  const negative = max(mul(sub(1, yTrue), yPred), -1);
  return maximum(0, add(1, sub(negative, pos)));
}

/** log(cosh(ŷ − y)) computed as d + softplus(−2d) − log 2. */
export function logcosh(yTrue: Tensor, yPred: Tensor): Tensor {
  const d = sub(yPred, yTrue);
  return mean(sub(add(d, softplus(mul(-2, d))), Math.log(2)), -1);
}

/**
 * Categorical cross-entropy of each example: −Σ t·log p over the last axis. Probabilities are
 * normalised to sum to one and clipped to [ε, 1 − ε] (tfjs-layers). With `fromLogits` the output
 * is logits and the loss is −Σ t·logSoftmax(x) (Keras's exact form, no clipping).
 */
export function categoricalCrossentropy(target: Tensor, output: Tensor, fromLogits = false): Tensor {
  if (fromLogits) return neg(sum(mul(float(target), logSoftmax(output)), -1));
  const p = clipByValue(div(output, sum(output, output.rank - 1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(float(target), log(p)), p.rank - 1));
}

/** Sparse categorical cross-entropy: class indices (any float/int dtype, floored) against probabilities. */
export function sparseCategoricalCrossentropy(target: Tensor, output: Tensor, fromLogits = false): Tensor {
  const classes = output.shape[output.rank - 1];
  const flat = cast(floor(reshape(target, [-1])), 'int32');
  if (flat.size * classes !== output.size)
    throw new ShapeError(`sparseCategoricalCrossentropy: ${flat.size} labels do not match predictions ${fmtShape(output.shape)} (one label per row of ${classes} classes)`);
  const hot = reshape(oneHot(flat, classes), output.shape);
  if (fromLogits) return categoricalCrossentropy(hot, output, true);
  return categoricalCrossentropy(hot, clipByValue(output, EPSILON, 1 - EPSILON));
}

/** max(x, 0) − x·z + log(1 + e^−|x|): the cross-entropy of logits x against labels z. */
export function sigmoidCrossEntropyWithLogits(labels: Tensor, logits: Tensor): Tensor {
  sameShape('sigmoidCrossEntropyWithLogits', labels, logits);
  return add(sub(relu(logits), mul(logits, labels)), log1p(exp(neg(abs(logits)))));
}

/**
 * Binary cross-entropy of each example (mean over the last axis): probabilities are clipped to
 * [ε, 1 − ε] and turned into logits (tfjs-layers); with `fromLogits` the output is used as logits.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  let logits = yPred;
  if (!fromLogits) {
    const y = clipByValue(yPred, EPSILON, 1 - EPSILON);
    logits = log(div(y, sub(1, y)));
  }
  return mean(sigmoidCrossEntropyWithLogits(float(yTrue), logits), -1);
}

export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = clipByValue(yTrue, EPSILON, 1), p = clipByValue(yPred, EPSILON, 1);
  return sum(mul(yTrue, log(div(t, p))), -1);
}

export function poisson(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(sub(yPred, mul(yTrue, log(add(EPSILON, yPred)))), -1);
}

/** −cos(yTrue, yPred) over the last axis. */
export function cosineProximity(yTrue: Tensor, yPred: Tensor): Tensor {
  return neg(sum(mul(l2Normalize(yTrue, -1), l2Normalize(yPred, -1)), -1));
}

/** Huber loss of each example (δ = 1; tfjs `losses.huberLoss` elements, Keras `huber`), mean over the last axis. */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  const error = abs(sub(yPred, yTrue));
  const quadratic = minimum(error, delta);
  return mean(add(mul(0.5, square(quadratic)), mul(delta, sub(error, quadratic))), -1);
}

/** Log loss of each example (tfjs `losses.logLoss` elements, ε = 1e-7), mean over the last axis. */
export function logLoss(yTrue: Tensor, yPred: Tensor): Tensor {
  const l1 = neg(mul(yTrue, log(add(yPred, EPSILON))));
  const l2 = mul(sub(1, yTrue), log(add(sub(1, yPred), EPSILON)));
  return mean(sub(l1, l2), -1);
}

/** The loss functions by tfjs-layers name (plus `huber` and `logLoss`). */
export const LOSSES: Record<string, LossOrMetricFn> = {
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, squaredHinge, hinge, categoricalHinge,
  logcosh, categoricalCrossentropy: (t, p) => categoricalCrossentropy(t, p), sparseCategoricalCrossentropy: (t, p) => sparseCategoricalCrossentropy(t, p),
  binaryCrossentropy: (t, p) => binaryCrossentropy(t, p), kullbackLeiblerDivergence, poisson, cosineProximity, huber: (t, p) => huber(t, p), logLoss,
};

/** Other spellings: tfjs-layers's short aliases and Keras's snake_case and class names. */
export const LOSS_ALIASES: Record<string, string> = {
  mse: 'meanSquaredError', MSE: 'meanSquaredError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError', mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError', msle: 'meanSquaredLogarithmicError', MSLE: 'meanSquaredLogarithmicError', kld: 'kullbackLeiblerDivergence',
  KLD: 'kullbackLeiblerDivergence', cosine: 'cosineProximity', mean_squared_error: 'meanSquaredError', mean_absolute_error: 'meanAbsoluteError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError', mean_squared_logarithmic_error: 'meanSquaredLogarithmicError',
  squared_hinge: 'squaredHinge', categorical_hinge: 'categoricalHinge', log_cosh: 'logcosh', categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', binary_crossentropy: 'binaryCrossentropy', kl_divergence: 'kullbackLeiblerDivergence',
  kullback_leibler_divergence: 'kullbackLeiblerDivergence', cosine_proximity: 'cosineProximity', cosine_similarity: 'cosineProximity',
  MeanSquaredError: 'meanSquaredError', MeanAbsoluteError: 'meanAbsoluteError', MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError', SquaredHinge: 'squaredHinge', Hinge: 'hinge', CategoricalHinge: 'categoricalHinge',
  LogCosh: 'logcosh', CategoricalCrossentropy: 'categoricalCrossentropy', SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  BinaryCrossentropy: 'binaryCrossentropy', KLDivergence: 'kullbackLeiblerDivergence', Poisson: 'poisson', huber_loss: 'huber', Huber: 'huber',
  huberLoss: 'huber', log_loss: 'logLoss',
};

/** The canonical (tfjs-layers) name of a loss name, or undefined. */
export function canonicalLossName(name: string): string | undefined {
  if (Object.hasOwn(LOSSES, name)) return name;
  return Object.hasOwn(LOSS_ALIASES, name) ? LOSS_ALIASES[name] : undefined;
}

