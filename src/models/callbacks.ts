/** Training callbacks (Keras `keras.callbacks` / tfjs `CustomCallbackArgs`) and the History record. */
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export type Logs = Record<string, number>;

/** The hooks fit calls; any may be async. */
export interface CallbackHooks {
  /** Called by fit before onTrainBegin with the run's parameters (tfjs `setParams`): epochs, initialEpoch, steps (fitDataset's batches per epoch; null for fit on arrays, as tfjs, and when unknown), verbose, doValidation, metrics (the epoch logs' names, e.g. ['loss', 'accuracy', 'val_loss', 'val_accuracy']), and for arrays samples and batchSize. */
  setParams?(params: Record<string, unknown>): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** After each batch, with that batch's own loss and metrics, `batch` and `size` (tfjs; Keras passes the epoch's running means). */
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  /** Called when the loop lets the event loop run (about every 50 ms), with the epoch's running logs (tfjs). */
  onYield?(epoch: number, batch: number, logs: Logs): void | Promise<void>;
}

/** What a callback may use of the model it is attached to. */
export interface CallbackModel {
  stopTraining: boolean;
  getWeights(): Tensor[];
  setWeights(weights: readonly Tensor[]): void;
}

/** A callback object that gets the model before training starts. */
export abstract class Callback {
  protected model: CallbackModel | null = null;
  /** What fit passed to setParams (empty before training). */
  protected params: Record<string, unknown> = {};
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: Record<string, unknown>): void {
    this.params = { ...params };
  }
}

/** Per-epoch logs of a fit (`history.history.loss`, `.accuracy`, `.val_loss`, `.val_accuracy`). */
export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  constructor(readonly params: Record<string, unknown> = {}) {}
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights?: boolean;
}

/** Stops training when `monitor` has stopped improving for `patience` epochs (Keras EarlyStopping). */
export class EarlyStopping extends Callback implements CallbackHooks {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly baseline: number | undefined;
  private readonly better: (a: number, b: number) => boolean;
  private best = NaN;
  private wait = 0;
  private bestWeights: Tensor[] | null = null;
  stoppedEpoch = -1;

  constructor({ monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', baseline, restoreBestWeights = false }: EarlyStoppingArgs = {}) {
    super();
    if (patience < 0 || !Number.isInteger(patience)) throw new ValueError(`EarlyStopping: patience must be a non-negative integer. Received patience=${patience}`);
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.restoreBestWeights = restoreBestWeights;
    this.baseline = baseline;
    const maximize = mode === 'max' || (mode === 'auto' && /acc/.test(monitor));
    this.better = maximize ? (a, b) => a - this.minDelta > b : (a, b) => a + this.minDelta < b;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.baseline ?? NaN;
    this.stoppedEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) throw new ValueError(`EarlyStopping: monitor '${this.monitor}' is not among the logs (${Object.keys(logs).join(', ')})`);
    if (Number.isNaN(this.best) || this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.bestWeights?.forEach((t) => t.dispose());
        this.bestWeights = this.model?.getWeights() ?? null;
      }
      return;
    }
    if (++this.wait > this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) this.model.setWeights(this.bestWeights);
    }
  }
}

/**
 * A callback from hook functions (tfjs `tf.CustomCallback`): `new ck.CustomCallback({ onEpochEnd:
 * (epoch, logs) => ... })`. Unknown keys are refused.
 */
export class CustomCallback extends Callback implements CallbackHooks {
  onTrainBegin?: CallbackHooks['onTrainBegin'];
  onTrainEnd?: CallbackHooks['onTrainEnd'];
  onEpochBegin?: CallbackHooks['onEpochBegin'];
  onEpochEnd?: CallbackHooks['onEpochEnd'];
  onBatchBegin?: CallbackHooks['onBatchBegin'];
  onBatchEnd?: CallbackHooks['onBatchEnd'];
  onYield?: CallbackHooks['onYield'];

  constructor(args: CallbackHooks) {
    super();
    const hooks = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield'] as const;
    if (typeof args !== 'object' || args === null) throw new ValueError(`CustomCallback: expects an object of hook functions (${hooks.join(', ')}). Received ${String(args)}`);
    for (const [k, v] of Object.entries(args)) {
      if (!(hooks as readonly string[]).includes(k)) throw new ValueError(`CustomCallback: unknown hook '${k}'. Hooks: ${hooks.join(', ')}`);
      if (v !== undefined && v !== null && typeof v !== 'function') throw new ValueError(`CustomCallback: ${k} must be a function. Received ${typeof v}`);
    }
    for (const k of hooks) if (typeof args[k] === 'function') (this as Record<string, unknown>)[k] = (args[k] as (...a: unknown[]) => unknown).bind(args);
  }
}

export interface LookaheadArgs {
  /** Update (and copy back) the average every this many steps (default 5). */
  every?: number;
  /**
   * The old average's weight in each update: a number in [0, 1], or a function of the 1-based
   * global step and `totalSteps` (default 0.99).
   */
  decay?: number | ((step: number, totalSteps: number) => number);
  /** The average starts (as a copy of the weights) at the first update at or after this step (default 0). */
  startStep?: number;
  /** Steps of the whole run, passed to a decay function (default 0: unknown). */
  totalSteps?: number;
  /** Average only trainable weights, not moving statistics (default false). */
  trainableOnly?: boolean;
  /**
   * The model takes the average after the last batch of every epoch, before validation (airbench:
   * "copy back parameters a final time after each epoch"; default false). An epoch's validation and
   * its backup then see the average, and a run resumed from an epoch's backup goes on exactly as
   * the uninterrupted run.
   */
  syncOnEpochEnd?: boolean;
}

interface LiveWeights {
  weights: Tensor[];
  trainableWeights: Tensor[];
}

const KEYS = ['every', 'decay', 'startStep', 'totalSteps', 'trainableOnly', 'syncOnEpochEnd'];

/**
 * Lookahead (`ck.callbacks.lookahead`) averaging of weights as a training callback (Zhang et al. 2019, "Lookahead Optimizer";
 * the form airbench uses): every `every` steps an exponential moving average of the model's weights
 * is updated, avg ← decay·avg + (1 − decay)·w, and copied back into the model, so training goes on
 * from the average. At the end of training the model keeps the average. BatchNormalization's moving
 * statistics are averaged too unless `trainableOnly`. Steps count from the run's first epoch
 * (epoch × batches per epoch + batch, when fit knows the batches per epoch), so `startStep` and a
 * decay function see the same step in a resumed run.
 *
 * ```ts
 * const steps = epochs * Math.ceil(n / batchSize);
 * model.fit(x, y, { epochs, batchSize, callbacks: [ck.callbacks.lookahead({ every: 5, decay: (s, t) => 0.95 ** 5 * (s / t) ** 3, totalSteps: steps })] });
 * ```
 */
export class Lookahead extends Callback implements CallbackHooks {
  readonly every: number;
  readonly startStep: number;
  readonly totalSteps: number;
  readonly trainableOnly: boolean;
  readonly syncOnEpochEnd: boolean;
  private readonly decay: (step: number, total: number) => number;
  private step = 0;
  private averages: Tensor[] | null = null;
  private targets: Tensor[] = [];

  constructor(args: LookaheadArgs = {}) {
    super();
    for (const k of Object.keys(args)) if (!KEYS.includes(k)) throw new ValueError(`Lookahead: unknown option '${k}'. Expected ${KEYS.join(', ')}`);
    const { every = 5, decay = 0.99, startStep = 0, totalSteps = 0, trainableOnly = false, syncOnEpochEnd = false } = args;
    if (typeof syncOnEpochEnd !== 'boolean') throw new ValueError(`Lookahead: syncOnEpochEnd must be true or false. Received ${String(syncOnEpochEnd)}`);
    if (!Number.isInteger(every) || every < 1) throw new ValueError(`Lookahead: every must be a positive integer. Received every=${every}`);
    if (!Number.isInteger(startStep) || startStep < 0) throw new ValueError(`Lookahead: startStep must be a non-negative integer. Received startStep=${startStep}`);
    if (!Number.isInteger(totalSteps) || totalSteps < 0) throw new ValueError(`Lookahead: totalSteps must be a non-negative integer. Received totalSteps=${totalSteps}`);
    if (typeof decay === 'number' && !(decay >= 0 && decay <= 1)) throw new ValueError(`Lookahead: decay must be in [0, 1] or a function of (step, totalSteps). Received decay=${decay}`);
    if (typeof decay !== 'number' && typeof decay !== 'function') throw new ValueError(`Lookahead: decay must be in [0, 1] or a function of (step, totalSteps). Received ${typeof decay}`);
    this.every = every;
    this.startStep = startStep;
    this.totalSteps = totalSteps;
    this.trainableOnly = trainableOnly;
    this.syncOnEpochEnd = syncOnEpochEnd;
    this.decay = typeof decay === 'number' ? () => decay : decay;
  }

  override setModel(model: CallbackModel): void {
    const live = model as unknown as Partial<LiveWeights>;
    if (!Array.isArray(live.weights)) throw new ValueError('Lookahead: needs a model with weights (a LayersModel)');
    super.setModel(model);
  }

  onTrainBegin(): void {
    const live = this.model as unknown as LiveWeights | null;
    if (!live) throw new ValueError('Lookahead: no model is attached (pass the callback to fit)');
    this.targets = (this.trainableOnly ? live.trainableWeights : live.weights).filter((w) => w.dtype === 'float32');
    this.free();
    this.step = 0;
  }

  /** Batches per epoch, when fit knows them (`steps`, or for fit on arrays ⌈samples / batchSize⌉). */
  private get stepsPerEpoch(): number | null {
    const { steps, samples, batchSize } = this.params;
    if (typeof steps === 'number' && Number.isInteger(steps) && steps > 0) return steps;
    if (typeof samples === 'number' && typeof batchSize === 'number' && samples > 0 && batchSize > 0) return Math.ceil(samples / batchSize);
    return null;
  }

  /** The first step that updates (and, the first time, starts) the average. */
  private get firstUpdate(): number {
    return Math.ceil(Math.max(this.startStep, 1) / this.every) * this.every;
  }

  onEpochBegin(epoch: number): void {
    const steps = this.stepsPerEpoch;
    if (steps === null) return;
    this.step = epoch * steps;
    // Resumed past the average's start: with syncOnEpochEnd the weights restored from the epoch's
    // end are the average, so it goes on from them.
    if (this.syncOnEpochEnd && !this.averages && this.step >= this.firstUpdate) this.averages = this.targets.map((w) => this.copyOf(w));
  }

  onBatchEnd(batch?: number): void {
    this.step++;
    if (this.step >= this.startStep && this.step % this.every === 0) this.update();
    const steps = this.stepsPerEpoch;
    if (this.syncOnEpochEnd && steps !== null && batch === steps - 1) this.copyBack();
  }

  onEpochEnd(): void {
    // Epochs of unknown length: the copy happens here (after validation).
    if (this.syncOnEpochEnd && this.stepsPerEpoch === null) this.copyBack();
  }

  private copyOf(w: Tensor): Tensor {
    const a = Tensor.empty(w.shape, 'float32', w.backend);
    a.kept = true;
    w.backend.copy(w.storage, 0, a.storage, 0, w.size);
    return a;
  }

  private update(): void {
    if (!this.averages) {
      this.averages = this.targets.map((w) => this.copyOf(w));
      return;
    }
    const d = this.decay(this.step, this.totalSteps);
    if (!(d >= 0 && d <= 1)) throw new ValueError(`Lookahead: decay must be in [0, 1]. Received ${d} at step ${this.step}`);
    this.targets.forEach((w, i) => {
      const a = (this.averages as Tensor[])[i], b = w.backend;
      b.scale(a.storage, d, a.storage, w.size, false);
      b.scale(w.storage, 1 - d, a.storage, w.size, true);
      b.copy(a.storage, 0, w.storage, 0, w.size);
    });
  }

  private copyBack(): void {
    this.averages?.forEach((a, i) => a.backend.copy(a.storage, 0, this.targets[i].storage, 0, a.size));
  }

  /** The model keeps the average (when one was started). */
  onTrainEnd(): void {
    this.copyBack();
    this.free();
  }

  private free(): void {
    this.averages?.forEach((a) => a.dispose());
    this.averages = null;
  }
}

export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  lookahead: (args?: LookaheadArgs): Lookahead => new Lookahead(args),
};
