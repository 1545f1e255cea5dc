/**
 * What a classifier saved by `cnnkit train` or `cnnkit tutorial` records about its inputs and
 * outputs, in model.json's `userDefinedMetadata` (tfjs keeps it: `model.getUserDefinedMetadata()`
 * in TensorFlow.js returns the same object): the class names in label order, and how a picture is
 * shaped for the model, so `cnnkit predict` reads a photo the way the training images were read.
 */
import { readFileSync, statSync } from 'node:fs';
import type { LayersModel } from '../models/model.js';
import { modelJsonPath } from '../io/node-file.js';
import { DEFAULT_MAX_PIXELS } from '../data/image-decode.js';
import type { ImageJob } from '../data/image-resize.js';
import { classifierMetadata, type ClassifierMetadata } from '../data/classifier-metadata.js';

export { cifar10Metadata, classifierMetadata, type ClassifierMetadata } from '../data/classifier-metadata.js';

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
