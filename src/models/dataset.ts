/**
 * `model.fitDataset` and `model.evaluateDataset` (tfjs): training on batches a dataset yields, with
 * the epoch loop of `fit`. Any object with tfjs's Dataset protocol works: `await dataset.iterator()`
 * gives an iterator whose `next()` resolves `{ value: { xs, ys }, done }`, where xs and ys are
 * tensors, arrays of tensors or name → tensor maps (one per model input / output). Each batch is
 * checked like fit's data, copied into the step arena and disposed after its step, as tfjs does.
 */
import { ValueError } from '../errors.js';
import { checkArgs } from '../layers/args.js';
import type { Tensor } from '../tensor/tensor.js';
import type { History, Logs } from './callbacks.js';
import { checkPairAsync, gatherInputs, gatherTargets, inputDTypes, isSparse, type ModelData } from './data.js';
import type { LayersModel } from './model.js';
import { arrayBatches, checkYieldEvery, evaluateBatches, trainLoop, type Batch, type FitArgs } from './training.js';

/** A batch a dataset yields. */
export interface DatasetBatch {
  xs: ModelData;
  ys: ModelData;
}

/** tfjs's Dataset protocol, as fitDataset uses it. */
export interface Dataset<T = DatasetBatch> {
  iterator(): Promise<{ next(): Promise<IteratorResult<T>> }>;
}

export interface FitDatasetArgs {
  /** Epochs to train (required, as in tfjs). */
  epochs: number;
  /** Batches per epoch; then one iterator runs across epochs (it must last epochs × batchesPerEpoch). Default: each epoch runs a fresh iterator to its end. */
  batchesPerEpoch?: number;
  /** A dataset, or [x, y] arrays evaluated in batches of validationBatchSize. */
  validationData?: Dataset | [ModelData, ModelData];
  /** Batches of a validation dataset to use (default all). */
  validationBatches?: number;
  validationBatchSize?: number;
  verbose?: number;
  initialEpoch?: number;
  callbacks?: FitArgs['callbacks'];
  /** Only 'auto' (tfjs's default). */
  yieldEvery?: 'auto';
}

const KEYS = ['epochs', 'batchesPerEpoch', 'validationData', 'validationBatches', 'validationBatchSize', 'verbose', 'initialEpoch', 'callbacks', 'yieldEvery'];

function isDataset(d: unknown): d is Dataset {
  return typeof d === 'object' && d !== null && typeof (d as Dataset).iterator === 'function';
}

function positive(v: unknown, name: string, where: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ValueError(`${where}: ${name} must be a positive integer. Received ${name}=${String(v)}`);
  return v as number;
}

/** The tensors of a yielded value, to dispose after its step. */
function tensorsOf(d: ModelData): Tensor[] {
  return Array.isArray(d) ? d : typeof (d as Tensor).dispose === 'function' ? [d as Tensor] : Object.values(d as Record<string, Tensor>);
}

/** A function giving the checked batches of a dataset iterator (null when it ends or after `limit` batches). */
function datasetBatches(model: LayersModel, iterator: { next(): Promise<IteratorResult<DatasetBatch>> }, where: string, limit = Infinity): () => Promise<Batch | null> {
  const dtypes = inputDTypes(model);
  const sparse = model.lossFunctions.map(isSparse);
  let n = 0;
  return async () => {
    if (n >= limit) return null;
    const r = await iterator.next();
    if (r.done) return null;
    n++;
    const v = r.value as DatasetBatch | undefined;
    if (typeof v !== 'object' || v === null || !('xs' in v) || !('ys' in v)) throw new ValueError(`${where}: batch ${n} must be { xs, ys }. Received ${typeof v}`);
    const { xs, ys } = await checkPairAsync(model, v.xs, v.ys, `${where}: batch ${n}`, model.lossFunctions);
    const count = xs[0].shape[0];
    const all = Int32Array.from({ length: count }, (_, i) => i);
    return {
      count,
      make: (b) => ({
        xs: xs.map((x, i) => gatherInputs(b, x, all, 0, count, 1, dtypes[i])),
        ys: ys.map((y, i) => gatherTargets(b, y, all, 0, count, sparse[i] ?? false)),
      }),
      dispose: () => [...tensorsOf(v.xs), ...tensorsOf(v.ys)].forEach((t) => t.dispose()),
    };
  };
}

/** Evaluation logs over a validation dataset or arrays (keys without val_). */
async function validationLogs(model: LayersModel, data: FitDatasetArgs['validationData'], args: FitDatasetArgs, where: string): Promise<Logs> {
  let next: () => Promise<Batch | null> | Batch | null;
  if (isDataset(data)) next = datasetBatches(model, await data.iterator(), `${where}: validationData`, args.validationBatches ?? Infinity);
  else {
    const [vx, vy] = data as [ModelData, ModelData];
    const { xs, ys } = await checkPairAsync(model, vx, vy, `${where}: validationData`, model.lossFunctions);
    next = arrayBatches(model, { xs, ys, indices: Int32Array.from({ length: xs[0].shape[0] }, (_, i) => i) }, args.validationBatchSize ?? 32, 1);
  }
  const totals = await evaluateBatches(model, next);
  try {
    return await totals.read();
  } finally {
    totals.dispose();
  }
}

export async function fitDatasetModel(model: LayersModel, dataset: Dataset, args: FitDatasetArgs): Promise<History> {
  const where = 'fitDataset';
  if (!isDataset(dataset)) throw new ValueError(`${where}: expects a dataset (an object with an iterator() method, e.g. from tf.data). Received ${typeof dataset}`);
  if (typeof args !== 'object' || args === null) throw new ValueError(`${where}: needs arguments with epochs, e.g. { epochs: 10 }`);
  checkArgs(where, args, KEYS);
  checkYieldEvery(args.yieldEvery, where);
  model.requireCompiled(where);
  const epochs = positive(args.epochs, 'epochs', where);
  const perEpoch = args.batchesPerEpoch === undefined ? null : positive(args.batchesPerEpoch, 'batchesPerEpoch', where);
  if (args.validationData !== undefined && !isDataset(args.validationData) && !(Array.isArray(args.validationData) && args.validationData.length === 2))
    throw new ValueError(`${where}: validationData must be a dataset or [x, y]`);
  let shared: (() => Promise<Batch | null>) | null = null;
  const source = {
    steps: perEpoch,
    params: perEpoch === null ? {} : { steps: perEpoch },
    epoch: () => {
      // Without batchesPerEpoch each epoch reads a fresh iterator to its end; with it, one iterator spans the epochs (tfjs).
      let current: (() => Promise<Batch | null>) | null = perEpoch === null ? null : shared;
      let served = 0;
      return async (): Promise<Batch | null> => {
        current ??= datasetBatches(model, await dataset.iterator(), where);
        if (perEpoch !== null) shared = current;
        const batch = await current();
        if (!batch && perEpoch !== null) {
          console.warn(`${where}: the dataset ran out after ${served} batches of an epoch of batchesPerEpoch=${perEpoch}; training stops after this epoch (give a dataset that yields at least epochs × batchesPerEpoch batches, e.g. with repeat())`);
          model.stopTraining = true;
        }
        served++;
        return batch;
      };
    },
  };
  const validate = args.validationData === undefined ? null : () => validationLogs(model, args.validationData, args, where);
  return trainLoop(model, source, { epochs, verbose: args.verbose ?? 1, initialEpoch: args.initialEpoch ?? 0, callbacks: args.callbacks, validate, where });
}

/** The model's loss and metrics over a dataset's batches, as scalar tensors (tfjs `evaluateDataset`). */
export async function evaluateDatasetModel(model: LayersModel, dataset: Dataset, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
  const where = 'evaluateDataset';
  checkArgs(where, args, ['batches', 'verbose']);
  model.requireCompiled(where);
  if (!isDataset(dataset)) throw new ValueError(`${where}: expects a dataset (an object with an iterator() method). Received ${typeof dataset}`);
  const totals = await evaluateBatches(model, datasetBatches(model, await dataset.iterator(), where, args.batches ?? Infinity));
  if (totals.seen === 0) throw new ValueError(`${where}: the dataset yielded no batches`);
  const means = totals.means();
  totals.dispose();
  return means.length === 1 ? means[0] : means;
}

