/** cnnkit for Node.js: the core API plus datasets that read files, caches and downloads. */
export * from './core.js';
export * as datasets from './data/index.js';
// Model files on disk: registers file:// for model.save / loadLayersModel; `io` adds fileSystem.
export * as io from './io/node.js';
export { exportOnnx, exportOnnxFile } from './io/onnx/node.js';
export { callbacks, BackupMismatchError } from './io/checkpoint.js';
export type { RunConfig, RunConfigDifference } from './io/checkpoint.js';
