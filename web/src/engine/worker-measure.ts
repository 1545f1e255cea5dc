/**
 * How fast a recipe trains on this computer, measured before a run so the page can say what a run
 * will cost: a throwaway model of the recipe trained on the data's own images (repeated when there
 * are few), the first batch left out (it compiles and touches memory, as the benchmark leaves it
 * out), then batches timed until about a second and a half is measured (at most about 2,048
 * images' worth, and at least two batches).
 *
 * The inputs are scaled to 0-1 for both recipes: the fast recipe's real run whitens its 0-255
 * pixels with data-dependent weights that the throwaway model lacks, and unscaled pixels through
 * its random first layer give values far outside a trained network's range, which the CPU
 * computes several times slower than normal numbers.
 */
import * as ck from 'cnnkit';
import { recipeOf } from './worker-model.ts';
import type { Dataset } from './worker-data.ts';
import type { RecipeId } from './protocol.ts';

const ENOUGH_MS = 1500, MOST_IMAGES = 2048;

/** Images per second of `recipe`'s training steps at `batchSize` on `data`'s images (NaN when it cannot run). */
export async function measure(recipe: RecipeId, data: Dataset, batchSize: number, yieldNow: () => Promise<void>): Promise<number> {
  const size = data.imageSize, classes = data.classNames.length, bytes = size * size * 3;
  const model = recipeOf(recipe).build([size, size, 3], classes);
  const n = (Math.max(2, Math.ceil(MOST_IMAGES / batchSize)) + 1) * batchSize;
  const pixels = new Uint8Array(n * bytes);
  const have = Math.max(1, data.train.count);
  for (let i = 0; i < n; i++) pixels.set(data.train.images.subarray((i % have) * bytes, (i % have + 1) * bytes), i * bytes);
  const labels = Int32Array.from({ length: n }, (_, i) => data.train.labels[i % have] ?? 0);
  const x = ck.tensor(pixels, [n, size, size, 3], 'uint8');
  // The fast recipe's loss takes one-hot labels; the tutorial's, class indices.
  const y = recipe === 'fast'
    ? ck.tensor(Float32Array.from({ length: n * classes }, (_, j) => Number(labels[Math.floor(j / classes)] === j % classes)), [n, classes])
    : ck.tensor(labels, [n]);
  const ends: number[] = [];
  try {
    await model.fit(x, y, {
      epochs: 1, batchSize, shuffle: false, verbose: 0, rescale: 1 / 255,
      callbacks: {
        onBatchEnd: () => {
          ends.push(performance.now());
          if (ends.length >= 3 && ends[ends.length - 1] - ends[0] >= ENOUGH_MS) model.stopTraining = true;
        },
      },
    });
  } catch {
    return NaN;
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    await yieldNow();
  }
  const timed = ends.length - 1;
  return timed >= 1 ? (timed * batchSize) / ((ends[timed] - ends[0]) / 1000) : NaN;
}
