/**
 * `ck.data` for every platform: datasets (tfjs `tf.data`), CSV parsing over byte streams, and the
 * image decoding and resizing behind image folders.
 */
export { Dataset, array, datasetFromIteratorFn, func, generator, zip, LazyIterator, type DatasetContainer, type Element, type GeneratorFn, type StreamResult } from './dataset.js';
export { CSVDataset, parseCsvRow, type ByteSource, type CSVConfig, type ColumnConfig, type CsvElement, type CsvValue } from './csv.js';
