/** Metrics. 'accuracy' resolves as Keras does: sparse, categorical or binary by the loss and output. */
import { argMax, cast, equal, greater, round, sum } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { LossSpec } from '../losses/index.js';
import type { Tensor } from '../tensor/tensor.js';

export type MetricName = 'accuracy';

export function resolveMetrics(metrics: readonly string[] | undefined): MetricName[] {
  return (metrics ?? []).map((m) => {
    if (m === 'accuracy' || m === 'acc') return 'accuracy';
    throw new ValueError(`compile: unknown metric ${JSON.stringify(m)}. Expected 'accuracy'`);
  });
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
