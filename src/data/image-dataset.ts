/**
 * Node-only: `ck.data.imageDatasetFromDirectory` (Keras `image_dataset_from_directory`) and
 * `loadImageFolder` (the same folder as whole arrays, for small folders).
 *
 * Images are decoded on worker threads, shaped to `imageSize` and kept as uint8; a cache file of
 * the shaped images makes later epochs and runs read pixels instead of decoding. Batches stream:
 * at most `prefetch` batches are in memory besides the one being used, so a folder larger than
 * memory trains in bounded memory. Bad files are skipped with a warning naming each.
 *
 * @example
 * const [train, val] = await ck.data.imageDatasetFromDirectory('photos', {
 *   imageSize: [64, 64], batchSize: 32, validationSplit: 0.2, subset: 'both', seed: 1,
 * });
 * console.log(train.classNames); // ['cats', 'dogs']
 * for await (const { xs, ys } of train) ... // xs: uint8 [32, 64, 64, 3], ys: int32 [32]
 */
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { Random, globalRandom } from '../tensor/random.js';
import { Tensor, tensor } from '../tensor/tensor.js';
import { Dataset } from './dataset.js';
import { ArrayIterator, LazyIterator, PrefetchIterator, ShuffleIterator, type StreamResult } from './iterators.js';
import { ImageCache } from './image-cache.js';
import { planImageFolder, type FolderPlan } from './image-folder.js';
import { nodeFolderReader } from './image-node-folder.js';
import { checkLabelMode, resolveImageOptions, type ImageFolderOptions, type ResolvedImageOptions } from './image-options.js';
import { sharedDecodePool, type DecodePool } from './image-pool.js';
import { cacheFolder } from './node-sources.js';

export type { ImageFolderOptions } from './image-options.js';

/** One batch (or, with `batchSize: null`, one image): uint8 images and their labels. */
export interface ImageBatch {
  /** uint8 `[batch, height, width, channels]` (or `[height, width, channels]`). */
  xs: Tensor;
  /** int32 `[batch]` ('int'), float32 `[batch, classes]` ('categorical') or `[batch, 1]` ('binary'). */
  ys?: Tensor;
}

/** What a dataset with labels yields (every `labelMode` but null): what `model.fitDataset` takes. */
export interface LabeledImageBatch {
  xs: Tensor;
  ys: Tensor;
}

const fmtCount = (n: number): string => n.toLocaleString('en-US');

/**
 * Where a folder's images come from: the cache when it has them, else the decoding pool. Shared by
 * the training and validation datasets of one call; remembers the files that failed.
 */
export class ImageSource {
  readonly bad = new Map<number, string>();
  private reported = 0;

  constructor(
    readonly root: string,
    readonly plan: FolderPlan,
    readonly options: ResolvedImageOptions,
    private readonly pool: DecodePool,
    readonly cache: ImageCache | null,
  ) {}

  /** Bytes of one shaped image. */
  get recordBytes(): number {
    const [h, w] = this.options.job.imageSize;
    return h * w * this.options.channels;
  }

  /**
   * Loads image `i` into `out` at `offset` (a view of a SharedArrayBuffer: decoding workers write
   * it directly); false (after a warning) when the file is bad.
   */
  async load(i: number, out: Uint8Array, offset: number): Promise<boolean> {
    if (this.bad.has(i)) return false;
    const cache = this.cache;
    if (cache?.has(i)) {
      await cache.read(i, out, offset);
      return true;
    }
    const record = cache?.target(i) ?? undefined;
    let written: boolean;
    try {
      written = await this.pool.decode(join(this.root, this.plan.files[i].path), this.options.job, { out, offset, cache: record });
    } catch (e) {
      if (record) cache!.release();
      const reason = e instanceof Error ? e.message : String(e);
      this.bad.set(i, reason);
      this.options.warn(`Skipping ${reason}`);
      return false;
    }
    if (record) {
      const err = written ? await cache!.commit(i) : cache!.failed();
      if (err) this.options.warn(err);
    }
    return true;
  }

  /** Prints "skipped N of M files: ..." once per new set of bad files. */
  summarize(): void {
    const refused = this.plan.refused.map((r) => r.path);
    const bad = [...this.bad.keys()].sort((a, b) => a - b).map((i) => this.plan.files[i].path);
    const names = [...refused, ...bad];
    if (names.length === 0 || names.length === this.reported) return;
    this.reported = names.length;
    const total = this.plan.files.length + refused.length;
    const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, and ${fmtCount(names.length - 10)} more` : '');
    this.options.warn(`imageDatasetFromDirectory: skipped ${fmtCount(names.length)} of ${fmtCount(total)} files: ${shown}`);
  }

  /** Closes the cache file (the datasets of one call share it). Safe to call twice. */
  async close(): Promise<void> {
    await this.cache?.close();
  }

  /** The label of image `i`. */
  label(i: number): number {
    return this.plan.files[i].label;
  }
}

/** Builds the label tensor of a batch. */
function labelTensor(labels: number[], mode: ResolvedImageOptions['labelMode'], numClasses: number, batched: boolean): Tensor | undefined {
  const n = labels.length;
  if (mode === null) return undefined;
  if (mode === 'int') return tensor(Int32Array.from(labels), batched ? [n] : [], 'int32');
  if (mode === 'binary') return tensor(Float32Array.from(labels), batched ? [n, 1] : [1], 'float32');
  const onehot = new Float32Array(n * numClasses);
  labels.forEach((l, r) => (onehot[r * numClasses + l] = 1));
  return tensor(onehot, batched ? [n, numClasses] : [numClasses], 'float32');
}

/** Decodes groups of file indices into batches, replacing bad files by the next ones. */
class ImageBatchIterator extends LazyIterator<ImageBatch | Tensor> {
  /**
   * Where the workers write a batch; one per stream, since batches are made one at a time. Each
   * batch is then copied out to an ordinary buffer: memory of a SharedArrayBuffer is not counted
   * by the garbage collector's heuristics, so handing out a new one per batch would let dropped
   * batches pile up.
   */
  private staging: Uint8Array | null = null;

  constructor(
    private readonly upstream: LazyIterator<number>,
    private readonly source: ImageSource,
    private readonly onEnd: () => void,
  ) {
    super();
  }

  protected async serialNext(): Promise<StreamResult<ImageBatch | Tensor>> {
    const { batchSize, labelMode, job, channels } = this.source.options;
    const size = batchSize ?? 1;
    const rec = this.source.recordBytes;
    const xs = (this.staging ??= new Uint8Array(new SharedArrayBuffer(size * rec)));
    const got: number[] = [];
    let ended = false;
    while (got.length < size && !ended) {
      const want: number[] = [];
      while (want.length < size - got.length) {
        const r = await this.upstream.next();
        if (r.done) {
          ended = true;
          break;
        }
        want.push(r.value);
      }
      const base = got.length;
      const ok = await Promise.all(want.map((i, k) => this.source.load(i, xs, (base + k) * rec)));
      // Close the gaps left by bad files.
      let w = base;
      want.forEach((i, k) => {
        if (!ok[k]) return;
        if (w !== base + k) xs.copyWithin(w * rec, (base + k) * rec, (base + k + 1) * rec);
        got.push(i);
        w++;
      });
    }
    if (ended) this.onEnd();
    if (got.length === 0) return { value: null, done: true };
    const [h, w] = job.imageSize;
    const batched = batchSize !== null;
    // set() copies out of the shared staging buffer as one block; slice() on shared memory copies
    // element by element (about 1 ms for a batch of 32 images of 64x64, 5% of a small model's step).
    const own = new Uint8Array(got.length * rec);
    own.set(xs.subarray(0, got.length * rec));
    const images = tensor(own, batched ? [got.length, h, w, channels] : [h, w, channels], 'uint8');
    const ys = labelTensor(got.map((i) => this.source.label(i)), labelMode, this.source.plan.numClasses, batched);
    return { value: ys ? { xs: images, ys } : labelMode === null ? images : { xs: images }, done: false };
  }

  protected override async close(): Promise<void> {
    await this.upstream.return();
  }
}

/**
 * A dataset of uint8 image batches from a folder (see {@link imageDatasetFromDirectory}).
 * `size` is the number of batches; it shrinks to the exact count once a pass has met bad files.
 */
export class ImageFolderDataset<T extends ImageBatch | Tensor = LabeledImageBatch> extends Dataset<T> {
  /** Class names, indexed by label. */
  readonly classNames: string[];
  /** The files of this dataset, relative to the folder, in the order before per-pass shuffling. */
  readonly filePaths: string[];
  private readonly passes: Random;

  constructor(
    readonly source: ImageSource,
    private readonly indices: readonly number[],
    private readonly shuffleFiles: boolean,
  ) {
    super();
    this.classNames = [...source.plan.classNames];
    this.filePaths = indices.map((i) => source.plan.files[i].path);
    const { batchSize, seed } = source.options;
    this.size = batchSize === null ? indices.length : Math.ceil(indices.length / batchSize);
    this.passes = new Random(seed ?? globalRandom.nextUint32());
  }

  /**
   * Closes the cache file this dataset reads (shared with the other subset of a `subset: 'both'`
   * call). The dataset still iterates afterwards, decoding every image again.
   */
  async close(): Promise<void> {
    await this.source.close();
  }

  /** The shape of one image: `[height, width, channels]`. */
  get imageShape(): [number, number, number] {
    const [h, w] = this.source.options.job.imageSize;
    return [h, w, this.source.options.channels];
  }

  /** Batches `{ xs, ys }` (or image tensors alone with `labelMode: null`), as the type says. */
  async iterator(): Promise<LazyIterator<T>> {
    const { batchSize, prefetch } = this.source.options;
    let order: LazyIterator<number> = new ArrayIterator(this.indices);
    // Keras shuffles the file list once, then each pass within a window of 8 batches (or 1,024 images).
    if (this.shuffleFiles) order = new ShuffleIterator(order, batchSize === null ? 1024 : batchSize * 8, new Random(this.passes.nextUint32()));
    const onEnd = (): void => {
      const good = this.indices.filter((i) => !this.source.bad.has(i)).length;
      this.size = batchSize === null ? good : Math.ceil(good / batchSize);
      this.source.summarize();
    };
    const batches = new ImageBatchIterator(order, this.source, onEnd);
    return (prefetch > 0 ? new PrefetchIterator(batches, prefetch) : batches) as LazyIterator<ImageBatch | Tensor> as LazyIterator<T>;
  }
}

async function openSource(dir: string, options: ImageFolderOptions): Promise<{ source: ImageSource; opts: ResolvedImageOptions }> {
  const opts = resolveImageOptions(options);
  const root = resolve(dir);
  const plan = await planImageFolder(nodeFolderReader(root, dir), dir, opts.plan);
  checkLabelMode(opts.labelMode, plan.classNames, plan.numClasses);
  const counted = opts.plan.labels === 'inferred' ? ` belonging to ${fmtCount(plan.classNames.length)} classes` : '';
  opts.log(`Found ${fmtCount(plan.files.length)} files${counted}.`);
  if (plan.ignored.length) opts.log(`Ignored ${fmtCount(plan.ignored.length)} files without an image extension: ${plan.ignored.slice(0, 5).join(', ')}${plan.ignored.length > 5 ? ', ...' : ''}`);
  for (const r of plan.refused) opts.warn(`Skipping ${join(dir, r.path)}: ${r.reason}`);
  const [h, w] = opts.job.imageSize;
  let cache: ImageCache | null = null;
  if (opts.cache !== false) {
    const cacheDir = typeof opts.cache === 'string' ? opts.cache : join(cacheFolder(), 'images');
    const { imageSize, colorMode, interpolation, cropToAspectRatio, padToAspectRatio, maxPixels } = opts.job;
    cache = await ImageCache.open(cacheDir, { folder: root, recordBytes: h * w * opts.channels, settings: { version: 1, imageSize, colorMode, interpolation, cropToAspectRatio, padToAspectRatio, maxPixels } }, plan.files);
    if (cache.reused > 0) opts.log(`Using ${fmtCount(cache.reused)} decoded images from the cache ${cache.file}.`);
  }
  return { source: new ImageSource(root, plan, opts, sharedDecodePool(opts.threads), cache), opts };
}

/**
 * Keras's `image_dataset_from_directory`: a dataset of uint8 image batches `{ xs, ys }` from a
 * folder with one subfolder per class. With `subset: 'both'` returns `[training, validation]`.
 *
 * Differences from Keras: images stay uint8 (rounded after resizing) rather than float32; WebP is
 * read too; EXIF orientation is applied; files that cannot be read are skipped with a warning
 * instead of stopping the run; the per-pass shuffle uses cnnkit's generator (same rules, other order).
 *
 * @throws DataError for a folder without class folders, a class folder without images, duplicate
 *   class names; ValueError for unknown or inconsistent options (named in the message)
 */
export async function imageDatasetFromDirectory(dir: string, options: ImageFolderOptions & { subset: 'both'; labelMode: null }): Promise<[ImageFolderDataset<Tensor>, ImageFolderDataset<Tensor>]>;
export async function imageDatasetFromDirectory(dir: string, options: ImageFolderOptions & { subset: 'both' }): Promise<[ImageFolderDataset, ImageFolderDataset]>;
export async function imageDatasetFromDirectory(dir: string, options: ImageFolderOptions & { labelMode: null }): Promise<ImageFolderDataset<Tensor>>;
export async function imageDatasetFromDirectory(dir: string, options?: ImageFolderOptions): Promise<ImageFolderDataset>;
export async function imageDatasetFromDirectory(dir: string, options: ImageFolderOptions = {}): Promise<ImageFolderDataset<ImageBatch | Tensor> | [ImageFolderDataset<ImageBatch | Tensor>, ImageFolderDataset<ImageBatch | Tensor>]> {
  const { source, opts } = await openSource(dir, options);
  const { plan } = source;
  const { subset } = opts.plan;
  const use = (what: string, n: number): void => opts.log(`Using ${fmtCount(n)} files for ${what}.`);
  if (subset === 'both') {
    use('training', plan.training.length);
    use('validation', plan.validation.length);
    if (plan.training.length === 0 || plan.validation.length === 0)
      throw new DataError(`${dir}: validationSplit=${opts.plan.validationSplit} of ${plan.files.length} files leaves ${plan.training.length} for training and ${plan.validation.length} for validation; both need at least one`);
    return [new ImageFolderDataset(source, plan.training, opts.shuffle), new ImageFolderDataset(source, plan.validation, opts.shuffle)];
  }
  const indices = subset === 'validation' ? plan.validation : plan.training;
  if (subset) use(subset, indices.length);
  return new ImageFolderDataset(source, indices, opts.shuffle);
}

/** A folder read whole into arrays (see {@link loadImageFolder}). */
export interface ImageArrays {
  /** uint8 NHWC, `count * height * width * channels` bytes. */
  images: Uint8Array;
  /** One class index per image (-1 without labels). */
  labels: Int32Array;
  count: number;
  /** `[height, width, channels]`. */
  imageShape: [number, number, number];
  classNames: string[];
  /** The files, relative to the folder, in the order of `images`. */
  files: string[];
  /** Files skipped, with the reason. */
  skipped: { path: string; reason: string }[];
}

async function readAll(source: ImageSource, indices: readonly number[]): Promise<ImageArrays> {
  const rec = source.recordBytes;
  const images = new Uint8Array(indices.length * rec);
  const ok = new Array<boolean>(indices.length);
  // Enough requests in flight to keep every worker busy, few enough to bound memory; each has a
  // small shared buffer the worker writes, copied into `images`.
  const window = Math.max(4, source.options.threads * 4);
  let next = 0;
  const run = async (): Promise<void> => {
    const staging = new Uint8Array(new SharedArrayBuffer(rec));
    while (next < indices.length) {
      const k = next++;
      ok[k] = await source.load(indices[k], staging, 0);
      if (ok[k]) images.set(staging, k * rec);
    }
  };
  await Promise.all(Array.from({ length: window }, run));
  let w = 0;
  const kept: number[] = [];
  indices.forEach((i, k) => {
    if (!ok[k]) return;
    if (w !== k) images.copyWithin(w * rec, k * rec, (k + 1) * rec);
    kept.push(i);
    w++;
  });
  const [h, wd] = source.options.job.imageSize;
  const plan = source.plan;
  return {
    images: w === indices.length ? images : images.slice(0, w * rec),
    labels: Int32Array.from(kept, (i) => plan.files[i].label),
    count: w,
    imageShape: [h, wd, source.options.channels],
    classNames: [...plan.classNames],
    files: kept.map((i) => plan.files[i].path),
    skipped: [...plan.refused, ...[...source.bad].map(([i, reason]) => ({ path: plan.files[i].path, reason }))],
  };
}

/**
 * Reads a whole image folder into uint8 arrays with the same rules and options as
 * {@link imageDatasetFromDirectory} (no batching): for folders that fit in memory, e.g. to train
 * with `model.fit` or to show a grid of samples. With `subset: 'both'` returns both parts.
 */
export async function loadImageFolder(dir: string, options: Omit<ImageFolderOptions, 'batchSize'> & { subset: 'both' }): Promise<{ training: ImageArrays; validation: ImageArrays }>;
export async function loadImageFolder(dir: string, options?: Omit<ImageFolderOptions, 'batchSize'>): Promise<ImageArrays>;
export async function loadImageFolder(dir: string, options: Omit<ImageFolderOptions, 'batchSize'> = {}): Promise<ImageArrays | { training: ImageArrays; validation: ImageArrays }> {
  const { source, opts } = await openSource(dir, { ...options, batchSize: null });
  const { plan } = source;
  try {
    if (opts.plan.subset === 'both') {
      const training = await readAll(source, plan.training);
      const validation = await readAll(source, plan.validation);
      source.summarize();
      return { training, validation };
    }
    const out = await readAll(source, opts.plan.subset === 'validation' ? plan.validation : plan.training);
    source.summarize();
    return out;
  } finally {
    await source.cache?.close();
  }
}
