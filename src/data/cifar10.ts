/**
 * CIFAR-10 for Node: find it (explicit path, `CNNKIT_DATA`, cache, Keras cache), download it if
 * needed, read it, and hand it out Keras-style as host tensors.
 *
 * ```ts
 * const [[xTrain, yTrain], [xTest, yTest]] = await ck.datasets.cifar10.loadData();
 * ```
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { CIFAR10_CLASSES, CIFAR10_SIZE, FORMAT_FOLDERS, type Cifar10Data, type Cifar10Split } from './format.js';
import { downloadArchive } from './node-download.js';
import { readArchiveFile, readBatchFolder } from './node-read.js';
import { cacheFolder, findSource, searchPlaces } from './node-sources.js';
import { CIFAR10_ARCHIVE_BYTES, CIFAR10_ARCHIVE_NAME, CIFAR10_MD5, CIFAR10_URL, type LoadOptions } from './options.js';

/** The sentence listing where to put the archive, used when nothing is found. */
export function whereToPutArchive(options: LoadOptions = {}): string {
  const places = searchPlaces(options).filter((p) => !p.required);
  const cache = cacheFolder(options);
  const lines = [
    `Download ${CIFAR10_URL} and put ${CIFAR10_ARCHIVE_NAME} (or its extracted ${FORMAT_FOLDERS.binary} folder) in`,
    `  ${cache}`,
    `or pass its path with --data / options.path, or set CNNKIT_DATA to it. Searched: ${places.map((p) => `${p.path} (${p.origin})`).join(', ')}.`,
  ];
  return lines.join('\n');
}

/**
 * Reads CIFAR-10 from the first place that has it, downloading the official binary archive into
 * the cache when none does (unless `download: false`).
 *
 * Order: `options.path`; `CNNKIT_DATA`; the cache folder (`options.cacheDir`, else
 * `$XDG_CACHE_HOME/cnnkit/datasets`, else `~/.cache/cnnkit/datasets`); the Keras cache
 * (`~/.keras/datasets/cifar-10-batches-py`); else download.
 *
 * @throws DataError naming the file and the fault for bad data, a failed download, or when the
 *   data is nowhere and downloading is off or impossible (the message says where to put it)
 */
export async function readCifar10(options: LoadOptions = {}): Promise<Cifar10Data> {
  const found = await findSource(options);
  if (found) {
    return found.kind === 'archive' ? readArchiveFile(found.path, options.onProgress) : readBatchFolder(found.path, options.onProgress);
  }
  if (options.download === false) {
    throw new DataError(`CIFAR-10 not found and downloading is off.\n${whereToPutArchive(options)}`);
  }
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new DataError(`CIFAR-10 not found and no fetch is available to download it.\n${whereToPutArchive(options)}`);
  }
  const dest = join(cacheFolder(options), CIFAR10_ARCHIVE_NAME);
  try {
    await downloadArchive({
      url: options.url ?? CIFAR10_URL,
      dest,
      expectedMd5: options.expectedMd5 ?? CIFAR10_MD5,
      expectedSize: options.expectedSize ?? CIFAR10_ARCHIVE_BYTES,
      fetchImpl,
      onProgress: options.onProgress,
    });
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    throw new DataError(`CIFAR-10 not found locally, and downloading it failed: ${e.message}.\n${whereToPutArchive(options)}`);
  }
  return readArchiveFile(dest, options.onProgress);
}

/** A split as Keras-style host tensors: uint8 images [n, 32, 32, 3] and int32 labels [n]. */
export function splitToTensors(split: Cifar10Split): [Tensor, Tensor] {
  const x = Tensor.host([split.count, CIFAR10_SIZE, CIFAR10_SIZE, 3], split.images);
  const y = Tensor.host([split.count], Int32Array.from(split.labels));
  return [x, y];
}

/** Turns read data into `[[xTrain, yTrain], [xTest, yTest]]` host tensors (images are not copied). */
export function cifar10Tensors(data: Cifar10Data): [[Tensor, Tensor], [Tensor, Tensor]] {
  return [splitToTensors(data.train), splitToTensors(data.test)];
}

/**
 * Keras-style CIFAR-10: `const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData()`.
 * Images are uint8 NHWC `[n, 32, 32, 3]` host tensors, labels int32 `[n]`.
 */
export const cifar10: {
  /** Class names indexed by label. */
  readonly classNames: readonly string[];
  /** Reads CIFAR-10 (see {@link readCifar10}) and returns it as host tensors. */
  loadData(options?: LoadOptions): Promise<[[Tensor, Tensor], [Tensor, Tensor]]>;
} = {
  classNames: CIFAR10_CLASSES,
  async loadData(options?: LoadOptions) {
    return cifar10Tensors(await readCifar10(options));
  },
};

// Re-exported, so the CIFAR-10 names and types can be imported from this one module.
export { CIFAR10_CLASSES, type Cifar10Data, type Cifar10Split } from './format.js';
export type { LoadOptions, LoadProgress } from './options.js';
export { parseCifar10Archive } from './archive.js';
export { cifar10Subset } from './subset.js';
