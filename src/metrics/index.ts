/** Metrics. 'accuracy' resolves as Keras does: sparse, categorical or binary by the loss and output. */
import { ValueError } from '../errors.js';
import type { LossSpec } from '../losses/index.js';

export type MetricName = 'accuracy';

export function resolveMetrics(metrics: readonly string[] | undefined): MetricName[] {
  return (metrics ?? []).map((m) => {
    if (m === 'accuracy' || m === 'acc') return 'accuracy';
    throw new ValueError(`compile: unknown metric ${JSON.stringify(m)}. Expected 'accuracy'`);
  });
}

function argmax(a: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[offset + i] > a[offset + best]) best = i;
  return best;
}

/**
 * Number of correct predictions in a batch. `output` is [rows, cols] (logits or probabilities:
 * argmax is the same); `target` holds class indices (sparse) or rows like the output.
 */
export function countCorrect(loss: LossSpec, output: Float32Array, target: Float32Array, rows: number, cols: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    if (cols === 1) correct += (output[r] > (loss.fromLogits ? 0 : 0.5) ? 1 : 0) === Math.round(target[r]) ? 1 : 0;
    else if (loss.name === 'sparseCategoricalCrossentropy') correct += argmax(output, r * cols, cols) === target[r] ? 1 : 0;
    else correct += argmax(output, r * cols, cols) === argmax(target, r * cols, cols) ? 1 : 0;
  }
  return correct;
}
