/**
 * Checkpoint callbacks (Keras `ModelCheckpoint`, `BackupAndRestore`), saving through the atomic
 * `file://` writer, and `ck.callbacks` for Node.js (the core callbacks plus these two).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, StateError, ValueError } from '../errors.js';
import { Callback, callbacks as coreCallbacks, type CallbackHooks, type CallbackModel, type Logs } from '../models/callbacks.js';
import type { LayersModel } from '../models/model.js';
import type { ResumeState } from '../models/training.js';
import { globalRandom } from '../tensor/random.js';
import { asideDir, pathFromUrl, readModelFile, writeModelDir } from './node-file.js';
import { setOptimizerState } from './load.js';
import { modelArtifacts } from './save.js';
import { decodeWeights } from './weights.js';

function asModel(model: CallbackModel | null, who: string): LayersModel {
  if (!model || typeof (model as Partial<LayersModel>).save !== 'function') throw new StateError(`${who}: the callback is not attached to a model (pass it in fit's callbacks)`);
  return model as unknown as LayersModel;
}

/**
 * Fills Keras-style placeholders: `{epoch}`, `{epoch:02d}`, `{val_loss:.4f}` (epoch counted from 1).
 * Unknown keys are an error naming them.
 */
export function formatFilepath(pattern: string, epoch: number, logs: Logs): string {
  return pattern.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, key: string, fmt: string | undefined) => {
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (v === undefined) throw new ValueError(`modelCheckpoint: filepath uses {${key}} but the logs have only ${['epoch', ...Object.keys(logs)].join(', ')}`);
    const m = /^0?(\d*)d$/.exec(fmt ?? '');
    if (m) return String(Math.round(v)).padStart(Number(m[1] || 0), '0');
    const p = /^\.(\d+)f$/.exec(fmt ?? '');
    return p ? v.toFixed(Number(p[1])) : String(v);
  });
}

/** Options of `ck.callbacks.modelCheckpoint` (Keras names in camelCase). */
export interface ModelCheckpointArgs {
  /** Folder to save into (`file://` optional); may hold `{epoch:02d}` or `{val_loss:.2f}` placeholders. */
  filepath: string;
  /** Log to compare with `saveBestOnly` (default 'val_loss'). */
  monitor?: string;
  /** Save only when `monitor` improves (default false: every epoch). */
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /** Also store the optimizer state (default false). */
  includeOptimizer?: boolean;
  verbose?: number;
}

/** Saves the model at the end of each epoch, or only when `monitor` improves (Keras ModelCheckpoint). */
export class ModelCheckpoint extends Callback implements CallbackHooks {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  readonly verbose: number;
  best: number;
  private readonly better: (a: number, b: number) => boolean;
  /** Folders written so far, in order. */
  readonly saved: string[] = [];

  constructor({ filepath, monitor = 'val_loss', saveBestOnly = false, mode = 'auto', includeOptimizer = false, verbose = 0 }: ModelCheckpointArgs) {
    super();
    if (typeof filepath !== 'string' || filepath === '') throw new ValueError(`modelCheckpoint: filepath must be a folder path. Received ${JSON.stringify(filepath)}`);
    if (!['auto', 'min', 'max'].includes(mode)) throw new ValueError(`modelCheckpoint: mode must be 'auto', 'min' or 'max'. Received mode=${JSON.stringify(mode)}`);
    this.filepath = pathFromUrl(filepath);
    this.monitor = monitor;
    this.saveBestOnly = saveBestOnly;
    this.includeOptimizer = includeOptimizer;
    this.verbose = verbose;
    const maximize = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/.test(monitor));
    this.better = maximize ? (a, b) => a > b : (a, b) => a < b;
    this.best = maximize ? -Infinity : Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const model = asModel(this.model, 'modelCheckpoint');
    const path = formatFilepath(this.filepath, epoch, logs);
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) throw new ValueError(`modelCheckpoint: monitor '${this.monitor}' is not among the logs (${Object.keys(logs).join(', ')})`);
      if (!this.better(current, this.best)) return;
      if (this.verbose) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    await writeModelDir(path, modelArtifacts(model, { includeOptimizer: this.includeOptimizer && !!model.optimizer }));
    this.saved.push(resolve(path));
  }
}

/** Options of `ck.callbacks.backupAndRestore`. */
export interface BackupAndRestoreArgs {
  /** Folder for the backup (created if needed). */
  backupDir: string;
  /** Remove the backup when training ends normally (default true, as Keras). */
  deleteCheckpoint?: boolean;
}

/** What a backup keeps besides the weights (in model.json's userDefinedMetadata). */
interface BackupState {
  epoch: number;
  iterations: number;
  rng: (number | null)[];
  history: ResumeState['history'];
}

/**
 * Backs up the run at each epoch's end (weights, optimizer state and step counter, random
 * generator state, epoch, history) atomically; when training starts and a backup exists, restores
 * it all and fit goes on with the next epoch (Keras BackupAndRestore).
 */
export class BackupAndRestore extends Callback implements CallbackHooks {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  private history: ResumeState['history'] = { epoch: [], history: {} };
  private pending: ResumeState | null = null;
  /** The epoch a restore went on from, or -1 when training started afresh. */
  restoredEpoch = -1;

  constructor({ backupDir, deleteCheckpoint = true }: BackupAndRestoreArgs) {
    super();
    if (typeof backupDir !== 'string' || backupDir === '') throw new ValueError(`backupAndRestore: backupDir must be a folder path. Received ${JSON.stringify(backupDir)}`);
    this.backupDir = resolve(pathFromUrl(backupDir));
    this.deleteCheckpoint = deleteCheckpoint;
  }

  /** The folder holding the latest backup. */
  get latestDir(): string {
    return join(this.backupDir, 'latest');
  }

  async onTrainBegin(): Promise<void> {
    const model = asModel(this.model, 'backupAndRestore');
    this.history = { epoch: [], history: {} };
    this.pending = null;
    this.restoredEpoch = -1;
    if (!existsSync(join(this.latestDir, 'model.json')) && !existsSync(join(asideDir(this.latestDir), 'model.json'))) return;
    const where = join(this.latestDir, 'model.json');
    const a = await readModelFile(this.latestDir);
    const state = a.userDefinedMetadata?.cnnkitBackup as BackupState | undefined;
    if (!state || !Number.isInteger(state.epoch) || !Array.isArray(state.rng) || typeof state.history !== 'object')
      throw new DataError(`${where}: not a backup written by backupAndRestore (no backup state)`);
    const weights = decodeWeights(a.weightSpecs ?? [], a.weightData ?? new ArrayBuffer(0), where);
    const byName = new Map(weights.map((w) => [w.spec.name, w.values]));
    const vars = model.layers.flatMap((l) => l.weights);
    for (const v of vars) {
      const w = byName.get(v.name);
      if (!w || w.length !== v.tensor.size) throw new DataError(`${where}: the backup does not fit this model (weight '${v.name}' ${w ? 'has another size' : 'is missing'}); remove ${this.backupDir} to start afresh`);
    }
    const optWeights = weights.filter((w) => w.spec.group === 'optimizer');
    if (model.optimizer) setOptimizerState(model, optWeights, where);
    if (model.optimizer && model.optimizer.iterations !== state.iterations) throw new DataError(`${where}: the backup's step counter disagrees with its state`);
    for (const v of vars) v.tensor.backend.write(v.tensor.storage, byName.get(v.name) as Float32Array);
    globalRandom.setState(state.rng.map((x) => (x === null ? NaN : x)));
    this.history = state.history;
    this.restoredEpoch = state.epoch + 1;
    this.pending = { epoch: state.epoch + 1, history: state.history };
  }

  /** Read by fit after onTrainBegin: where to go on from (once). */
  resumeState(): ResumeState | null {
    const p = this.pending;
    this.pending = null;
    return p;
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const model = asModel(this.model, 'backupAndRestore');
    this.history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history.history[k] ??= []).push(v);
    const state: BackupState = {
      epoch, iterations: model.optimizer?.iterations ?? 0, rng: globalRandom.getState().map((x) => (Number.isNaN(x) ? null : x)), history: this.history,
    };
    const a = modelArtifacts(model, { includeOptimizer: !!model.optimizer });
    await writeModelDir(this.latestDir, { ...a, userDefinedMetadata: { cnnkitBackup: state } });
  }

  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    const { rm } = await import('node:fs/promises');
    await rm(this.latestDir, { recursive: true, force: true });
    await rm(asideDir(this.latestDir), { recursive: true, force: true });
  }
}

/** `ck.callbacks` for Node.js: earlyStopping plus modelCheckpoint and backupAndRestore. */
export const callbacks = {
  ...coreCallbacks,
  modelCheckpoint: (args: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(args),
  backupAndRestore: (args: BackupAndRestoreArgs): BackupAndRestore => new BackupAndRestore(args),
};
