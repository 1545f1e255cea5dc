/**
 * What an image classifier records about its inputs and outputs in model.json's
 * `userDefinedMetadata` (tfjs keeps it: `model.getUserDefinedMetadata()` in TensorFlow.js returns
 * the same object): the class names in label order, and how a picture is shaped for the model.
 * Pure code: `cnnkit train`/`predict` and the page read and write the same object.
 */
import { DataError } from '../errors.js';
import { COLOR_CHANNELS, INTERPOLATIONS, type ColorMode, type Interpolation } from './image-resize.js';

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
