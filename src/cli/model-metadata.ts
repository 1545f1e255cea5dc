/**
 * What a classifier saved by `cnnkit train` or `cnnkit tutorial` records about its inputs and
 * outputs, in model.json's `userDefinedMetadata` (tfjs keeps it: `model.getUserDefinedMetadata()`
 * in TensorFlow.js returns the same object): the class names in label order, and how a picture is
 * shaped for the model, so `cnnkit predict` reads a photo the way the training images were read.
 */
import { readFileSync, statSync } from 'node:fs';
import { DataError } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import { modelJsonPath } from '../io/node-file.js';
import { DEFAULT_MAX_PIXELS } from '../data/image-decode.js';
import { COLOR_CHANNELS, INTERPOLATIONS, type ColorMode, type ImageJob, type Interpolation } from '../data/image-resize.js';

/** The metadata of an image classifier. */
export interface ClassifierMetadata {
  /** Class names, indexed by the model's output units. */
  classNames: string[];
  /** `[height, width]` of the model's input images. */
  imageSize: [number, number];
  colorMode: ColorMode;
  /** How images were resized for training. */
  interpolation: Interpolation;
  /** Whether images were centre-cropped to the input's aspect ratio before resizing. */
  cropToAspectRatio: boolean;
  /** The recipe the model was trained with, when one was. */
  recipe?: string;
}

/**
 * CIFAR-10's images are photos cropped square and shrunk to 32x32: a photo is read the same way
 * (centre crop, area averaging).
 */
export function cifar10Metadata(classNames: readonly string[], recipe?: string): ClassifierMetadata {
  return { classNames: [...classNames], imageSize: [32, 32], colorMode: 'rgb', interpolation: 'area', cropToAspectRatio: true, ...(recipe ? { recipe } : {}) };
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * The classifier metadata in a model's user-defined metadata, or null when it has none (a model
 * saved by other programs).
 * @throws DataError naming `where` when the metadata is there but malformed
 */
export function classifierMetadata(metadata: unknown, where: string): ClassifierMetadata | null {
  if (typeof metadata !== 'object' || metadata === null || !('classNames' in metadata)) return null;
  const m = metadata as Record<string, unknown>;
  const bad = (what: string, value: unknown): never => {
    throw new DataError(`${where}: userDefinedMetadata.${what}. Received ${JSON.stringify(value)?.slice(0, 80)}`);
  };
  if (!Array.isArray(m.classNames) || m.classNames.length === 0 || !m.classNames.every((c) => typeof c === 'string')) bad('classNames must be a list of class names', m.classNames);
  const size = m.imageSize;
  if (!(Array.isArray(size) && size.length === 2 && size.every(positiveInt))) bad('imageSize must be [height, width]', size);
  const colorMode = m.colorMode ?? 'rgb';
  if (!(typeof colorMode === 'string' && colorMode in COLOR_CHANNELS)) bad("colorMode must be 'rgb', 'grayscale' or 'rgba'", colorMode);
  const interpolation = m.interpolation ?? 'bilinear';
  if (!INTERPOLATIONS.includes(interpolation as Interpolation)) bad(`interpolation must be one of ${INTERPOLATIONS.join(', ')}`, interpolation);
  const crop = m.cropToAspectRatio ?? false;
  if (typeof crop !== 'boolean') bad('cropToAspectRatio must be true or false', crop);
  return {
    classNames: [...(m.classNames as string[])], imageSize: [(size as number[])[0], (size as number[])[1]], colorMode: colorMode as ColorMode,
    interpolation: interpolation as Interpolation, cropToAspectRatio: crop as boolean, ...(typeof m.recipe === 'string' ? { recipe: m.recipe } : {}),
  };
}

/** The metadata of a loaded model (see {@link classifierMetadata}). */
export function modelClassifierMetadata(model: LayersModel, where = `model '${model.name}'`): ClassifierMetadata | null {
  return classifierMetadata(model.getUserDefinedMetadata(), where);
}

/**
 * Reads the classifier metadata from a model folder's model.json without loading the weights, so
 * photos can be checked before the model is; null when the file is missing or unreadable (loading
 * the model then reports what is wrong).
 */
export function peekClassifierMetadata(dirOrFile: string): ClassifierMetadata | null {
  let json: { userDefinedMetadata?: unknown };
  try {
    const file = modelJsonPath(dirOrFile);
    if (statSync(file).size > 64 << 20) return null;
    json = JSON.parse(readFileSync(file, 'utf8')) as { userDefinedMetadata?: unknown };
  } catch {
    return null;
  }
  return classifierMetadata(json?.userDefinedMetadata, dirOrFile);
}

/** How to shape a photo for a model with this metadata. */
export function imageJob(meta: ClassifierMetadata): ImageJob {
  return { imageSize: meta.imageSize, colorMode: meta.colorMode, interpolation: meta.interpolation, cropToAspectRatio: meta.cropToAspectRatio, padToAspectRatio: false, maxPixels: DEFAULT_MAX_PIXELS };
}
