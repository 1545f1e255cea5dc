/**
 * The batches of CIFAR-10's python version: a pickled dict with `data` (numpy uint8 N x 3072) and
 * `labels` (list of N ints), read with the structural pickle reader. Pure code, no Node APIs.
 */
import { DataError } from '../errors.js';
import { PyDict, PyNdArray, readPickle } from './pickle.js';

/** One python-format batch: planar image rows and labels. */
export interface PythonBatch {
  /** `labels.length` rows of 3,072 bytes (1,024 R, 1,024 G, 1,024 B). */
  data: Uint8Array;
  labels: number[];
}

/**
 * Reads a `cifar-10-batches-py` batch pickle: a dict with `data` (uint8 array N x 3072) and
 * `labels` (list of N ints). Throws DataError naming `file` and the fault otherwise.
 */
export function readPythonBatch(bytes: Uint8Array, file: string): PythonBatch {
  const root = readPickle(bytes, file);
  if (!(root instanceof PyDict)) throw new DataError(`${file}: pickle does not hold a dict, so it is not a CIFAR-10 batch`);
  const data = root.entries.get('data');
  const labels = root.entries.get('labels');
  if (!(data instanceof PyNdArray) || !data.data || !data.dtype) throw new DataError(`${file}: batch has no 'data' numpy array`);
  const descr = data.dtype.descr.replace(/^[|<>=]/, '');
  if (descr !== 'u1' && descr !== 'uint8') throw new DataError(`${file}: 'data' has dtype '${data.dtype.descr}', expected uint8`);
  if (data.shape.length !== 2 || data.shape[1] !== 3072) throw new DataError(`${file}: 'data' has shape (${data.shape.join(', ')}), expected (N, 3072)`);
  if (data.fortranOrder) throw new DataError(`${file}: 'data' is stored in Fortran order, expected C order`);
  const n = data.shape[0];
  if (data.data.length !== n * 3072) throw new DataError(`${file}: 'data' holds ${data.data.length} bytes, shape (${n}, 3072) needs ${n * 3072}`);
  if (!Array.isArray(labels)) throw new DataError(`${file}: batch has no 'labels' list`);
  if (labels.length !== n) throw new DataError(`${file}: ${labels.length} labels for ${n} images`);
  for (let i = 0; i < n; i++) {
    if (typeof labels[i] !== 'number') throw new DataError(`${file}: label ${i} is not an integer`);
  }
  return { data: data.data, labels: labels as number[] };
}
