/** Training callbacks (Keras `keras.callbacks` / tfjs `CustomCallbackArgs`) and the History record. */
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export type Logs = Record<string, number>;

/** The hooks fit calls; any may be async. */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
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
  setModel(model: CallbackModel): void {
    this.model = model;
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

export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
};
