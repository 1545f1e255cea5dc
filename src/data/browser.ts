/**
 * The browser-safe part of the dataset layer, with no Node APIs: parsing CIFAR-10 from bytes, and
 * indexing, splitting and resizing an image folder the visitor gave.
 * A web page can import this file alone and parse a user-dropped `cifar-10-binary.tar.gz`.
 */
export {
  CIFAR10_CLASSES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SIZE,
  type Cifar10Data,
  type Cifar10Format,
  type Cifar10Split,
} from './format.js';
export { Cifar10TarParser, parseCifar10Archive } from './archive.js';
export { readPickle } from './pickle.js';
export { readPythonBatch, type PythonBatch } from './python-batch.js';
export { balancedSplitSubset, cifar10Subset } from './subset.js';
// Image folders in a page: the same indexing, split and resizing as imageDatasetFromDirectory
// (the page decodes with the browser's own decoders and reads headers for the pixel limit).
export { IMAGE_EXTENSIONS, planImageFolder, type FileFacts, type FolderEntry, type FolderPlan, type FolderReader, type LeftOut, type PlannedFile } from './image-folder.js';
export { prepareImage, type PrepareOptions } from './image-resize.js';
export { DEFAULT_MAX_PIXELS, readImageHeader, type ImageHeader, type RawImage } from './image-decode.js';
export { cifar10Metadata, classifierMetadata, type ClassifierMetadata } from './classifier-metadata.js';
