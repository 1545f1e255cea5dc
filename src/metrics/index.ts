/**
 * Metrics. `'accuracy'` resolves as Keras and tfjs-layers do: binary, sparse or categorical by the
 * loss and the output; any tfjs/Keras metric name or a function (yTrue, yPred) → tensor resolves
 * with `resolveMetric`; `ck.metrics` holds the functions on tensors.
 */
import { argMax, cast, equal, greater, mean, mul, round, softmax, sum } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { LossSpec } from '../losses/index.js';
import {
  binaryCrossentropy, categoricalCrossentropy, cosineProximity, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError,
  sparseCategoricalCrossentropy, type LossOrMetricFn,
} from '../losses/keras.js';
import type { Tensor } from '../tensor/tensor.js';
import * as fns from './functions.js';

/**
 * A metric of one output as compile resolved it: the name its logs use, and whether it is the
 * loss-dependent 'accuracy'/'acc' (counted by argmax or threshold, on logits too).
 */
export interface CompiledMetric extends MetricSpec {
  readonly accuracy: boolean;
}

/** compile's metrics of one output (names, Keras snake_case names or functions), resolved; throws a ValueError naming `where` for an unknown one. */
export function compileMetrics(metrics: readonly (string | LossOrMetricFn)[], loss: LossSpec, outputUnits: number, where: string): CompiledMetric[] {
  return metrics.map((m) => {
    try {
      return { ...resolveMetric(m, loss, outputUnits), accuracy: m === 'accuracy' || m === 'acc' };
    } catch (e) {
      throw new ValueError(`${where}: ${(e as Error).message.replace(/^compile: /, '')}`);
    }
  });
}

/**
 * A batch's metric summed over its samples (a float32 scalar on the backend), as tfjs's fit
 * averages it: the batch mean of `fn(target, output)` times the batch size. `outputIsLogits`: the
 * output is logits (a loss from logits, or a softmax the loss fuses); `fusedSoftmax`: the model's
 * softmax was left to the loss, so the metric gets the probabilities the model declares.
 */
export function batchMetricSum(metric: CompiledMetric, loss: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean, fusedSoftmax: boolean, count: number): Tensor {
  if (metric.accuracy) return countCorrect(loss, output, target, outputIsLogits);
  const preds = fusedSoftmax ? softmax(output) : output;
  return mul(mean(metric.fn(target, preds)), count);
}

/**
 * The number of correct predictions in a batch, as a float32 scalar on the backend. `output` is
 * [rows, cols] (logits or probabilities: argmax is the same); `target` holds class indices
 * (sparse) or rows like the output; one output column means binary (threshold 0.5, or 0 on logits).
 */
export function countCorrect(loss: LossSpec, output: Tensor, target: Tensor, outputIsLogits: boolean): Tensor {
  const cols = output.shape[output.rank - 1];
  let hits: Tensor;
  if (cols === 1) hits = equal(cast(greater(output, outputIsLogits ? 0 : 0.5), 'float32'), round(cast(target, 'float32')).reshape(output.shape));
  else if (loss.name === 'sparseCategoricalCrossentropy') hits = equal(argMax(output, -1), cast(target, 'int32').reshape([target.size]));
  else hits = equal(argMax(output, -1), argMax(target, -1));
  return cast(sum(hits), 'float32');
}

const wrap = (f: (t: Tensor, p: Tensor, fromLogits?: boolean) => Tensor): LossOrMetricFn => (t, p) => f(t, p);

/** Metric functions by name: tfjs-layers's names and aliases, and Keras's snake_case names. */
const METRICS: Record<string, LossOrMetricFn> = {
  binaryAccuracy: fns.binaryAccuracy, categoricalAccuracy: fns.categoricalAccuracy, sparseCategoricalAccuracy: fns.sparseCategoricalAccuracy,
  topKCategoricalAccuracy: (t, p) => fns.topKCategoricalAccuracy(t, p), sparseTopKCategoricalAccuracy: (t, p) => fns.sparseTopKCategoricalAccuracy(t, p),
  precision: fns.precision, recall: fns.recall, r2Score: fns.r2Score,
  binaryCrossentropy: wrap(binaryCrossentropy), categoricalCrossentropy: wrap(categoricalCrossentropy),
  sparseCategoricalCrossentropy: wrap(sparseCategoricalCrossentropy), cosineProximity,
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError,
};
const METRIC_ALIASES: Record<string, string> = {
  mse: 'meanSquaredError', MSE: 'meanSquaredError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError', mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError', cosine: 'cosineProximity', binary_accuracy: 'binaryAccuracy', categorical_accuracy: 'categoricalAccuracy',
  sparse_categorical_accuracy: 'sparseCategoricalAccuracy', top_k_categorical_accuracy: 'topKCategoricalAccuracy',
  sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy', binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  mean_squared_error: 'meanSquaredError', mean_absolute_error: 'meanAbsoluteError', mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  cosine_proximity: 'cosineProximity',
};

/** A metric as compile resolves it: the name the logs use (as given) and its function. */
export interface MetricSpec {
  readonly name: string;
  readonly fn: LossOrMetricFn;
}

/**
 * Resolves one entry of `compile({ metrics })` (tfjs-layers rules): 'acc'/'accuracy' (and
 * 'ce'/'crossentropy') become binary when the output has one unit or the loss is binary
 * cross-entropy, sparse for sparse categorical cross-entropy, else categorical; other names map
 * to their functions; functions are used as given, named by their name. Logs use the name as
 * written (`metrics: ['acc']` gives `acc` and `val_acc`).
 */
export function resolveMetric(metric: string | LossOrMetricFn, loss: LossSpec, outputUnits: number): MetricSpec {
  if (typeof metric === 'function') return { name: metric.name || 'customMetric', fn: metric };
  if (typeof metric !== 'string') throw new ValueError(`compile: a metric must be a name or a function. Received ${typeof metric}`);
  const kind = outputUnits === 1 || loss.name === 'binaryCrossentropy' ? 'binary' : loss.name === 'sparseCategoricalCrossentropy' ? 'sparse' : 'categorical';
  if (metric === 'acc' || metric === 'accuracy') {
    const fn = kind === 'binary' ? fns.binaryAccuracy : kind === 'sparse' ? fns.sparseCategoricalAccuracy : fns.categoricalAccuracy;
    return { name: metric, fn };
  }
  if (metric === 'ce' || metric === 'crossentropy') {
    const fn = kind === 'binary' ? METRICS.binaryCrossentropy : kind === 'sparse' ? METRICS.sparseCategoricalCrossentropy : METRICS.categoricalCrossentropy;
    return { name: metric, fn };
  }
  const canonical = Object.hasOwn(METRICS, metric) ? metric : METRIC_ALIASES[metric];
  if (!canonical) throw new ValueError(`compile: unknown metric ${JSON.stringify(metric)}. Expected a function (yTrue, yPred) => Tensor, 'accuracy', 'acc', or one of ${Object.keys(METRICS).join(', ')}`);
  return { name: metric, fn: METRICS[canonical] };
}

/** `ck.metrics`: tfjs's metric functions on tensors, with its aliases, and `get(name)`. */
export const metrics = {
  ...fns,
  binaryCrossentropy: METRICS.binaryCrossentropy,
  categoricalCrossentropy: METRICS.categoricalCrossentropy,
  sparseCategoricalCrossentropy: METRICS.sparseCategoricalCrossentropy,
  cosineProximity, meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError,
  mse: meanSquaredError, MSE: meanSquaredError, mae: meanAbsoluteError, MAE: meanAbsoluteError,
  mape: meanAbsolutePercentageError, MAPE: meanAbsolutePercentageError, cosine: cosineProximity,
  /** The metric function of a name (tfjs-layers `metrics.get`); functions are returned as given. */
  get(identifier: string | LossOrMetricFn): LossOrMetricFn {
    if (typeof identifier === 'function') return identifier;
    const canonical = Object.hasOwn(METRICS, identifier) ? identifier : METRIC_ALIASES[identifier];
    if (!canonical) throw new ValueError(`metrics.get: unknown metric ${JSON.stringify(identifier)}`);
    return METRICS[canonical];
  },
};
