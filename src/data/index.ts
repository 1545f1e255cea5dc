/**
 * The dataset layer (`ck.datasets`): CIFAR-10 from archives, folders, the caches or a download.
 * Node-only pieces live in `node-*.ts` and `cifar10.ts`; `browser.ts` has the parts with no Node APIs.
 */
export * from './browser.js';
export { cifar10, cifar10Tensors, readCifar10, splitToTensors, whereToPutArchive } from './cifar10.js';
export { cacheFolder, findSource, kerasFolder, searchPlaces, type Cifar10Source } from './node-sources.js';
export {
  CIFAR10_ARCHIVE_BYTES,
  CIFAR10_ARCHIVE_NAME,
  CIFAR10_MD5,
  CIFAR10_URL,
  type LoadOptions,
  type LoadProgress,
} from './options.js';
