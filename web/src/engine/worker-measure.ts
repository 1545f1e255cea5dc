/**
 * How fast a recipe trains on this computer, measured before a run so the page can say what a run
 * will cost: a throwaway model of the recipe, three batches of random images of the data's size,
 * the last two timed (the first compiles and touches memory, as the benchmark leaves it out).
 */
import * as ck from 'cnnkit';
import { recipeOf } from './worker-model.ts';
import type { RecipeId } from './protocol.ts';

/** Images per second of `recipe`'s training steps at `batchSize` on size x size RGB images (NaN when it cannot run). */
export async function measure(recipe: RecipeId, size: number, classes: number, batchSize: number, yieldNow: () => Promise<void>): Promise<number> {
  const model = recipeOf(recipe).build([size, size, 3], classes);
  const n = 3 * batchSize;
  const pixels = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const x = ck.tensor(pixels, [n, size, size, 3], 'uint8');
  // The fast recipe's loss takes one-hot labels; the tutorial's, class indices.
  const y = recipe === 'fast'
    ? ck.tensor(Float32Array.from({ length: n * classes }, (_, j) => Number(labels[Math.floor(j / classes)] === j % classes)), [n, classes])
    : ck.tensor(labels, [n]);
  const ends: number[] = [];
  try {
    await model.fit(x, y, {
      epochs: 1, batchSize, shuffle: false, verbose: 0, rescale: recipe === 'fast' ? 1 : 1 / 255,
      callbacks: { onBatchEnd: () => void ends.push(performance.now()) },
    });
  } catch {
    return NaN;
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    await yieldNow();
  }
  return ends.length === 3 ? (2 * batchSize) / ((ends[2] - ends[0]) / 1000) : NaN;
}
