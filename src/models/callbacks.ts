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

export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
};
