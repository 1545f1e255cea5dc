/** cnnkit for Node.js: the core API plus datasets that read files, caches and downloads. */
export * from './core.js';
export * as datasets from './data/index.js';
