/**
 * The browser-safe part of the dataset layer: parsing CIFAR-10 from bytes, with no Node APIs.
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
