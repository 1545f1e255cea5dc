/**
 * Node-only: `ck.data.csv(path, config)` streams a CSV file from disk (tfjs `tf.data.csv` with a
 * `file://` URL). The file is read in 64 KiB chunks on every pass, so its size is not bounded by
 * memory.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CSVDataset, type CSVConfig } from './csv.js';

/**
 * A dataset of the rows of a CSV file (a path or a `file://` URL), parsed with tfjs's rules.
 * @example
 * const ds = ck.data.csv('file://./housing.csv', { columnConfigs: { price: { isLabel: true } } });
 * for await (const { xs, ys } of ds) ...
 */
export function csv(source: string, config: CSVConfig = {}): CSVDataset {
  const path = source.startsWith('file://') ? fileURLToPath(source) : source;
  return new CSVDataset(() => createReadStream(path, { highWaterMark: 1 << 16 }), path, config);
}
