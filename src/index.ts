/** cnnkit for Node.js: the core API plus datasets that read files, caches and downloads. */
export * from './core.js';
export * as datasets from './data/index.js';
export * as data from './data/node-api.js';
// Model files on disk: registers file:// for model.save / loadLayersModel; `io` adds fileSystem.
export * as io from './io/node.js';
export { exportOnnx, exportOnnxFile } from './io/onnx/node.js';
export { callbacks, BackupMismatchError } from './io/checkpoint.js';
export type { RunConfig, RunConfigDifference } from './io/checkpoint.js';
// tfjs-node's image decoding (`ck.node.decodeImage`), with pure-JavaScript decoders.
export * as node from './node/index.js';
