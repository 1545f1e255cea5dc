/** `ck.data` in Node: the platform-neutral pipeline plus file-backed datasets (CSV files, image folders). */
export * from './api.js';
export { csv } from './node-csv.js';
export { ImageFolderDataset, imageDatasetFromDirectory, loadImageFolder, type ImageArrays, type ImageBatch, type LabeledImageBatch, type ImageFolderOptions } from './image-dataset.js';
export { DecodePool, defaultDecodeThreads, sharedDecodePool } from './image-pool.js';
export { DEFAULT_MAX_PIXELS, decodeImage, orient, readImageHeader, setWasmDecoderLoader, type DecodeOptions, type ImageFormat, type ImageHeader, type RawImage } from './image-decode.js';
export { convertChannels, decodeAndPrepare, prepareImage, resizeInto, type ColorMode, type ImageJob, type Interpolation, type PrepareOptions } from './image-resize.js';
export { IMAGE_EXTENSIONS, planImageFolder, type FolderEntry, type FolderPlan, type FolderReader, type PlanOptions } from './image-folder.js';
