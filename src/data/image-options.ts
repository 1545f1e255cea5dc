/**
 * Options of `imageDatasetFromDirectory` / `loadImageFolder`: Keras's arguments in camelCase plus
 * cnnkit's (pixel limit, cache, threads, prefetch, where messages go), checked and given defaults
 * in one place. An unknown option is refused with its name (a Keras snake_case name gets its
 * camelCase spelling in the message).
 */
import { ValueError, fmtValue } from '../errors.js';
import { DEFAULT_MAX_PIXELS } from './image-decode.js';
import type { PlanOptions } from './image-folder.js';
import { COLOR_CHANNELS, INTERPOLATIONS, type ColorMode, type ImageJob, type Interpolation } from './image-resize.js';
import { defaultDecodeThreads } from './image-pool.js';

/** Label encodings (Keras `label_mode`). */
export type LabelMode = 'int' | 'categorical' | 'binary' | null;

/** Options of `ck.data.imageDatasetFromDirectory` (Keras names in camelCase). */
export interface ImageFolderOptions {
  /** 'inferred' (default, from the class folders), null (no labels), or one label per file in sorted path order. */
  labels?: 'inferred' | null | readonly number[];
  /** 'int' (default), 'categorical' (one-hot float32), 'binary' (float32 0/1, two classes) or null. */
  labelMode?: LabelMode;
  /** Class folders to use, in label order (default: all subfolders, sorted). */
  classNames?: readonly string[] | null;
  /** 'rgb' (default), 'grayscale' or 'rgba'. */
  colorMode?: ColorMode;
  /** Images per batch (default 32); null yields single images. */
  batchSize?: number | null;
  /** Output `[height, width]` (default [256, 256]). */
  imageSize?: readonly [number, number];
  /** Shuffle the file list once and each pass within a window (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles; required with validationSplit (default: from ck.setSeed). */
  seed?: number;
  /** Fraction kept for validation, taken from the end of the shuffled file list. */
  validationSplit?: number | null;
  /** 'training', 'validation' or 'both' (returns both). */
  subset?: 'training' | 'validation' | 'both' | null;
  /** 'bilinear' (default), 'nearest' or 'area' (box averaging, best for shrinking). */
  interpolation?: Interpolation;
  /** Follow symbolic links (default false: links are skipped with a warning). */
  followLinks?: boolean;
  /** Centre-crop to the output's aspect ratio before resizing (default false). */
  cropToAspectRatio?: boolean;
  /** Pad with black to the output's aspect ratio before resizing (default false). */
  padToAspectRatio?: boolean;
  /** Print "Found N files belonging to M classes." and the like (default true). */
  verbose?: boolean;
  /** Largest width * height decoded (default 50,000,000); larger images are skipped before decoding. */
  maxPixels?: number;
  /** Cache of decoded images: true (default, in the dataset cache folder), false, or a folder. */
  cache?: boolean | string;
  /** Decoding threads (default: the cores, at most 4); 0 decodes on the calling thread. */
  threads?: number;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /** Receives information lines (default console.log). */
  log?: (line: string) => void;
  /** Receives warnings: skipped files and the summary (default console.warn). */
  onWarning?: (line: string) => void;
}

/** The options with defaults applied. */
export interface ResolvedImageOptions {
  plan: PlanOptions;
  job: ImageJob;
  channels: 1 | 3 | 4;
  labelMode: LabelMode;
  batchSize: number | null;
  shuffle: boolean;
  seed: number | undefined;
  cache: boolean | string;
  threads: number;
  prefetch: number;
  log: (line: string) => void;
  warn: (line: string) => void;
}

const KNOWN = [
  'labels', 'labelMode', 'classNames', 'colorMode', 'batchSize', 'imageSize', 'shuffle', 'seed', 'validationSplit', 'subset', 'interpolation',
  'followLinks', 'cropToAspectRatio', 'padToAspectRatio', 'verbose', 'maxPixels', 'cache', 'threads', 'prefetch', 'log', 'onWarning',
];
const KERAS_ONLY_INTERPOLATIONS = ['bicubic', 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic'];
const W = 'imageDatasetFromDirectory';

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Checks `options` and fills in the defaults. */
export function resolveImageOptions(options: ImageFolderOptions): ResolvedImageOptions {
  for (const k of Object.keys(options)) {
    if (KNOWN.includes(k)) continue;
    const hint = KNOWN.includes(camel(k)) ? ` (did you mean ${camel(k)}?)` : k === 'dataFormat' || k === 'data_format' ? ' (images are always channels-last)' : '';
    throw new ValueError(`${W}: unknown option '${k}'${hint}. Received ${k}=${fmtValue((options as Record<string, unknown>)[k])}`);
  }
  const {
    labels = 'inferred', classNames = null, colorMode = 'rgb', batchSize = 32, imageSize = [256, 256], shuffle = true, seed, validationSplit = null,
    subset = null, interpolation = 'bilinear', followLinks = false, cropToAspectRatio = false, padToAspectRatio = false, verbose = true,
    maxPixels = DEFAULT_MAX_PIXELS, cache = true, threads = defaultDecodeThreads(), prefetch = 2,
  } = options;
  let { labelMode = 'int' } = options;
  if (!(Array.isArray(imageSize) && imageSize.length === 2 && imageSize.every(positiveInt))) throw new ValueError(`${W}: imageSize must be [height, width] in positive integers. Received imageSize=${fmtValue(imageSize)}`);
  if (!(batchSize === null || positiveInt(batchSize))) throw new ValueError(`${W}: batchSize must be a positive integer or null. Received batchSize=${fmtValue(batchSize)}`);
  if (!(colorMode in COLOR_CHANNELS)) throw new ValueError(`${W}: colorMode must be 'rgb', 'grayscale' or 'rgba'. Received colorMode=${fmtValue(colorMode)}`);
  if (!INTERPOLATIONS.includes(interpolation)) {
    const why = KERAS_ONLY_INTERPOLATIONS.includes(interpolation) ? ' (a Keras method cnnkit does not implement)' : '';
    throw new ValueError(`${W}: interpolation must be one of ${INTERPOLATIONS.map((i) => `'${i}'`).join(', ')}${why}. Received interpolation=${fmtValue(interpolation)}`);
  }
  if (labelMode !== null && !['int', 'categorical', 'binary'].includes(labelMode)) throw new ValueError(`${W}: labelMode must be 'int', 'categorical', 'binary' or null. Received labelMode=${fmtValue(labelMode)}`);
  if (!(labels === 'inferred' || labels === null || Array.isArray(labels))) throw new ValueError(`${W}: labels must be 'inferred', null or an array of integers. Received labels=${fmtValue(labels)}`);
  if (labels === null) labelMode = null;
  if (cropToAspectRatio && padToAspectRatio) throw new ValueError(`${W}: only one of cropToAspectRatio and padToAspectRatio can be true. Received cropToAspectRatio=true, padToAspectRatio=true`);
  if (!positiveInt(maxPixels)) throw new ValueError(`${W}: maxPixels must be a positive integer. Received maxPixels=${fmtValue(maxPixels)}`);
  if (!(Number.isInteger(threads) && threads >= 0)) throw new ValueError(`${W}: threads must be a non-negative integer. Received threads=${fmtValue(threads)}`);
  if (!(Number.isInteger(prefetch) && prefetch >= 0)) throw new ValueError(`${W}: prefetch must be a non-negative integer. Received prefetch=${fmtValue(prefetch)}`);
  if (!(typeof cache === 'boolean' || (typeof cache === 'string' && cache.length > 0))) throw new ValueError(`${W}: cache must be true, false or a folder. Received cache=${fmtValue(cache)}`);
  const plan: PlanOptions = { labels, classNames, shuffle, seed, validationSplit, subset, followLinks };
  const log = verbose ? (options.log ?? ((l: string) => console.log(l))) : () => undefined;
  const warn = options.onWarning ?? ((l: string) => console.warn(l));
  return {
    plan,
    job: { imageSize: [imageSize[0], imageSize[1]], colorMode, interpolation, cropToAspectRatio, padToAspectRatio, maxPixels },
    channels: COLOR_CHANNELS[colorMode],
    labelMode,
    batchSize,
    shuffle,
    seed,
    cache,
    threads,
    prefetch,
    log,
    warn,
  };
}

/** Checks the label mode against the classes found (Keras: 'binary' needs exactly two). */
export function checkLabelMode(labelMode: LabelMode, classNames: readonly string[], numClasses: number): void {
  if (labelMode === 'binary' && numClasses !== 2)
    throw new ValueError(`${W}: labelMode 'binary' needs exactly 2 classes. Received classNames=${fmtValue([...classNames])} (${numClasses} classes)`);
}
