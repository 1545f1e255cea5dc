/**
 * What fit/evaluate/predict need of their data, for models with one or several inputs and
 * outputs: tensors given alone, as arrays or as name → tensor maps, checked against the model
 * (shapes, sample counts, label ranges, finiteness); batches gathered inside the step arena; and
 * the running loss sums and correct counts kept on the backend until someone reads them.
 */
import { all, argMax, cast, floor, greaterEqual, isFinite as isFiniteOp, less, logicalNot, logicalOr, max as maxOp, min as minOp, mul, notEqual } from '../autograd/ops.js';
import type { Backend } from '../backend/backend.js';
import { DataError, ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import type { InputLayer } from '../layers/input-layer.js';
import type { Shape } from '../layers/layer.js';
import type { LossSpec } from '../losses/index.js';
import { Tensor } from '../tensor/tensor.js';
import type { Logs } from './callbacks.js';
import type { LayersModel } from './model.js';

/** Inputs or targets of a model: one tensor, one per input/output in order, or by name. */
export type ModelData = Tensor | Tensor[] | Record<string, Tensor>;

function checkTensor(t: unknown, where: string, name: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${where}: ${name} must be a tensor. Received ${t === null || t === undefined ? String(t) : typeof t}`);
  if (t.isDisposed) throw new ValueError(`${where}: ${name} ${fmtShape(t.shape)} is disposed`);
}

/** `data` as one tensor per name, in the model's order; `what` is 'x' or 'y'. */
export function standardize(data: unknown, names: readonly string[], where: string, what: 'x' | 'y'): Tensor[] {
  const role = what === 'x' ? 'input' : 'output';
  let list: unknown[];
  if (data instanceof Tensor) list = [data];
  else if (Array.isArray(data)) list = data;
  else if (typeof data === 'object' && data !== null) {
    const d = data as Record<string, unknown>;
    for (const k of Object.keys(d)) if (!names.includes(k)) throw new ValueError(`${where}: ${what} names an unknown ${role} '${k}'. The model's ${role}s: ${names.join(', ')}`);
    list = names.map((n) => {
      if (!(n in d)) throw new ValueError(`${where}: ${what} has no tensor for ${role} '${n}'`);
      return d[n];
    });
  } else throw new ValueError(`${where}: ${what} must be a tensor, an array of tensors or an object of tensors by ${role} name. Received ${String(data)}`);
  if (list.length !== names.length)
    throw new ValueError(`${where}: the model has ${names.length} ${role}${names.length > 1 ? 's' : ''} (${names.join(', ')}) but ${what} holds ${list.length} tensor${list.length === 1 ? '' : 's'}`);
  list.forEach((t, i) => checkTensor(t, where, names.length > 1 ? `${what} for ${role} '${names[i]}'` : what));
  const n = (list[0] as Tensor).shape[0];
  list.forEach((t, i) => {
    if ((t as Tensor).rank === 0) throw new ShapeError(`${where}: ${what} must have a batch dimension. Received a scalar for ${role} '${names[i]}'`);
    if ((t as Tensor).shape[0] !== n) throw new ValueError(`${where}: every ${what} tensor needs the same number of samples. Received ${list.map((u) => fmtShape((u as Tensor).shape)).join(', ')}`);
  });
  return list as Tensor[];
}

/** The model's inputs from `x`, shapes checked. */
export function modelInputs(model: LayersModel, x: unknown, where: string): Tensor[] {
  const xs = standardize(x, model.inputNames, where, 'x');
  const shapes = model.inputShapes;
  xs.forEach((t, i) => {
    const expected = shapes[i];
    const label = xs.length > 1 ? `x for input '${model.inputNames[i]}'` : 'x';
    if (t.rank !== expected.length || t.shape.some((d, j) => j > 0 && d !== expected[j]))
      throw new ShapeError(`${where}: ${label} has shape ${fmtShape(t.shape)} but model '${model.name}' expects ${fmtShape(expected)}`);
    if (t.dtype === 'bool') throw new ValueError(`${where}: ${label} must be numeric (float32, int32 or uint8). Received bool`);
  });
  return xs;
}

/** Whether a loss takes class indices (sparse labels). */
export function isSparse(loss: LossSpec): boolean {
  return loss.name === 'sparseCategoricalCrossentropy';
}

/**
 * Checks (x, y) against the model and returns the scalar tensors whose values the data checks
 * need (read by the caller): label ranges of sparse outputs and finiteness of float data.
 */
export function checkPair(model: LayersModel, x: unknown, y: unknown, where: string, losses: readonly LossSpec[]): { xs: Tensor[]; ys: Tensor[]; probes: Tensor[] } {
  const xs = modelInputs(model, x, where);
  const ys = standardize(y, model.outputNames, where, 'y');
  if (xs[0].shape[0] !== ys[0].shape[0])
    throw new ValueError(`${where}: x and y must have the same number of samples. Received x ${fmtShape(xs[0].shape)} and y ${fmtShape(ys[0].shape)}`);
  if (xs[0].shape[0] === 0) throw new ValueError(`${where}: there are no samples (x has shape ${fmtShape(xs[0].shape)})`);
  const probes: Tensor[] = [];
  ys.forEach((t, i) => {
    const out = model.outputShapes[i];
    const label = ys.length > 1 ? ` for output '${model.outputNames[i]}'` : '';
    if (isSparse(losses[i])) {
      if (t.size !== t.shape[0]) throw new ShapeError(`${where}: sparse labels${label} must have one class index per sample. Received y ${fmtShape(t.shape)}`);
      if (t.size > 0) probes.push(minOp(t), maxOp(t));
    } else if (t.size / Math.max(t.shape[0], 1) !== out.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1))
      throw new ShapeError(`${where}: y${label} has shape ${fmtShape(t.shape)} but the model outputs ${fmtShape(out)}`);
  });
  for (const t of [...xs, ...ys]) if (t.dtype === 'float32' && t.size > 0) probes.push(all(isFiniteOp(t)));
  return { xs, ys, probes };
}

/**
 * Interprets the values of `checkPair`'s probes, throwing a DataError naming the problem. Only on
 * a failure does it read more (the first offending index), synchronously where the backend can.
 */
export function judgePair(model: LayersModel, xs: Tensor[], ys: Tensor[], where: string, losses: readonly LossSpec[], values: number[]): void {
  const firstWhere = (mask: Tensor): string => (mask.backend.canReadSync ? ` at index ${argMax(cast(mask, 'int32').reshape([-1]), 0).dataSync()[0]}` : '');
  let k = 0;
  ys.forEach((y, i) => {
    if (!isSparse(losses[i]) || y.size === 0) return;
    const out: Shape = model.outputShapes[i];
    const units = out[out.length - 1] as number;
    const lo = values[k++], hi = values[k++];
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi < units)) {
      const bad = logicalOr(logicalOr(less(y, 0), greaterEqual(y, units)), notEqual(y, floor(y)));
      const at = firstWhere(bad);
      const v = at ? y.dataSync()[Number(at.slice(10))] : lo < 0 || !Number.isInteger(lo) ? lo : hi;
      throw new DataError(`${where}: label ${v}${at} is outside [0, ${units}) for the ${units}-unit output of layer '${model.outputLayers[i].name}'`);
    }
  });
  const named = [...xs.map((t, i) => [t, xs.length > 1 ? `x for input '${model.inputNames[i]}'` : 'x', 'inputs'] as const),
    ...ys.map((t, i) => [t, ys.length > 1 ? `y for output '${model.outputNames[i]}'` : 'y', 'targets'] as const)];
  for (const [t, name, what] of named) {
    if (t.dtype !== 'float32' || t.size === 0) continue;
    if (values[k++] === 1) continue;
    const at = firstWhere(logicalNot(isFiniteOp(t)));
    const v = at ? t.dataSync()[Number(at.slice(10))] : 'NaN or Infinity';
    throw new DataError(`${where}: ${name} contains ${v}${at ? ` at flat index ${at.slice(10)}` : ''} (shape ${fmtShape(t.shape)}); ${what} must be finite numbers`);
  }
}

/** `checkPair` + `judgePair`, reading the probes synchronously. */
export function checkPairSync(model: LayersModel, x: unknown, y: unknown, where: string, losses: readonly LossSpec[]): { xs: Tensor[]; ys: Tensor[] } {
  const { xs, ys, probes } = checkPair(model, x, y, where, losses);
  judgePair(model, xs, ys, where, losses, probes.map((t) => t.dataSync()[0]));
  for (const t of probes) t.dispose();
  return { xs, ys };
}

/** `checkPair` + `judgePair`, reading the probes asynchronously. */
export async function checkPairAsync(model: LayersModel, x: unknown, y: unknown, where: string, losses: readonly LossSpec[]): Promise<{ xs: Tensor[]; ys: Tensor[] }> {
  const { xs, ys, probes } = checkPair(model, x, y, where, losses);
  judgePair(model, xs, ys, where, losses, await Promise.all(probes.map(async (t) => (await t.data())[0])));
  for (const t of probes) t.dispose();
  return { xs, ys };
}

// ---- batches -----------------------------------------------------------------------------------

/** Staging for a batch of uint8 samples, reused from batch to batch. */
let batchBytes = new Uint8Array(0);

/** The int32 tensor of sample indices idx[start..start+count). */
function indexTensor(b: Backend, idx: Int32Array, start: number, count: number): Tensor {
  return Tensor.fromValues([count], idx.subarray(start, start + count), 'int32', b);
}

/** Gathers samples `idx[start..start+count)` of x into a batch tensor of the input's dtype (float32 scaled, or int32). */
export function gatherInputs(b: Backend, x: Tensor, idx: Int32Array, start: number, count: number, scale: number, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const per = x.size / x.shape[0];
  const out = Tensor.empty([count, ...x.shape.slice(1)], dtype, b);
  if (x.dtype === 'uint8') {
    // One conversion that writes the whole batch (so a reused block is never cleared first).
    if (batchBytes.length < count * per) batchBytes = new Uint8Array(count * per);
    const bytes = x.hostData;
    for (let i = 0; i < count; i++) batchBytes.set(bytes.subarray(idx[start + i] * per, (idx[start + i] + 1) * per), i * per);
    if (dtype === 'float32') b.fromUint8(batchBytes, 0, out.storage, count * per, scale);
    else b.write(out.storage, batchBytes.subarray(0, count * per));
    return out;
  }
  const src = x.dtype === dtype ? out : Tensor.empty(out.shape, x.dtype === 'int32' ? 'int32' : 'float32', b);
  b.gather(x.storage, indexTensor(b, idx, start, count).storage, src.storage, 1, x.shape[0], per, count);
  if (src !== out) b.cast(src.storage, out.storage, out.size);
  if (scale !== 1 && dtype === 'float32') b.scale(out.storage, scale, out.storage, out.size, false);
  return out;
}

/** Gathers targets: int32 class indices for the sparse loss, float32 rows otherwise. */
export function gatherTargets(b: Backend, y: Tensor, idx: Int32Array, start: number, count: number, sparse: boolean): Tensor {
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

/** The input dtypes of a model (from its input layers). */
export function inputDTypes(model: LayersModel): ('float32' | 'int32')[] {
  return model.inputLayers.map((l: InputLayer) => l.inputDType);
}

// ---- running totals on the backend ---------------------------------------------------------------

/** The log names of a compiled model, in tfjs's order: loss, per-output losses (several outputs), metrics. */
export interface LogNames {
  /** 'loss' then `<output>_loss` per output when there are several. */
  readonly losses: string[];
  /** Per output, the names of its metrics (`acc`, or `<output>_acc` for several outputs). */
  readonly metrics: string[][];
  /**
   * [tfjs's name, cnnkit's name] of each metric compiled as 'accuracy': tfjs logs it as `acc`,
   * cnnkit as Keras does (`accuracy`); logs and history carry the tfjs name as an alias.
   */
  readonly aliases: [string, string][];
}

export function logNames(model: LayersModel): LogNames {
  const outs = model.outputNames;
  const multi = outs.length > 1;
  const metrics = model.outputMetrics.map((ms, i) => ms.map((m) => (multi ? `${outs[i]}_${m}` : m)));
  const aliases: [string, string][] = [];
  metrics.forEach((ms, i) => ms.forEach((name, j) => {
    if (model.outputMetrics[i][j] === 'accuracy') aliases.push([name.replace(/accuracy$/, 'acc'), name]);
  }));
  return { losses: ['loss', ...(multi ? outs.map((o) => `${o}_loss`) : [])], metrics, aliases };
}

/**
 * Adds to `target` the tfjs names of `aliases` (and their `val_` forms) as non-enumerable
 * properties reading the cnnkit-named entries: `logs.acc` is `logs.accuracy`, while keys, JSON and
 * the progress line show each value once. `has` says which names the target has (or will have: a
 * history's series appear as epochs end). Returns `target`.
 */
export function withTfjsAliases<T extends object>(target: T, aliases: readonly [string, string][], has: (name: string) => boolean = (n) => n in target): T {
  const t = target as Record<string, unknown>;
  for (const [alias, name] of aliases)
    for (const [a, n] of [[alias, name], [`val_${alias}`, `val_${name}`]])
      if (has(n) && !(a in t)) Object.defineProperty(t, a, { get: () => t[n], enumerable: false, configurable: true });
  return target;
}

/** Σ loss·count per output and each output's Σ metric (over samples) of a loop, kept in backend storage until someone reads them. */
export class Totals {
  private readonly lossSums: Tensor[];
  private readonly metricSums: Tensor[][];
  /** The latest batch's own means (tfjs's batch logs), in log-name order; none unless kept. */
  private readonly last: Tensor[];
  /** The log names: losses, then metrics per output. */
  private readonly order: string[];
  seen = 0;

  /** `keepBatch`: also keep each batch's own values, for `readBatch` (when a callback reads batch logs). */
  constructor(private readonly names: LogNames, private readonly keepBatch = false) {
    this.lossSums = names.losses.map(() => Tensor.empty([1]));
    this.metricSums = names.metrics.map((ms) => ms.map(() => Tensor.empty([1])));
    this.order = [...names.losses, ...names.metrics.flat()];
    this.last = keepBatch ? this.order.map(() => Tensor.empty([1])) : [];
  }

  /** Adds a batch: the total loss and each output's mean loss (scalar tensors), its size, and each output's metric sums over the batch. */
  add(total: Tensor, perOutput: readonly Tensor[], count: number, metrics: readonly (readonly Tensor[])[]): void {
    const b = total.backend;
    const losses = this.lossSums.length > 1 ? [total, ...perOutput] : [total];
    losses.forEach((l, i) => {
      b.scale(l.storage, count, this.lossSums[i].storage, 1, true);
      if (this.keepBatch) b.scale(l.storage, 1, this.last[i].storage, 1, false);
    });
    let k = losses.length;
    metrics.forEach((ms, i) => ms.forEach((m, j) => {
      b.scale(m.storage, 1, this.metricSums[i][j].storage, 1, true);
      if (this.keepBatch) b.scale(m.storage, 1 / count, this.last[k++].storage, 1, false);
    }));
    this.seen += count;
  }

  /** Reads the latest batch's own loss and metrics (asynchronously) as logs: what tfjs passes to onBatchEnd. */
  async readBatch(): Promise<Logs> {
    if (!this.keepBatch) throw new StateError('Totals.readBatch: batch values were not kept (construct with keepBatch)');
    const values = await Promise.all(this.last.map((t) => t.data()));
    const logs: Logs = {};
    this.order.forEach((n, i) => (logs[n] = values[i][0]));
    return withTfjsAliases(logs, this.names.aliases);
  }

  /** Means so far as scalar tensors (no read), in log-name order. */
  means(): Tensor[] {
    const inv = 1 / Math.max(this.seen, 1);
    return [...this.lossSums, ...this.metricSums.flat()].map((t) => mul(t, inv).reshape([]));
  }

  /** Reads the means (asynchronously) as logs. */
  async read(): Promise<Logs> {
    const inv = 1 / Math.max(this.seen, 1);
    const values = await Promise.all([...this.lossSums, ...this.metricSums.flat()].map((t) => t.data()));
    const logs: Logs = {};
    this.order.forEach((n, i) => (logs[n] = values[i][0] * inv));
    return withTfjsAliases(logs, this.names.aliases);
  }

  dispose(): void {
    for (const t of [...this.lossSums, ...this.metricSums.flat(), ...this.last]) t.dispose();
  }
}
