/**
 * fit / evaluate / predict. Each batch runs inside a backend step arena (engine.runStep): inputs
 * are gathered and scaled into it (uint8 images become float32 one batch at a time), activations
 * and gradients come from it, and it is reclaimed at the end of the batch, so after the first
 * batch training allocates no new memory.
 */
import { valueAndGrads } from '../autograd/grad.js';
import type { Backend } from '../backend/backend.js';
import { runStep } from '../backend/engine.js';
import { DataError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { computeLoss, fusesSoftmax, type LossSpec } from '../losses/index.js';
import { countCorrect } from '../metrics/index.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { globalRandom } from '../tensor/random.js';
import { Tensor, assertFinite } from '../tensor/tensor.js';
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
  callbacks?: CallbackHooks | (CallbackHooks | Callback)[];
}

/** The samples of (x, y) that one loop visits, by index into x's first dimension. */
interface Dataset {
  x: Tensor;
  y: Tensor;
  indices: Int32Array;
}

function checkPair(model: Sequential, x: Tensor, y: Tensor, where: string, loss: LossSpec): void {
  const expected = model.inputShape;
  if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i]))
    throw new ShapeError(`${where}: x has shape ${fmtShape(x.shape)} but model '${model.name}' expects ${fmtShape(expected)}`);
  if (x.shape[0] !== y.shape[0]) throw new ValueError(`${where}: x and y must have the same number of samples. Received x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`);
  const out = model.outputShape;
  const units = out[out.length - 1] as number;
  if (loss.name === 'sparseCategoricalCrossentropy') {
    const labels = y.dtype === 'float32' ? y.storage.data : y.hostData;
    if (y.size !== y.shape[0]) throw new ShapeError(`${where}: sparse labels must have one class index per sample. Received y ${fmtShape(y.shape)}`);
    for (let i = 0; i < y.size; i++)
      if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < units))
        throw new DataError(`${where}: label ${labels[i]} at index ${i} is outside [0, ${units}) for the ${units}-unit output of layer '${model.layers[model.layers.length - 1].name}'`);
  } else if (y.size / y.shape[0] !== out.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1))
    throw new ShapeError(`${where}: y has shape ${fmtShape(y.shape)} but the model outputs ${fmtShape(out)}`);
  if (x.dtype === 'float32') assertFinite(x, `${where}: x`);
  if (y.dtype === 'float32') assertFinite(y, `${where}: y`);
}

/** Staging for a batch of uint8 samples, reused from batch to batch. */
let batchBytes = new Uint8Array(0);

/** Gathers samples `idx[start..start+count)` of x into a float32 batch tensor, scaled. */
function gatherInputs(b: Backend, x: Tensor, idx: Int32Array, start: number, count: number, scale: number): Tensor {
  const per = x.size / x.shape[0];
  const out = Tensor.empty([count, ...x.shape.slice(1)], b);
  if (x.dtype === 'uint8') {
    // One conversion that writes the whole batch (so a reused block is never cleared first).
    if (batchBytes.length < count * per) batchBytes = new Uint8Array(count * per);
    const bytes = x.hostData as Uint8Array;
    for (let i = 0; i < count; i++) batchBytes.set(bytes.subarray(idx[start + i] * per, (idx[start + i] + 1) * per), i * per);
    b.fromUint8(batchBytes, 0, out.storage, count * per, scale);
    return out;
  }
  for (let i = 0; i < count; i++) {
    const src = idx[start + i] * per;
    if (x.dtype === 'float32') b.copy(x.storage, src, out.storage, i * per, per);
    else out.storage.data.set(Array.from(x.hostData.subarray(src, src + per), (v) => v * scale), i * per);
  }
  if (x.dtype === 'float32' && scale !== 1) b.scale(out.storage, scale, out.storage, out.size, false);
  return out;
}

/** Gathers targets as float32 (class indices for sparse losses). */
function gatherTargets(b: Backend, y: Tensor, idx: Int32Array, start: number, count: number): Tensor {
  const per = y.size / y.shape[0];
  const out = Tensor.empty([count, ...y.shape.slice(1)], b);
  for (let i = 0; i < count; i++) {
    const src = idx[start + i] * per;
    if (y.dtype === 'float32') b.copy(y.storage, src, out.storage, i * per, per);
    else for (let j = 0; j < per; j++) out.storage.data[i * per + j] = y.hostData[src + j];
  }
  return out;
}

/** Whether the model feeds the loss logits (its softmax fused into the loss) and whether the loss sees logits. */
function lossPath(model: Sequential, loss: LossSpec): { leaveOutSoftmax: boolean; lossSeesLogits: boolean } {
  const last = model.layers[model.layers.length - 1];
  const leaveOutSoftmax = !loss.fromLogits && fusesSoftmax(loss) && last.endsInSoftmax;
  return { leaveOutSoftmax, lossSeesLogits: leaveOutSoftmax || loss.fromLogits };
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Lets the event loop run (UI updates, signals) without a timer's minimum delay. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

function batchSizeOf(args: EvaluateArgs, where: string): number {
  const { batchSize = 32 } = args;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`${where}: batchSize must be a positive integer. Received batchSize=${batchSize}`);
  return batchSize;
}

/** Loss and metric sums over a dataset, no gradients. */
function evaluateDataset(model: Sequential, loss: LossSpec, data: Dataset, batchSize: number, scale: number): Logs {
  const { leaveOutSoftmax, lossSeesLogits } = lossPath(model, loss);
  const n = data.indices.length;
  let lossSum = 0, correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    runStep((b) => {
      const xb = gatherInputs(b, data.x, data.indices, start, count, scale);
      const yb = gatherTargets(b, data.y, data.indices, start, count);
      const out = model.forward(xb, false, leaveOutSoftmax);
      lossSum += computeLoss(loss, out, yb, lossSeesLogits).storage.data[0] * count;
      if (model.metrics.length) correct += countCorrect(loss, out.storage.data, yb.storage.data, count, out.size / count);
    });
  }
  const logs: Logs = { loss: lossSum / n };
  if (model.metrics.includes('accuracy')) logs.accuracy = correct / n;
  return logs;
}

export function evaluateModel(model: Sequential, x: Tensor, y: Tensor, args: EvaluateArgs): number[] {
  const { loss } = model.requireCompiled('evaluate');
  checkPair(model, x, y, 'evaluate', loss);
  const logs = evaluateDataset(model, loss, { x, y, indices: range(x.shape[0]) }, batchSizeOf(args, 'evaluate'), args.rescale ?? 1);
  return Object.values(logs);
}

export function predictModel(model: Sequential, x: Tensor, args: EvaluateArgs): Tensor {
  const expected = model.inputShape;
  if (x.rank !== expected.length || x.shape.some((d, i) => i > 0 && d !== expected[i]))
    throw new ShapeError(`predict: x has shape ${fmtShape(x.shape)} but model '${model.name}' expects ${fmtShape(expected)}`);
  if (x.dtype === 'float32') assertFinite(x, 'predict: x');
  const batchSize = batchSizeOf(args, 'predict');
  const n = x.shape[0];
  const outShape = [n, ...(model.outputShape.slice(1) as number[])];
  const result = Tensor.empty(outShape);
  const per = result.size / Math.max(n, 1);
  const idx = range(n);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    runStep((b) => {
      const out = model.forward(gatherInputs(b, x, idx, start, count, args.rescale ?? 1), false);
      b.copy(out.storage, 0, result.storage, start * per, count * per);
    });
  }
  return result;
}

/** Splits off the last `fraction` of the samples for validation (Keras: before shuffling). */
function splitValidation(x: Tensor, y: Tensor, fraction: number): { train: Dataset; val: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new ValueError(`fit: validationSplit must be in (0, 1). Received validationSplit=${fraction}`);
  const n = x.shape[0];
  const nTrain = Math.floor(n * (1 - fraction));
  const all = range(n);
  return { train: { x, y, indices: all.slice(0, nTrain) }, val: { x, y, indices: all.slice(nTrain) } };
}

function normalizeCallbacks(model: Sequential, cbs: FitArgs['callbacks']): CallbackHooks[] {
  const list = cbs === undefined ? [] : Array.isArray(cbs) ? cbs : [cbs];
  for (const cb of list) if ('setModel' in cb && typeof cb.setModel === 'function') cb.setModel(model);
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
  x: Tensor;
  y: Tensor;
  order: Int32Array;
  start: number;
  count: number;
  rescale: number;
  /** 'epoch 2, batch 7', for the message when the loss stops being finite. */
  where: string;
}

/** One optimisation step on samples order[start..start+count), inside a step arena. */
function trainBatch(a: BatchArgs): { loss: number; correct: number } {
  const { model, loss } = a;
  const { leaveOutSoftmax, lossSeesLogits } = lossPath(model, loss);
  return runStep((b) => {
    const xb = gatherInputs(b, a.x, a.order, a.start, a.count, a.rescale);
    const yb = gatherTargets(b, a.y, a.order, a.start, a.count);
    let out: Tensor | null = null;
    const { value, grads } = valueAndGrads(() => computeLoss(loss, (out = model.forward(xb, true, leaveOutSoftmax)), yb, lossSeesLogits), a.params);
    const lv = value.storage.data[0];
    if (!Number.isFinite(lv)) throw new DataError(`fit: the loss became ${lv} at ${a.where}; training stopped (check the learning rate and the inputs' scale)`);
    a.optimizer.applyGradients(a.params, grads);
    const o = out as unknown as Tensor;
    return { loss: lv, correct: model.metrics.length ? countCorrect(loss, o.storage.data, yb.storage.data, a.count, o.size / a.count) : 0 };
  });
}

export async function fitModel(model: Sequential, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
  const { optimizer, loss } = model.requireCompiled('fit');
  const { epochs = 1, shuffle = true, verbose = 1, initialEpoch = 0, rescale = 1 } = args;
  const batchSize = batchSizeOf(args, 'fit');
  if (!Number.isInteger(epochs) || epochs <= 0) throw new ValueError(`fit: epochs must be a positive integer. Received epochs=${epochs}`);
  checkPair(model, x, y, 'fit', loss);
  let train: Dataset = { x, y, indices: range(x.shape[0]) };
  let val: Dataset | null = null;
  if (args.validationData) {
    const [vx, vy] = args.validationData;
    checkPair(model, vx, vy, 'fit: validationData', loss);
    val = { x: vx, y: vy, indices: range(vx.shape[0]) };
  } else if (args.validationSplit !== undefined) ({ train, val } = splitValidation(x, y, args.validationSplit));
  if (train.indices.length === 0) throw new ValueError(`fit: no training samples (x has shape ${fmtShape(x.shape)})`);

  const params = model.trainableWeights;
  optimizer.build(params); // slots in persistent memory, before any step
  const hooks = normalizeCallbacks(model, args.callbacks);
  const call = async (fn: (h: CallbackHooks) => void | Promise<void> | undefined): Promise<void> => {
    for (const h of hooks) await fn(h);
  };
  const history = new History({ epochs, batchSize, samples: train.indices.length });
  const n = train.indices.length;
  const steps = Math.ceil(n / batchSize);
  model.stopTraining = false;
  await call((h) => h.onTrainBegin?.());
  const start = resumeFrom(hooks, history) ?? initialEpoch;
  let lastYield = performance.now();
  for (let epoch = start; epoch < epochs && !model.stopTraining; epoch++) {
    await call((h) => h.onEpochBegin?.(epoch));
    ProgressBar.epochHeader(epoch, epochs, verbose);
    const bar = new ProgressBar(steps, verbose);
    const order = shuffle ? globalRandom.shuffle(train.indices.slice()) : train.indices;
    let lossSum = 0, correct = 0, seen = 0;
    // Keras checks stopTraining after every batch; the epoch still ends normally (validation, callbacks).
    for (let step = 0; step < steps && !model.stopTraining; step++) {
      const start = step * batchSize, count = Math.min(batchSize, n - start);
      await call((h) => h.onBatchBegin?.(step, { batch: step, size: count }));
      const r = trainBatch({ model, loss, optimizer, params, x, y, order, start, count, rescale, where: `epoch ${epoch + 1}, batch ${step + 1}` });
      lossSum += r.loss * count;
      correct += r.correct;
      seen += count;
      const running: Logs = { loss: lossSum / seen };
      if (model.metrics.includes('accuracy')) running.accuracy = correct / seen;
      bar.update(step + 1, running);
      await call((h) => h.onBatchEnd?.(step, { ...running, batch: step, size: count }));
      if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const logs: Logs = { loss: lossSum / seen };
    if (model.metrics.includes('accuracy')) logs.accuracy = correct / seen;
    if (val && val.indices.length > 0)
      for (const [k, v] of Object.entries(evaluateDataset(model, loss, val, batchSize, rescale))) logs[`val_${k}`] = v;
    bar.finish(logs);
    history.record(epoch, logs);
    await call((h) => h.onEpochEnd?.(epoch, logs));
  }
  await call((h) => h.onTrainEnd?.());
  return history;
}
