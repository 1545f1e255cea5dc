/**
 * The fast recipe's image augmentation, on uint8 images [n, h, w, c] in plain loops: random
 * translations by up to 2 pixels with reflect padding (a random crop of the reflect-padded image)
 * and horizontal flips, for training; mirror images and 1-pixel shifts averaged at test time.
 */
import { add, mul, softmax } from '../autograd/ops.js';
import { tidy } from '../backend/engine.js';
import { ValueError } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** i reflected into [0, size) without repeating the edge (PyTorch and NumPy 'reflect'). */
function reflect(i: number, size: number): number {
  if (i < 0) return -i;
  if (i >= size) return 2 * size - 2 - i;
  return i;
}

/**
 * Copies `image` of `src` into `dst` at `target`, translated by (dy, dx) with reflect padding and
 * mirrored left-right when `flip`.
 */
function transform(src: Uint8Array, image: number, dst: Uint8Array, target: number, h: number, w: number, c: number, dy: number, dx: number, flip: boolean): void {
  const from = image * h * w * c, to = target * h * w * c;
  for (let y = 0; y < h; y++) {
    const row = from + reflect(y + dy, h) * w * c;
    const out = to + y * w * c;
    for (let x = 0; x < w; x++) {
      const sx = reflect((flip ? w - 1 - x : x) + dx, w);
      const s = row + sx * c, o = out + x * c;
      for (let k = 0; k < c; k++) dst[o + k] = src[s + k];
    }
  }
}

/**
 * Fills `dst` with the images `picked` of `src` (shape [n, h, w, c]), each translated by a random
 * (dy, dx) in [−2, 2]² with reflect padding and mirrored where `flipped(index)` says.
 */
export function augmentBatch(src: Uint8Array, shape: readonly number[], picked: ArrayLike<number>, dst: Uint8Array, rng: Random, flipped: (image: number) => boolean): void {
  const [, h, w, c] = shape;
  for (let b = 0; b < picked.length; b++) {
    const j = picked[b];
    transform(src, j, dst, b, h, w, c, rng.int(5) - 2, rng.int(5) - 2, flipped(j));
  }
}

/** The views test-time augmentation averages, with their weights: (dy, dx, flip, weight). */
function views(level: 0 | 1 | 2): [number, number, boolean, number][] {
  if (level === 0) return [[0, 0, false, 1]];
  if (level === 1) return [[0, 0, false, 0.5], [0, 0, true, 0.5]];
  // airbench: ½·mirror(x) + ¼·mirror(x shifted by (−1, −1)) + ¼·mirror(x shifted by (1, 1)).
  return [[0, 0, false, 0.25], [0, 0, true, 0.25], [-1, -1, false, 0.125], [-1, -1, true, 0.125], [1, 1, false, 0.125], [1, 1, true, 0.125]];
}

/** Options of `testTimeAugmentation`. */
export interface TestTimeAugmentationOptions {
  /** 0: the images alone; 1: and their mirror images; 2 (default): and both shifted by one pixel diagonally each way (airbench). */
  level?: 0 | 1 | 2;
  /** 'probabilities' (default: softmax of the averaged logits) or 'logits' (the model's outputs averaged). */
  output?: 'logits' | 'probabilities';
  batchSize?: number;
}

/**
 * Test-time augmentation (`ck.testTimeAugmentation`): the model's outputs for uint8 images
 * [n, h, w, c], averaged over mirrored and shifted views (shifts fill by reflection), as
 * [n, classes]. For a model whose last layer gives logits; its predict runs once per view.
 * @example const probs = ck.testTimeAugmentation(model, xTest, { level: 1 });
 */
export function testTimeAugmentation(model: LayersModel, images: Tensor, options: TestTimeAugmentationOptions = {}): Tensor {
  const { level = 2, output = 'probabilities', batchSize = 500 } = options;
  if (level !== 0 && level !== 1 && level !== 2) throw new ValueError(`testTimeAugmentation: level must be 0, 1 or 2. Received level=${String(level)}`);
  if (output !== 'logits' && output !== 'probabilities') throw new ValueError(`testTimeAugmentation: output must be 'logits' or 'probabilities'. Received output=${JSON.stringify(output)}`);
  if (!(images instanceof Tensor) || images.rank !== 4 || images.dtype !== 'uint8') throw new ValueError(`testTimeAugmentation: images must be uint8 [n, height, width, channels]. Received ${images instanceof Tensor ? `${images.dtype} [${images.shape.join(', ')}]` : typeof images}`);
  const [n, h, w, c] = images.shape;
  const src = images.isHost ? (images.hostData as Uint8Array) : Uint8Array.from(images.dataSync() as ArrayLike<number>);
  const buffer = new Uint8Array(n * h * w * c);
  // The views' outputs are summed on the backend: nothing is read back to the host.
  let sum: Tensor | null = null;
  for (const [dy, dx, flip, weight] of views(level)) {
    for (let i = 0; i < n; i++) transform(src, i, buffer, i, h, w, c, dy, dx, flip);
    const out = model.predict(Tensor.host([n, h, w, c], buffer), { batchSize }) as Tensor;
    const previous: Tensor | null = sum;
    sum = tidy(() => (previous ? add(previous, mul(out, weight)) : mul(out, weight)));
    previous?.dispose();
    out.dispose();
  }
  const logits = sum as Tensor;
  if (output === 'logits') return logits;
  const probs = softmax(logits);
  logits.dispose();
  return probs;
}
