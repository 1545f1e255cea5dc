/**
 * Smaller views of CIFAR-10 for quick runs (`--limit N`). Pure code.
 */
import { ValueError } from '../errors.js';
import { CIFAR10_IMAGE_BYTES, type Cifar10Data, type Cifar10Split } from './format.js';

/**
 * Picks `count` images from a split, keeping the classes balanced: the count is shared round-robin
 * among the classes present (so each gets `count / classes`, the first ones one more for the
 * remainder, and a class that runs short leaves its share to the others); each class contributes
 * its earliest images. The picked images keep their original order. Counts above the split's size
 * are clamped.
 */
export function balancedSplitSubset(split: Cifar10Split, count: number, classes = 10): Cifar10Split {
  if (!Number.isInteger(count) || count < 0) throw new ValueError(`cifar10Subset: count must be a non-negative integer. Received count=${count}`);
  const n = Math.min(count, split.count);
  if (n === split.count) return { images: split.images.slice(), labels: split.labels.slice(), count: n };
  // Share n among the classes present, round-robin, never giving a class more than it has.
  const avail = new Array<number>(classes).fill(0);
  for (let i = 0; i < split.count; i++) if (split.labels[i] < classes) avail[split.labels[i]]++;
  const quota = new Array<number>(classes).fill(0);
  let left = n;
  while (left > 0) {
    let gave = false;
    for (let c = 0; c < classes && left > 0; c++) {
      if (quota[c] < avail[c]) {
        quota[c]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break; // only labels outside 0..classes-1 remain; filled below
  }
  const picked = new Uint8Array(split.count);
  let taken = 0;
  for (let i = 0; i < split.count && taken < n; i++) {
    const c = split.labels[i];
    if (c < classes && quota[c] > 0) {
      quota[c]--;
      picked[i] = 1;
      taken++;
    }
  }
  for (let i = 0; i < split.count && taken < n; i++) {
    if (!picked[i]) {
      picked[i] = 1;
      taken++;
    }
  }
  // Bytes per image from the split itself: image folders' splits hold other sizes than 32x32x3.
  const bytes = split.count > 0 ? split.images.length / split.count : CIFAR10_IMAGE_BYTES;
  const images = new Uint8Array(n * bytes);
  const labels = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < split.count; i++) {
    if (!picked[i]) continue;
    images.set(split.images.subarray(i * bytes, (i + 1) * bytes), o * bytes);
    labels[o++] = split.labels[i];
  }
  return { images, labels, count: n };
}

/**
 * The first `trainCount` training and `testCount` test images, class-balanced (see
 * {@link balancedSplitSubset}). Used by `cnnkit tutorial --limit N` with `N` and `N / 5`.
 * The result owns copies of its bytes.
 */
export function cifar10Subset(data: Cifar10Data, trainCount: number, testCount: number): Cifar10Data {
  const classes = data.classNames.length;
  return {
    train: balancedSplitSubset(data.train, trainCount, classes),
    test: balancedSplitSubset(data.test, testCount, classes),
    classNames: [...data.classNames],
    source: data.source,
  };
}
