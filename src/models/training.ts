/**
 * fit / evaluate / predict, for models with one or several inputs and outputs. Each batch runs
 * inside a backend step arena (engine.runStep): inputs are gathered and scaled into it (uint8
 * images become float32 one batch at a time), activations and gradients come from it, and it is
 * reclaimed at the end of the batch, so after the first batch training allocates no new memory.
 *
 * Nothing here reads backend storage synchronously: loss sums and correct counts accumulate in
 * backend tensors and are read (asynchronously) only when something shows them — a progress
 * update, a batch callback, the end of an epoch. `evaluate` returns scalar tensors (tfjs).
 *
 * The epoch loop (`trainLoop`) takes its batches from a source, so arrays (`fit`) and datasets
 * (`fitDataset`, dataset.ts) share it.
 */
import { valueAndGrads } from '../autograd/grad.js';
import { add } from '../autograd/ops.js';
import type { Backend } from '../backend/backend.js';
import { getBackend, runStep } from '../backend/engine.js';
import { DataError, StateError, ValueError, fmtShape } from '../errors.js';
import { checkArgs } from '../layers/args.js';
import { computeLoss, type LossSpec } from '../losses/index.js';
import { batchMetricSum } from '../metrics/index.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { globalRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { History, type Callback, type CallbackHooks, type Logs } from './callbacks.js';
import { classWeightTables, sampleWeightsOf, type ClassWeight, type ClassWeightMap } from './class-weight.js';
import { Totals, withTfjsAliases, checkPairAsync, checkPairSync, gatherInputs, gatherTargets, inputDTypes, isSparse, logNames, modelInputs, type ModelData } from './data.js';
import type { LayersModel } from './model.js';
import { ProgressBar } from './progress.js';

export type { ModelData };

export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Multiplies float inputs as they are batched, e.g. 1/255 for uint8 images. Default 1. */
  rescale?: number;
  verbose?: number;
}

export interface FitArgs extends EvaluateArgs {
  epochs?: number;
  /** Shuffle the training samples every epoch with the seeded generator (default true). */
  shuffle?: boolean;
  validationData?: [ModelData, ModelData];
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: number;
  /** Epoch to start from (for resuming). */
  initialEpoch?: number;
  callbacks?: CallbackHooks | (CallbackHooks | Callback)[] | null;
  /** Only 'auto' (tfjs's default): the loop lets the event loop run at least every 50 ms. */
  yieldEvery?: 'auto';
  /**
   * Weights per class index (`{ 0: 1, 1: 5 }`), multiplying each sample's loss as tfjs does;
   * per output as an array or an object keyed by output name.
   */
  classWeight?: ClassWeight | ClassWeight[] | ClassWeightMap;
}

/** Accepts tfjs's `yieldEvery` only as 'auto', which is what the loop does. */
export function checkYieldEvery(v: unknown, where: string): void {
  if (v !== undefined && v !== 'auto') throw new ValueError(`${where}: yieldEvery must be 'auto' (the loop yields to the event loop at least every 50 ms). Received yieldEvery=${JSON.stringify(v)}`);
}

const EVALUATE_KEYS = ['batchSize', 'rescale', 'verbose'];
const FIT_KEYS = [...EVALUATE_KEYS, 'epochs', 'shuffle', 'validationData', 'validationSplit', 'initialEpoch', 'callbacks', 'yieldEvery', 'classWeight'];

/** Arrays of samples one loop visits, by index into the first dimension. */
export interface ArrayData {
  xs: Tensor[];
  ys: Tensor[];
  indices: Int32Array;
}

/** One batch: its size, and its inputs and targets made inside the step arena. */
export interface Batch {
  count: number;
  make(b: Backend): { xs: Tensor[]; ys: Tensor[] };
  /** Frees what the batch's source handed over (a dataset's tensors), after its step. */
  dispose?(): void;
}

export function batchSizeOf(args: EvaluateArgs, where: string): number {
  const { batchSize = 32 } = args;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`${where}: batchSize must be a positive integer. Received batchSize=${batchSize}`);
  return batchSize;
}

function rescaleOf(args: EvaluateArgs, where: string): number {
  const { rescale = 1 } = args;
  if (typeof rescale !== 'number' || !Number.isFinite(rescale)) throw new ValueError(`${where}: rescale must be a finite number (e.g. 1/255). Received rescale=${typeof rescale === 'number' ? String(rescale) : JSON.stringify(rescale)}`);
  return rescale;
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Lets the event loop run (UI updates, signals) without a timer's minimum delay. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** The batch of samples order[start..start+count) of array data. */
export function arrayBatch(model: LayersModel, d: ArrayData, order: Int32Array, start: number, count: number, rescale: number): Batch {
  const dtypes = inputDTypes(model);
  const sparse = model.lossFunctions.map(isSparse);
  return {
    count,
    make: (b) => ({
      xs: d.xs.map((x, i) => gatherInputs(b, x, order, start, count, rescale, dtypes[i])),
      ys: d.ys.map((y, i) => gatherTargets(b, y, order, start, count, sparse[i] ?? false)),
    }),
  };
}

/** Per output: the loss sees logits (the plan left out a fused softmax, or the loss was declared fromLogits). */
function seesLogits(model: LayersModel): boolean[] {
  const fused = model.plan.fusesSoftmax;
  return model.lossFunctions.map((l, i) => fused[i] || l.fromLogits);
}

/** Each output's compiled metrics summed over a batch of `count` samples (tfjs's batch means times the size). */
function batchMetrics(model: LayersModel, outs: readonly Tensor[], ys: readonly Tensor[], logits: readonly boolean[], count: number): Tensor[][] {
  const fused = model.plan.fusesSoftmax;
  return model.compiledMetrics.map((ms, i) => ms.map((m) => batchMetricSum(m, model.lossFunctions[i], outs[i], ys[i], logits[i], fused[i], count)));
}

/** Each output's mean loss and their sum (the loss gradients follow), inside a step. */
function batchLosses(
  losses: readonly LossSpec[], outs: readonly Tensor[], ys: readonly Tensor[], logits: readonly boolean[], classWeights: readonly (Tensor | null)[] = [],
): { total: Tensor; perOutput: Tensor[] } {
  const perOutput = outs.map((o, i) => {
    const table = classWeights[i];
    return computeLoss(losses[i], o, ys[i], logits[i], table ? sampleWeightsOf(table, ys[i], 'fit: classWeight') : null);
  });
  return { total: perOutput.slice(1).reduce((s, l) => add(s, l), perOutput[0]), perOutput };
}

/** Adds one batch's losses (and correct counts) to `totals`, no gradients; inside a step. */
function evaluateBatch(model: LayersModel, xs: Tensor[], ys: Tensor[], totals: Totals, count: number): void {
  const logits = seesLogits(model);
  const outs = model.execute(xs, false, true);
  const { total, perOutput } = batchLosses(model.lossFunctions, outs, ys, logits);
  totals.add(total, perOutput, count, batchMetrics(model, outs, ys, logits, count));
}

/** Evaluates batches into fresh totals (the caller reads or reduces them). */
export async function evaluateBatches(model: LayersModel, next: () => Promise<Batch | null> | Batch | null): Promise<Totals> {
  const totals = new Totals(logNames(model));
  for (let batch = await next(); batch; batch = await next()) {
    const bt = batch;
    try {
      runStep((b) => {
        const { xs, ys } = bt.make(b);
        evaluateBatch(model, xs, ys, totals, bt.count);
      });
    } finally {
      bt.dispose?.();
    }
  }
  return totals;
}

/** The batches of array data in order. */
export function arrayBatches(model: LayersModel, d: ArrayData, batchSize: number, rescale: number): () => Batch | null {
  let start = 0;
  return () => {
    if (start >= d.indices.length) return null;
    const count = Math.min(batchSize, d.indices.length - start);
    const batch = arrayBatch(model, d, d.indices, start, count, rescale);
    start += count;
    return batch;
  };
}

/** The loop of `evaluate` over arrays (synchronous: every batch is ready). */
function evaluateArrays(model: LayersModel, d: ArrayData, batchSize: number, rescale: number): Totals {
  const totals = new Totals(logNames(model));
  const next = arrayBatches(model, d, batchSize, rescale);
  for (let batch = next(); batch; batch = next()) {
    const bt = batch;
    runStep((b) => {
      const { xs, ys } = bt.make(b);
      evaluateBatch(model, xs, ys, totals, bt.count);
    });
  }
  return totals;
}

/** The model's loss and metrics over (x, y) as scalar tensors, like tfjs `model.evaluate`. */
export function evaluateModel(model: LayersModel, x: ModelData, y: ModelData, args: EvaluateArgs): Tensor | Tensor[] {
  const { losses } = model.requireCompiled('evaluate');
  checkArgs('evaluate', args, EVALUATE_KEYS);
  const { xs, ys } = checkPairSync(model, x, y, 'evaluate', losses);
  if (xs[0].shape[0] === 0) throw new ValueError(`evaluate: x has no samples (shape ${fmtShape(xs[0].shape)})`);
  const totals = evaluateArrays(model, { xs, ys, indices: range(xs[0].shape[0]) }, batchSizeOf(args, 'evaluate'), rescaleOf(args, 'evaluate'));
  const means = totals.means();
  totals.dispose();
  return means.length === 1 ? means[0] : means;
}

/** The model's outputs for x, in batches: one tensor, or one per output. */
export function predictModel(model: LayersModel, x: ModelData, args: EvaluateArgs): Tensor | Tensor[] {
  checkArgs('predict', args, EVALUATE_KEYS);
  const xs = modelInputs(model, x, 'predict');
  const batchSize = batchSizeOf(args, 'predict');
  const scale = rescaleOf(args, 'predict');
  const dtypes = inputDTypes(model);
  const n = xs[0].shape[0];
  const results = model.outputShapes.map((s) => Tensor.empty([n, ...(s.slice(1) as number[])], 'float32', getBackend()));
  const idx = range(n);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    runStep((b) => {
      const outs = model.execute(xs.map((t, i) => gatherInputs(b, t, idx, start, count, scale, dtypes[i])), false);
      outs.forEach((out, i) => {
        const per = results[i].size / Math.max(n, 1);
        b.copy(out.storage, 0, results[i].storage, start * per, count * per);
      });
    });
  }
  return results.length === 1 ? results[0] : results;
}

// ---- fit -----------------------------------------------------------------------------------------

/** Splits off the last `fraction` of the samples for validation (Keras: before shuffling). */
function splitValidation(xs: Tensor[], ys: Tensor[], fraction: number): { train: ArrayData; val: ArrayData } {
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) throw new ValueError(`fit: validationSplit must be in (0, 1). Received validationSplit=${fraction}`);
  const n = xs[0].shape[0];
  const nTrain = Math.floor(n * (1 - fraction));
  const all = range(n);
  return { train: { xs, ys, indices: all.slice(0, nTrain) }, val: { xs, ys, indices: all.slice(nTrain) } };
}

function normalizeCallbacks(model: LayersModel, cbs: FitArgs['callbacks'], where: string): CallbackHooks[] {
  const list = cbs === undefined || cbs === null ? [] : Array.isArray(cbs) ? cbs : [cbs];
  for (const cb of list) {
    if (typeof cb !== 'object' || cb === null) throw new ValueError(`${where}: callbacks must be objects with onEpochEnd-style hooks. Received ${String(cb)}`);
    if ('setModel' in cb && typeof cb.setModel === 'function') cb.setModel(model);
  }
  return list as CallbackHooks[];
}

/** What a restoring callback (ck.callbacks.backupAndRestore) hands fit: the epoch to go on from and the history so far. */
export interface ResumeState {
  epoch: number;
  history: { epoch: number[]; history: Record<string, number[]> };
}

/** Asks the callbacks (after onTrainBegin) whether a run is being resumed; prefills `history` when so. */
function resumeFrom(hooks: readonly CallbackHooks[], history: History): number | undefined {
  let start: number | undefined;
  for (const h of hooks) {
    const r = (h as { resumeState?: () => ResumeState | null }).resumeState?.();
    if (!r) continue;
    start = r.epoch;
    r.history.epoch.forEach((e, i) => history.record(e, Object.fromEntries(Object.entries(r.history.history).map(([k, v]) => [k, v[i]]))));
  }
  return start;
}

/** One optimisation step on a batch, inside a step arena. */
function trainBatch(model: LayersModel, optimizer: Optimizer, params: Tensor[], batch: Batch, totals: Totals, classWeights: readonly (Tensor | null)[]): void {
  // Parameters the optimizer holds still (paramGroup trainable: false) get no gradient, as a PyTorch
  // parameter with requires_grad = False: the backward stops where nothing before it still trains
  // (e.g. a frozen first layer costs no input gradient of the layer after it).
  const frozen = params.filter((p) => optimizer.paramOptions(p).trainable === false);
  const active = frozen.length > 0 ? params.filter((p) => !frozen.includes(p)) : params;
  for (const p of frozen) p.requiresGrad = false;
  try {
    step(model, optimizer, active, batch, totals, classWeights);
  } finally {
    for (const p of frozen) p.requiresGrad = true;
  }
}

/** One step over `params` (every one requires gradients). */
function step(model: LayersModel, optimizer: Optimizer, params: Tensor[], batch: Batch, totals: Totals, classWeights: readonly (Tensor | null)[]): void {
  const losses = model.lossFunctions;
  const logits = seesLogits(model);
  runStep((b) => {
    const { xs, ys } = batch.make(b);
    let outs: Tensor[] = [];
    let perOutput: Tensor[] = [];
    const { value, grads } = valueAndGrads(() => {
      outs = model.execute(xs, true, true);
      const l = batchLosses(losses, outs, ys, logits, classWeights);
      perOutput = l.perOutput;
      let total = l.total;
      // As tfjs: the mean loss plus each regularization penalty.
      for (const penalty of model.regularizationLosses()) total = add(total, penalty);
      return total;
    }, params);
    optimizer.applyGradients(params, grads);
    model.applyConstraints();
    totals.add(value, perOutput, batch.count, batchMetrics(model, outs, ys, logits, batch.count));
  });
}

/** Reads the running totals; a loss that is no longer finite stops training with a message. */
async function readTotals(totals: Totals, where: string): Promise<Logs> {
  const logs = await totals.read();
  if (!Number.isFinite(logs.loss)) throw new DataError(`fit: the loss became ${logs.loss} ${where}; training stopped (check the learning rate and the inputs' scale)`);
  return logs;
}

/** Where a training loop takes its batches from. */
export interface TrainSource {
  /** Batches per epoch when known (for the progress bar). */
  readonly steps: number | null;
  /** History params (`epochs` is added). */
  readonly params: Record<string, unknown>;
  /** Starts epoch `epoch`: a function giving each batch, then null. */
  epoch(epoch: number): () => Promise<Batch | null> | Batch | null;
}

export interface LoopOptions {
  epochs: number;
  verbose: number;
  initialEpoch: number;
  callbacks: FitArgs['callbacks'];
  /** Validation logs at an epoch's end (keys without the val_ prefix), or null. */
  validate: (() => Promise<Logs>) | null;
  where: string;
  /** Per output, a class-weight table (see class-weight.ts) or null. */
  classWeights?: readonly (Tensor | null)[];
}

/**
 * The epoch loop shared by `fit` and `fitDataset`: callbacks, progress, stopTraining, resuming,
 * validation. Marks the model as training while it runs.
 */
export async function trainLoop(model: LayersModel, source: TrainSource, o: LoopOptions): Promise<History> {
  const { optimizer } = model.requireCompiled(o.where);
  if (model.isTraining) throw new StateError(`${o.where}: model '${model.name}' is already training (a second fit must wait for the first to finish)`);
  if (!Number.isInteger(o.epochs) || o.epochs <= 0) throw new ValueError(`${o.where}: epochs must be a positive integer. Received epochs=${o.epochs}`);
  model.isTraining = true;
  try {
    const params = model.trainableWeights;
    optimizer.build(params); // slots in persistent memory, before any step
    const hooks = normalizeCallbacks(model, o.callbacks, o.where);
    const call = async (fn: (h: CallbackHooks) => void | Promise<void> | undefined): Promise<void> => {
      for (const h of hooks) await fn(h);
    };
    // Batch logs are read every batch only when a callback asks for them (as tfjs does).
    const batchLogs = hooks.some((h) => typeof h.onBatchEnd === 'function');
    const yieldLogs = hooks.some((h) => typeof h.onYield === 'function');
    const history = new History({ epochs: o.epochs, ...source.params });
    const names = logNames(model);
    const logged = [...names.losses, ...names.metrics.flat()];
    // history.history.acc (and val_acc) read the 'accuracy' series, as tfjs names them.
    const series = new Set(logged.flatMap((n) => [n, `val_${n}`]));
    withTfjsAliases(history.history, names.aliases, (n) => series.has(n));
    model.stopTraining = false;
    // tfjs's params: metrics names the logs of an epoch (each with its val_ twin when validating).
    const metrics = o.validate !== null ? [...logged, ...logged.map((n) => `val_${n}`)] : logged;
    // As tfjs: steps is null when the epoch is given by samples and batchSize (fit on arrays), the
    // batches per epoch for fitDataset.
    const steps = 'samples' in source.params ? null : source.steps;
    const runParams = { ...history.params, steps, initialEpoch: o.initialEpoch, verbose: o.verbose, doValidation: o.validate !== null, metrics };
    for (const h of hooks) h.setParams?.(runParams);
    await call((h) => h.onTrainBegin?.());
    const first = resumeFrom(hooks, history) ?? o.initialEpoch;
    let lastYield = performance.now();
    for (let epoch = first; epoch < o.epochs && !model.stopTraining; epoch++) {
      await call((h) => h.onEpochBegin?.(epoch));
      ProgressBar.epochHeader(epoch, o.epochs, o.verbose);
      // Epochs of unknown length get their line at the end only.
      const bar = new ProgressBar(source.steps ?? 0, source.steps === null ? 0 : o.verbose);
      const next = source.epoch(epoch);
      const totals = new Totals(names, batchLogs);
      try {
        // Keras checks stopTraining after every batch; the epoch still ends normally (validation, callbacks).
        let step = 0;
        for (; !model.stopTraining; step++) {
          if (source.steps !== null && step >= source.steps) break;
          const batch = await next();
          if (!batch) break;
          await call((h) => h.onBatchBegin?.(step, { batch: step, size: batch.count }));
          try {
            trainBatch(model, optimizer, params, batch, totals, o.classWeights ?? []);
          } finally {
            batch.dispose?.();
          }
          if (batchLogs || bar.wantsUpdate(step + 1)) {
            const running = await readTotals(totals, `in epoch ${epoch + 1} by batch ${step + 1}`);
            bar.update(step + 1, running);
            // As tfjs: the batch's own loss and metrics (the progress line shows the epoch's running means).
            if (batchLogs) {
              const own = await totals.readBatch();
              await call((h) => h.onBatchEnd?.(step, withTfjsAliases({ ...own, batch: step, size: batch.count }, names.aliases)));
            }
          }
          if (performance.now() - lastYield > 50) {
            await yieldToEventLoop();
            if (yieldLogs) {
              const running = await readTotals(totals, `in epoch ${epoch + 1} by batch ${step + 1}`);
              await call((h) => h.onYield?.(epoch, step, running));
            }
            lastYield = performance.now();
          }
        }
        if (totals.seen === 0) throw new DataError(`${o.where}: epoch ${epoch + 1} has no batches (the data ran out)`);
        const logs = await readTotals(totals, `in epoch ${epoch + 1}`);
        if (o.validate) for (const [k, v] of Object.entries(await o.validate())) logs[`val_${k}`] = v;
        withTfjsAliases(logs, names.aliases);
        if (source.steps === null) new ProgressBar(step, o.verbose, undefined, bar.startedAt).finish(logs);
        else bar.finish(logs);
        history.record(epoch, logs);
        await call((h) => h.onEpochEnd?.(epoch, logs));
      } finally {
        totals.dispose();
      }
    }
    await call((h) => h.onTrainEnd?.());
    return history;
  } finally {
    model.isTraining = false;
  }
}

export async function fitModel(model: LayersModel, x: ModelData, y: ModelData, args: FitArgs): Promise<History> {
  const { losses } = model.requireCompiled('fit');
  checkArgs('fit', args, FIT_KEYS);
  checkYieldEvery(args.yieldEvery, 'fit');
  const { epochs = 1, shuffle = true, verbose = 1, initialEpoch = 0 } = args;
  const batchSize = batchSizeOf(args, 'fit');
  const rescale = rescaleOf(args, 'fit');
  if (model.isTraining) throw new StateError(`fit: model '${model.name}' is already training (a second fit must wait for the first to finish)`);
  const { xs, ys } = await checkPairAsync(model, x, y, 'fit', losses);
  let train: ArrayData = { xs, ys, indices: range(xs[0].shape[0]) };
  let val: ArrayData | null = null;
  if (args.validationData) {
    if (!Array.isArray(args.validationData) || args.validationData.length !== 2) throw new ValueError('fit: validationData must be [x, y]');
    const [vx, vy] = args.validationData;
    const v = await checkPairAsync(model, vx, vy, 'fit: validationData', losses);
    val = { xs: v.xs, ys: v.ys, indices: range(v.xs[0].shape[0]) };
  } else if (args.validationSplit !== undefined) ({ train, val } = splitValidation(xs, ys, args.validationSplit));
  const n = train.indices.length;
  if (n === 0) throw new ValueError(`fit: no training samples (x has shape ${fmtShape(xs[0].shape)})`);
  const steps = Math.ceil(n / batchSize);
  const source: TrainSource = {
    steps, params: { batchSize, samples: n },
    epoch: () => {
      const order = shuffle ? globalRandom.shuffle(train.indices.slice()) : train.indices;
      let step = 0;
      return () => {
        if (step >= steps) return null;
        const start = step++ * batchSize;
        return arrayBatch(model, train, order, start, Math.min(batchSize, n - start), rescale);
      };
    },
  };
  const validate = val && val.indices.length > 0
    ? async (): Promise<Logs> => {
      const vt = evaluateArrays(model, val as ArrayData, batchSize, rescale);
      const logs = await vt.read();
      vt.dispose();
      return logs;
    }
    : null;
  const classWeights = await classWeightTables(args.classWeight, model.outputNames, train.ys, 'fit');
  try {
    return await trainLoop(model, source, { epochs, verbose, initialEpoch, callbacks: args.callbacks, validate, where: 'fit', classWeights });
  } finally {
    for (const t of classWeights) t?.dispose();
  }
}
