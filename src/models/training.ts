/**
 * fit / evaluate / predict. Each batch runs inside a backend step arena (engine.runStep): inputs
 * are gathered and scaled into it (uint8 images become float32 one batch at a time), activations
 * and gradients come from it, and it is reclaimed at the end of the batch, so after the first
 * batch training allocates no new memory.
 *
 * Nothing here reads backend storage synchronously: loss sums and correct counts accumulate in
 * backend tensors and are read (asynchronously) only when something shows them — a progress
 * update, a batch callback, the end of an epoch. `evaluate` returns scalar tensors (tfjs).
 */
import { valueAndGrads } from '../autograd/grad.js';
import { add, all, argMax, cast, floor, greaterEqual, isFinite as isFiniteOp, less, logicalNot, logicalOr, max as maxOp, min as minOp, mul, notEqual } from '../autograd/ops.js';
import type { Backend } from '../backend/backend.js';
import { getBackend, runStep } from '../backend/engine.js';
import { DataError, ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { computeLoss, type LossSpec } from '../losses/index.js';
import { countCorrect } from '../metrics/index.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { globalRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { History, type Callback, type CallbackHooks, type Logs } from './callbacks.js';
import { ProgressBar } from './progress.js';
import type { Sequential } from './sequential.js';

export interface EvaluateArgs {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Multiplies inputs as they are batched, e.g. 1/255 for uint8 images. Default 1. */
  rescale?: number;
  verbose?: number;
}

export interface FitArgs extends EvaluateArgs {
  epochs?: number;
  /** Shuffle the training samples every epoch with the seeded generator (default true). */
  shuffle?: boolean;
  validationData?: [Tensor, Tensor];
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: number;
  /** Epoch to start from (for resuming). */
  initialEpoch?: number;
  callbacks?: CallbackHooks | (CallbackHooks | Callback)[] | null;
}

/** The samples of (x, y) that one loop visits, by index into x's first dimension. */
interface Dataset {
  x: Tensor;
  y: Tensor;
  indices: Int32Array;
}

// ---- argument checks ---------------------------------------------------------------------------

function checkTensor(t: unknown, where: string, name: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor. Received ${t === null || t === undefined ? String(t) : typeof t}`);
  if (t.isDisposed) throw new ValueError(`${where}: ${name} ${fmtShape(t.shape)} is disposed`);
}

function checkInputs(model: Sequential, x: Tensor, where: string): void {
  checkTensor(x, where, 'x');
  const expected = model.inputShape;
  if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i]))
    throw new ShapeError(`${where}: x has shape ${fmtShape(x.shape)} but model '${model.name}' expects ${fmtShape(expected)}`);
  if (x.dtype === 'bool') throw new ValueError(`${where}: x must be numeric (float32, int32 or uint8). Received bool`);
}

/** Shape checks, and the scalar tensors whose values the data checks need (read by the caller). */
function checkPair(model: Sequential, x: Tensor, y: Tensor, where: string, loss: LossSpec): Tensor[] {
  checkInputs(model, x, where);
  checkTensor(y, where, 'y');
  if (x.shape[0] !== y.shape[0]) throw new ValueError(`${where}: x and y must have the same number of samples. Received x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`);
  const out = model.outputShape;
  const probes: Tensor[] = [];
  if (loss.name === 'sparseCategoricalCrossentropy') {
    if (y.size !== y.shape[0]) throw new ShapeError(`${where}: sparse labels must have one class index per sample. Received y ${fmtShape(y.shape)}`);
    if (y.size > 0) probes.push(minOp(y), maxOp(y));
  } else if (y.size / Math.max(y.shape[0], 1) !== out.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1))
    throw new ShapeError(`${where}: y has shape ${fmtShape(y.shape)} but the model outputs ${fmtShape(out)}`);
  if (x.dtype === 'float32' && x.size > 0) probes.push(all(isFiniteOp(x)));
  if (y.dtype === 'float32' && y.size > 0) probes.push(all(isFiniteOp(y)));
  return probes;
}

/**
 * Interprets the values of `checkPair`'s probes, throwing a DataError naming the problem. Only on
 * a failure does it read more (the first offending index), synchronously where the backend can.
 */
function judgePair(model: Sequential, x: Tensor, y: Tensor, where: string, loss: LossSpec, values: number[]): void {
  const units = model.outputShape[model.outputShape.length - 1] as number;
  const firstWhere = (mask: Tensor): string => (mask.backend.canReadSync ? ` at index ${argMax(cast(mask, 'int32').reshape([-1]), 0).dataSync()[0]}` : '');
  let k = 0;
  if (loss.name === 'sparseCategoricalCrossentropy' && y.size > 0) {
    const lo = values[k++], hi = values[k++];
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi < units)) {
      const last = model.layers[model.layers.length - 1].name;
      const bad = logicalOr(logicalOr(less(y, 0), greaterEqual(y, units)), notEqual(y, floor(y)));
      const at = firstWhere(bad);
      const v = at ? y.dataSync()[Number(at.slice(10))] : lo < 0 || !Number.isInteger(lo) ? lo : hi;
      throw new DataError(`${where}: label ${v}${at} is outside [0, ${units}) for the ${units}-unit output of layer '${last}'`);
    }
  }
  for (const [t, name, what] of [[x, 'x', 'inputs'], [y, 'y', 'targets']] as const) {
    if (t.dtype !== 'float32' || t.size === 0) continue;
    if (values[k++] === 1) continue;
    const at = firstWhere(logicalNot(isFiniteOp(t)));
    const v = at ? t.dataSync()[Number(at.slice(10))] : 'NaN or Infinity';
    throw new DataError(`${where}: ${name} contains ${v}${at ? ` at flat index ${at.slice(10)}` : ''} (shape ${fmtShape(t.shape)}); ${what} must be finite numbers`);
  }
}

function checkPairSync(model: Sequential, x: Tensor, y: Tensor, where: string, loss: LossSpec): void {
  const probes = checkPair(model, x, y, where, loss);
  judgePair(model, x, y, where, loss, probes.map((t) => t.dataSync()[0]));
  for (const t of probes) t.dispose();
}

async function checkPairAsync(model: Sequential, x: Tensor, y: Tensor, where: string, loss: LossSpec): Promise<void> {
  const probes = checkPair(model, x, y, where, loss);
  judgePair(model, x, y, where, loss, await Promise.all(probes.map(async (t) => (await t.data())[0])));
  for (const t of probes) t.dispose();
}

function batchSizeOf(args: EvaluateArgs, where: string): number {
  const { batchSize = 32 } = args;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`${where}: batchSize must be a positive integer. Received batchSize=${batchSize}`);
  return batchSize;
}

function rescaleOf(args: EvaluateArgs, where: string): number {
  const { rescale = 1 } = args;
  if (typeof rescale !== 'number' || !Number.isFinite(rescale)) throw new ValueError(`${where}: rescale must be a finite number (e.g. 1/255). Received rescale=${JSON.stringify(rescale)}`);
  return rescale;
}

// ---- batches -----------------------------------------------------------------------------------

/** Staging for a batch of uint8 samples, reused from batch to batch. */
let batchBytes = new Uint8Array(0);

/** The int32 tensor of sample indices idx[start..start+count). */
function indexTensor(b: Backend, idx: Int32Array, start: number, count: number): Tensor {
  return Tensor.fromValues([count], idx.subarray(start, start + count), 'int32', b);
}

/** Gathers samples `idx[start..start+count)` of x into a float32 batch tensor, scaled. */
function gatherInputs(b: Backend, x: Tensor, idx: Int32Array, start: number, count: number, scale: number): Tensor {
  const per = x.size / x.shape[0];
  const out = Tensor.empty([count, ...x.shape.slice(1)], 'float32', b);
  if (x.dtype === 'uint8') {
    // One conversion that writes the whole batch (so a reused block is never cleared first).
    if (batchBytes.length < count * per) batchBytes = new Uint8Array(count * per);
    const bytes = x.hostData;
    for (let i = 0; i < count; i++) batchBytes.set(bytes.subarray(idx[start + i] * per, (idx[start + i] + 1) * per), i * per);
    b.fromUint8(batchBytes, 0, out.storage, count * per, scale);
    return out;
  }
  const src = x.dtype === 'float32' ? out : Tensor.empty(out.shape, x.dtype === 'int32' ? 'int32' : 'float32', b);
  b.gather(x.storage, indexTensor(b, idx, start, count).storage, src.storage, 1, x.shape[0], per, count);
  if (src !== out) b.cast(src.storage, out.storage, out.size);
  if (scale !== 1) b.scale(out.storage, scale, out.storage, out.size, false);
  return out;
}

/** Gathers targets: int32 class indices for the sparse loss, float32 rows otherwise. */
function gatherTargets(b: Backend, y: Tensor, idx: Int32Array, start: number, count: number, sparse: boolean): Tensor {
  const per = y.size / y.shape[0];
  const dtype = sparse ? 'int32' : 'float32';
  const shape = [count, ...y.shape.slice(1)];
  if (y.dtype === 'uint8') {
    const values = new Int32Array(count * per);
    for (let i = 0; i < count; i++) for (let j = 0; j < per; j++) values[i * per + j] = y.hostData[idx[start + i] * per + j];
    return Tensor.fromValues(shape, values, dtype, b);
  }
  const raw = Tensor.empty(shape, y.dtype as 'float32' | 'int32' | 'bool', b);
  b.gather(y.storage, indexTensor(b, idx, start, count).storage, raw.storage, 1, y.shape[0], per, count);
  if (raw.dtype === dtype) return raw;
  const out = Tensor.empty(shape, dtype, b);
  b.cast(raw.storage, out.storage, out.size);
  return out;
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Lets the event loop run (UI updates, signals) without a timer's minimum delay. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

// ---- running totals on the backend ---------------------------------------------------------------

/** Σ loss·count and Σ correct of a loop, kept in backend storage until someone reads them. */
class Totals {
  readonly lossSum = Tensor.empty([1]);
  readonly correct = Tensor.empty([1]);
  seen = 0;

  constructor(private readonly withAccuracy: boolean) {}

  /** Adds a batch: its mean loss (scalar tensor), size and correct count (scalar tensor or null). */
  add(loss: Tensor, count: number, correct: Tensor | null): void {
    const b = loss.backend;
    b.scale(loss.storage, count, this.lossSum.storage, 1, true);
    if (correct) b.scale(correct.storage, 1, this.correct.storage, 1, true);
    this.seen += count;
  }

  /** Means so far as scalar tensors (no read): [loss] or [loss, accuracy]. */
  means(): Tensor[] {
    const inv = 1 / Math.max(this.seen, 1);
    const out = [mul(this.lossSum, inv).reshape([])];
    if (this.withAccuracy) out.push(mul(this.correct, inv).reshape([]));
    return out;
  }

  /** Reads the means (asynchronously). */
  async read(): Promise<Logs> {
    const [l, c] = await Promise.all([this.lossSum.data(), this.correct.data()]);
    const logs: Logs = { loss: l[0] / Math.max(this.seen, 1) };
    if (this.withAccuracy) logs.accuracy = c[0] / Math.max(this.seen, 1);
    return logs;
  }

  dispose(): void {
    this.lossSum.dispose();
    this.correct.dispose();
  }
}

/** Adds one batch's loss (and correct count) on (xb, yb) to `totals`, no gradients; inside a step. */
function evaluateBatch(model: Sequential, loss: LossSpec, xb: Tensor, yb: Tensor, totals: Totals, count: number): void {
  const logits = model.plan.fusesSoftmax;
  const out = model.forward(xb, false, logits);
  const seesLogits = logits || loss.fromLogits;
  totals.add(computeLoss(loss, out, yb, seesLogits), count, model.metrics.length ? countCorrect(loss, out, yb, seesLogits) : null);
}

/** Runs the loop over `data` and returns its totals (the caller reads or reduces them). */
function evaluateLoop(model: Sequential, loss: LossSpec, data: Dataset, batchSize: number, scale: number): Totals {
  const totals = new Totals(model.metrics.length > 0);
  const n = data.indices.length;
  const sparse = loss.name === 'sparseCategoricalCrossentropy';
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    runStep((b) => evaluateBatch(model, loss, gatherInputs(b, data.x, data.indices, start, count, scale), gatherTargets(b, data.y, data.indices, start, count, sparse), totals, count));
  }
  return totals;
}

/** The model's loss (and accuracy) over (x, y) as scalar tensors, like tfjs `model.evaluate`. */
export function evaluateModel(model: Sequential, x: Tensor, y: Tensor, args: EvaluateArgs): Tensor | Tensor[] {
  const { loss } = model.requireCompiled('evaluate');
  checkPairSync(model, x, y, 'evaluate', loss);
  if (x.shape[0] === 0) throw new ValueError(`evaluate: x has no samples (shape ${fmtShape(x.shape)})`);
  const totals = evaluateLoop(model, loss, { x, y, indices: range(x.shape[0]) }, batchSizeOf(args, 'evaluate'), rescaleOf(args, 'evaluate'));
  const means = totals.means();
  totals.dispose();
  return means.length === 1 ? means[0] : means;
}

export function predictModel(model: Sequential, x: Tensor, args: EvaluateArgs): Tensor {
  checkInputs(model, x, 'predict');
  const batchSize = batchSizeOf(args, 'predict');
  const scale = rescaleOf(args, 'predict');
  const n = x.shape[0];
  const outShape = [n, ...(model.outputShape.slice(1) as number[])];
  const result = Tensor.empty(outShape, 'float32', getBackend());
  const per = result.size / Math.max(n, 1);
  const idx = range(n);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    runStep((b) => {
      const out = model.forward(gatherInputs(b, x, idx, start, count, scale), false);
      b.copy(out.storage, 0, result.storage, start * per, count * per);
    });
  }
  return result;
}

// ---- fit -----------------------------------------------------------------------------------------

/** Splits off the last `fraction` of the samples for validation (Keras: before shuffling). */
function splitValidation(x: Tensor, y: Tensor, fraction: number): { train: Dataset; val: Dataset } {
  if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) throw new ValueError(`fit: validationSplit must be in (0, 1). Received validationSplit=${fraction}`);
  const n = x.shape[0];
  const nTrain = Math.floor(n * (1 - fraction));
  const all = range(n);
  return { train: { x, y, indices: all.slice(0, nTrain) }, val: { x, y, indices: all.slice(nTrain) } };
}

function normalizeCallbacks(model: Sequential, cbs: FitArgs['callbacks']): CallbackHooks[] {
  const list = cbs === undefined || cbs === null ? [] : Array.isArray(cbs) ? cbs : [cbs];
  for (const cb of list) {
    if (typeof cb !== 'object' || cb === null) throw new ValueError(`fit: callbacks must be objects with onEpochEnd-style hooks. Received ${String(cb)}`);
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

interface BatchArgs {
  model: Sequential;
  loss: LossSpec;
  optimizer: Optimizer;
  params: Tensor[];
  data: Dataset;
  order: Int32Array;
  start: number;
  count: number;
  rescale: number;
  totals: Totals;
}

/** One optimisation step on samples order[start..start+count), inside a step arena. */
function trainBatch(a: BatchArgs): void {
  const { model, loss } = a;
  const logits = model.plan.fusesSoftmax;
  const seesLogits = logits || loss.fromLogits;
  runStep((b) => {
    const xb = gatherInputs(b, a.data.x, a.order, a.start, a.count, a.rescale);
    const yb = gatherTargets(b, a.data.y, a.order, a.start, a.count, loss.name === 'sparseCategoricalCrossentropy');
    let out: Tensor | null = null;
    const { value, grads } = valueAndGrads(() => {
      let total = computeLoss(loss, (out = model.forward(xb, true, logits)), yb, seesLogits);
      // As tfjs: the mean loss plus each regularization penalty.
      for (const penalty of model.regularizationLosses()) total = add(total, penalty);
      return total;
    }, a.params);
    a.optimizer.applyGradients(a.params, grads);
    model.applyConstraints();
    a.totals.add(value, a.count, model.metrics.length ? countCorrect(loss, out as unknown as Tensor, yb, seesLogits) : null);
  });
}

/** Reads the running totals; a loss that is no longer finite stops training with a message. */
async function readTotals(totals: Totals, where: string): Promise<Logs> {
  const logs = await totals.read();
  if (!Number.isFinite(logs.loss)) throw new DataError(`fit: the loss became ${logs.loss} ${where}; training stopped (check the learning rate and the inputs' scale)`);
  return logs;
}

export async function fitModel(model: Sequential, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
  const { optimizer, loss } = model.requireCompiled('fit');
  if (model.isTraining) throw new StateError(`fit: model '${model.name}' is already training (a second fit must wait for the first to finish)`);
  const { epochs = 1, shuffle = true, verbose = 1, initialEpoch = 0 } = args;
  const batchSize = batchSizeOf(args, 'fit');
  const rescale = rescaleOf(args, 'fit');
  if (!Number.isInteger(epochs) || epochs <= 0) throw new ValueError(`fit: epochs must be a positive integer. Received epochs=${epochs}`);
  model.isTraining = true;
  try {
    await checkPairAsync(model, x, y, 'fit', loss);
    let train: Dataset = { x, y, indices: range(x.shape[0]) };
    let val: Dataset | null = null;
    if (args.validationData) {
      const [vx, vy] = args.validationData;
      await checkPairAsync(model, vx, vy, 'fit: validationData', loss);
      val = { x: vx, y: vy, indices: range(vx.shape[0]) };
    } else if (args.validationSplit !== undefined) ({ train, val } = splitValidation(x, y, args.validationSplit));
    if (train.indices.length === 0) throw new ValueError(`fit: no training samples (x has shape ${fmtShape(x.shape)})`);
    return await fitLoop(model, { optimizer, loss, train, val, epochs, shuffle, verbose, initialEpoch, batchSize, rescale, callbacks: args.callbacks });
  } finally {
    model.isTraining = false;
  }
}

interface LoopArgs {
  optimizer: Optimizer;
  loss: LossSpec;
  train: Dataset;
  val: Dataset | null;
  epochs: number;
  shuffle: boolean;
  verbose: number;
  initialEpoch: number;
  batchSize: number;
  rescale: number;
  callbacks: FitArgs['callbacks'];
}

async function fitLoop(model: Sequential, a: LoopArgs): Promise<History> {
  const { optimizer, loss, train, val, epochs, verbose, batchSize, rescale } = a;
  const params = model.trainableWeights;
  optimizer.build(params); // slots in persistent memory, before any step
  const hooks = normalizeCallbacks(model, a.callbacks);
  const call = async (fn: (h: CallbackHooks) => void | Promise<void> | undefined): Promise<void> => {
    for (const h of hooks) await fn(h);
  };
  // Batch logs are read every batch only when a callback asks for them (as tfjs does).
  const batchLogs = hooks.some((h) => typeof h.onBatchEnd === 'function');
  const history = new History({ epochs, batchSize, samples: train.indices.length });
  const n = train.indices.length;
  const steps = Math.ceil(n / batchSize);
  model.stopTraining = false;
  await call((h) => h.onTrainBegin?.());
  const first = resumeFrom(hooks, history) ?? a.initialEpoch;
  let lastYield = performance.now();
  for (let epoch = first; epoch < epochs && !model.stopTraining; epoch++) {
    await call((h) => h.onEpochBegin?.(epoch));
    ProgressBar.epochHeader(epoch, epochs, verbose);
    const bar = new ProgressBar(steps, verbose);
    const order = a.shuffle ? globalRandom.shuffle(train.indices.slice()) : train.indices;
    const totals = new Totals(model.metrics.length > 0);
    try {
      // Keras checks stopTraining after every batch; the epoch still ends normally (validation, callbacks).
      for (let step = 0; step < steps && !model.stopTraining; step++) {
        const start = step * batchSize, count = Math.min(batchSize, n - start);
        await call((h) => h.onBatchBegin?.(step, { batch: step, size: count }));
        trainBatch({ model, loss, optimizer, params, data: train, order, start, count, rescale, totals });
        if (batchLogs || bar.wantsUpdate(step + 1)) {
          const running = await readTotals(totals, `in epoch ${epoch + 1} by batch ${step + 1}`);
          bar.update(step + 1, running);
          if (batchLogs) await call((h) => h.onBatchEnd?.(step, { ...running, batch: step, size: count }));
        }
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const logs = await readTotals(totals, `in epoch ${epoch + 1}`);
      if (val && val.indices.length > 0) {
        const vt = evaluateLoop(model, loss, val, batchSize, rescale);
        for (const [k, v] of Object.entries(await vt.read())) logs[`val_${k}`] = v;
        vt.dispose();
      }
      bar.finish(logs);
      history.record(epoch, logs);
      await call((h) => h.onEpochEnd?.(epoch, logs));
    } finally {
      totals.dispose();
    }
  }
  await call((h) => h.onTrainEnd?.());
  return history;
}
