/**
 * Metric functions on tensors (tfjs `tf.metrics`, tfjs-layers `metrics.ts`): each takes
 * (yTrue, yPred) and returns a value per example (or a scalar for precision, recall and r²).
 */
import { any, argMax, cast, div, equal, greater, logicalAnd, mean, reshape, square, sub, sum, topk, where } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

function storage(t: Tensor): 'float32' | 'int32' | 'bool' {
  return t.dtype === 'uint8' ? 'int32' : t.dtype;
}

/** Per example: the fraction of outputs whose prediction (> 0.5) equals the binary label. */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(equal(yTrue, cast(greater(yPred, 0.5), storage(yTrue))), -1);
}

/** Per example: 1 where argmax(yTrue) = argmax(yPred). */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return cast(equal(argMax(yTrue, -1), argMax(yPred, -1)), 'float32');
}

/** Per example: 1 where the class index yTrue is argmax(yPred). */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  const t = yTrue.rank === yPred.rank ? reshape(yTrue, yTrue.shape.slice(0, -1)) : yTrue;
  let p = argMax(yPred, -1);
  if (p.dtype !== storage(t)) p = cast(p, storage(t));
  return cast(equal(t, p), 'float32');
}

/** Per example: 1 where the class index yTrue is among the k largest predictions (Keras `sparse_top_k_categorical_accuracy`). */
export function sparseTopKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`topKCategoricalAccuracy: k must be a positive integer. Received k=${k}`);
  const { indices } = topk(yPred, Math.min(k, yPred.shape[yPred.rank - 1]));
  const t = cast(reshape(yTrue, [...yPred.shape.slice(0, -1), 1]), 'int32');
  return cast(any(equal(indices, t), -1), 'float32');
}

/** Per example: 1 where argmax(yTrue) is among the k largest predictions (Keras `top_k_categorical_accuracy`). */
export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  return sparseTopKCategoricalAccuracy(argMax(yTrue, -1), yPred, k);
}

function count(yTrue: Tensor, yPred: Tensor, t: number, p: number): Tensor {
  return cast(sum(logicalAnd(equal(yTrue, t), equal(yPred, p))), 'float32');
}

function ratio(num: Tensor, den: Tensor): Tensor {
  return cast(where(greater(den, 0), div(num, den), 0), 'float32');
}

/** tp / (tp + fp) over the batch, 0 without positive predictions (binary 0/1 values). */
export function precision(yTrue: Tensor, yPred: Tensor): Tensor {
  const tp = count(yTrue, yPred, 1, 1);
  return ratio(tp, tp.add(count(yTrue, yPred, 0, 1)));
}

/** tp / (tp + fn) over the batch, 0 without positive labels (binary 0/1 values). */
export function recall(yTrue: Tensor, yPred: Tensor): Tensor {
  const tp = count(yTrue, yPred, 1, 1);
  return ratio(tp, tp.add(count(yTrue, yPred, 1, 0)));
}

/** The coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² over the batch. */
export function r2Score(yTrue: Tensor, yPred: Tensor): Tensor {
  const residuals = sum(square(sub(yTrue, yPred)));
  const total = sum(square(sub(yTrue, mean(yTrue))));
  return sub(1, div(residuals, total));
}
