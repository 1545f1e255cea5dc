/**
 * `ck.data` for every platform: datasets (tfjs `tf.data`) and CSV parsing over byte streams. The
 * image decoders (image-decode.ts, image-resize.ts, image-folder.ts) use no Node APIs either, so a
 * page's Web Workers can import them, but they stay out of this entry to keep the browser bundle
 * small; Node's entry (node-api.ts) exports them.
 */
export { Dataset, array, datasetFromIteratorFn, func, generator, zip, LazyIterator, type DatasetContainer, type Element, type GeneratorFn, type StreamResult } from './dataset.js';
export { CSVDataset, parseCsvRow, type ByteSource, type CSVConfig, type ColumnConfig, type CsvElement, type CsvValue } from './csv.js';
