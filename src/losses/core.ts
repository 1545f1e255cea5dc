/**
 * TensorFlow.js's `tf.losses`: losses of (labels, predictions) with optional weights and a
 * reduction (tfjs-core `ops/losses`), computed the same way step by step.
 */
import {
  abs, add, cast, div, exp, logSumExp, log, log1p, mean, minimum, mul, neg, notEqual, relu, square, squaredDifference, sub, sum,
} from '../autograd/ops.js';
import { toTensor, type TensorInput } from '../autograd/ops/util.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { ones, type Tensor } from '../tensor/tensor.js';

/** How weighted losses are reduced (tfjs `Reduction`). */
export enum Reduction {
  NONE = 0,
  MEAN = 1,
  SUM = 2,
  SUM_BY_NONZERO_WEIGHTS = 3,
}

type Weights = TensorInput | null | undefined;

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(`${op}: labels and predictions must have the same shape. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
}

function weightsOf(weights: Weights, op: string): Tensor | null {
  return weights === null || weights === undefined ? null : toTensor(weights, 'weights', op);
}

/**
 * Weights and reduces per-element losses (tfjs `computeWeightedLoss`): NONE keeps them; SUM adds;
 * MEAN divides by Σ weights (or the count); SUM_BY_NONZERO_WEIGHTS (default) divides by the number
 * of non-zero weights.
 */
export function computeWeightedLoss(lossesIn: TensorInput, weightsIn?: Weights, reduction: Reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const losses = toTensor(lossesIn, 'losses', 'computeWeightedLoss');
  const weights = weightsOf(weightsIn, 'computeWeightedLoss');
  const weighted = weights === null ? losses : mul(losses, weights);
  switch (reduction) {
    case Reduction.NONE:
      return weighted;
    case Reduction.SUM:
      return sum(weighted);
    case Reduction.MEAN: {
      if (weights === null) return mean(weighted);
      const factor = losses.size / weights.size;
      const r = div(sum(weighted), sum(weights));
      return factor > 1 ? div(r, factor) : r;
    }
    case Reduction.SUM_BY_NONZERO_WEIGHTS: {
      if (weights === null) return div(sum(weighted), losses.size);
      const nonZero = cast(sum(notEqual(mul(weights, ones(losses.shape)), 0)), 'float32');
      return div(sum(weighted), nonZero);
    }
    default:
      throw new ValueError(`computeWeightedLoss: unknown reduction ${String(reduction)} (expected a ck.Reduction value)`);
  }
}

function pair(op: string, labelsIn: TensorInput, predictionsIn: TensorInput, labelsName = 'labels', predictionsName = 'predictions'): [Tensor, Tensor] {
  const l = toTensor(labelsIn, labelsName, op), p = toTensor(predictionsIn, predictionsName, op);
  sameShape(op, l, p);
  return [l, p];
}

/** |labels − predictions|, weighted and reduced (tfjs `losses.absoluteDifference`). */
export function absoluteDifference(labels: TensorInput, predictions: TensorInput, weights?: Weights, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('absoluteDifference', labels, predictions);
  return computeWeightedLoss(abs(sub(l, p)), weights, reduction);
}

/** 1 − Σ labels·predictions over `axis` (tfjs `losses.cosineDistance`; inputs should be unit vectors). */
export function cosineDistance(labels: TensorInput, predictions: TensorInput, axis: number, weights?: Weights, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('cosineDistance', labels, predictions);
  return computeWeightedLoss(sub(1, sum(mul(l, p), axis, true)), weights, reduction);
}

/** relu(1 − (2·labels − 1)·predictions): labels in {0, 1} (tfjs `losses.hingeLoss`). */
export function hingeLoss(labels: TensorInput, predictions: TensorInput, weights?: Weights, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('hingeLoss', labels, predictions);
  return computeWeightedLoss(relu(sub(1, mul(sub(mul(2, l), 1), p))), weights, reduction);
}

/** Quadratic within `delta` of the label, linear beyond (tfjs `losses.huberLoss`). */
export function huberLoss(labels: TensorInput, predictions: TensorInput, weights?: Weights, delta = 1, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('huberLoss', labels, predictions);
  const error = abs(sub(p, l));
  const quadratic = minimum(error, delta);
  return computeWeightedLoss(add(mul(0.5, square(quadratic)), mul(delta, sub(error, quadratic))), weights, reduction);
}

/** −labels·log(p + ε) − (1 − labels)·log(1 − p + ε) (tfjs `losses.logLoss`). */
export function logLoss(labels: TensorInput, predictions: TensorInput, weights?: Weights, epsilon = 1e-7, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('logLoss', labels, predictions);
  const l1 = neg(mul(l, log(add(p, epsilon))));
  const l2 = mul(sub(1, l), log(add(sub(1, p), epsilon)));
  return computeWeightedLoss(sub(l1, l2), weights, reduction);
}

/** (labels − predictions)² (tfjs `losses.meanSquaredError`). */
export function meanSquaredErrorLoss(labels: TensorInput, predictions: TensorInput, weights?: Weights, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [l, p] = pair('meanSquaredError', labels, predictions);
  return computeWeightedLoss(squaredDifference(l, p), weights, reduction);
}

/** Sigmoid cross-entropy of logits against multi-class labels, with label smoothing (tfjs `losses.sigmoidCrossEntropy`). */
export function sigmoidCrossEntropy(multiClassLabels: TensorInput, logits: TensorInput, weights?: Weights, labelSmoothing = 0, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [labels, x] = pair('sigmoidCrossEntropy', multiClassLabels, logits, 'multiClassLabels', 'logits');
  let l = labels;
  if (labelSmoothing > 0) l = add(mul(l, 1 - labelSmoothing), 0.5 * labelSmoothing);
  const losses = add(sub(relu(x), mul(x, l)), log1p(exp(neg(abs(x)))));
  return computeWeightedLoss(losses, weights, reduction);
}

/**
 * Softmax cross-entropy of logits [n, classes] against one-hot labels, with label smoothing
 * (tfjs `losses.softmaxCrossEntropy`): −Σ labels·(x − logSumExp(x)) per row.
 */
export function softmaxCrossEntropy(onehotLabels: TensorInput, logits: TensorInput, weights?: Weights, labelSmoothing = 0, reduction = Reduction.SUM_BY_NONZERO_WEIGHTS): Tensor {
  const [labels, x] = pair('softmaxCrossEntropy', onehotLabels, logits, 'onehotLabels', 'logits');
  let l = labels;
  if (labelSmoothing > 0) l = add(mul(l, 1 - labelSmoothing), labelSmoothing / l.shape[1]);
  const logResult = sub(cast(x, 'float32'), logSumExp(x, [x.rank - 1], true));
  const losses = sum(neg(mul(logResult, l)), [x.rank - 1]);
  return computeWeightedLoss(losses, weights, reduction);
}
