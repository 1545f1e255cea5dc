/**
 * Checkpoint callbacks (Keras `ModelCheckpoint`, `BackupAndRestore`), saving through the atomic
 * `file://` writer, and `ck.callbacks` for Node.js (the core callbacks plus these two).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataError, StateError, ValueError } from '../errors.js';
import { Callback, callbacks as coreCallbacks, type CallbackHooks, type CallbackModel, type Logs } from '../models/callbacks.js';
import type { LayersModel } from '../models/model.js';
import type { ResumeState } from '../models/training.js';
import { globalRandom } from '../tensor/random.js';
import { removeDirAtomic, removeStaleTemps } from '../util/node-fs.js';
import { readRegularFile } from '../util/regular-file.js';
import { MAX_MODEL_JSON_BYTES, parseModelJson } from './handlers.js';
import { asideDir, modelJsonPath, pathFromUrl, readModelFile, writeModelDir } from './node-file.js';
import { setOptimizerState } from './load.js';
import { modelArtifacts, type SlotForm } from './save.js';
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
    await writeModelDir(path, await modelArtifacts(model, { includeOptimizer: this.includeOptimizer && !!model.optimizer }));
    this.saved.push(resolve(path));
  }
}

/** Settings of a run stored with its backup (plain JSON values), e.g. epochs, batch size, seed, a fingerprint of the data. */
export type RunConfig = Record<string, string | number | boolean | null>;

/** Options of `ck.callbacks.backupAndRestore`. */
export interface BackupAndRestoreArgs {
  /** Folder for the backup (created if needed). */
  backupDir: string;
  /** Remove the backup when training ends normally (default true, as Keras). */
  deleteCheckpoint?: boolean;
  /**
   * The run's settings, stored with every backup. Restoring a backup stored with other settings
   * (or none) is refused with a {@link BackupMismatchError} listing the differences, so that two
   * different runs are never mixed.
   */
  runConfig?: RunConfig;
}

/** What a backup keeps besides the weights (in model.json's userDefinedMetadata). */
interface BackupState {
  epoch: number;
  iterations: number;
  rng: (number | null)[];
  history: ResumeState['history'];
  run?: RunConfig;
  /** 'raw': optimizer slots as cnnkit holds them (older backups: tfjs's form). */
  slots?: SlotForm;
}

/** A setting whose value in a backup differs from the run's (`stored` is undefined when the backup does not record it). */
export interface RunConfigDifference {
  key: string;
  stored: RunConfig[string] | undefined;
  given: RunConfig[string] | undefined;
}

/** The settings that differ between a backup's `stored` run config and the `given` one. */
export function runConfigDifferences(stored: RunConfig | null | undefined, given: RunConfig): RunConfigDifference[] {
  const keys = [...new Set([...Object.keys(given), ...Object.keys(stored ?? {})])];
  return keys.filter((key) => stored?.[key] !== given[key]).map((key) => ({ key, stored: stored?.[key], given: given[key] }));
}

/** A backup was written by a run with other settings (see {@link BackupAndRestoreArgs.runConfig}). */
export class BackupMismatchError extends ValueError {
  override name = 'BackupMismatchError';
  constructor(message: string, readonly backupDir: string, readonly differences: RunConfigDifference[]) {
    super(message);
  }
}

/** What a backup folder holds: nothing, an incomplete backup (read as none), or a backup of `epoch` (0-based). */
export type BackupStatus =
  | { kind: 'none' }
  | { kind: 'incomplete'; reason: string }
  | { kind: 'found'; file: string; epoch: number; run: RunConfig | null };

function backupState(json: { userDefinedMetadata?: Record<string, unknown> }, where: string): BackupState {
  const state = json.userDefinedMetadata?.cnnkitBackup as BackupState | undefined;
  if (!state || !Number.isInteger(state.epoch) || !Array.isArray(state.rng) || typeof state.history !== 'object' || state.history === null)
    throw new DataError(`${where}: not a backup written by backupAndRestore (no backup state)`);
  return state;
}

/**
 * Looks at the backup in `backupDir` without loading its weights. A save interrupted between its
 * renames counts as the previous backup; a backup whose deletion was interrupted (its model.json
 * or a weights file gone) is `incomplete`, and a run starts afresh from it.
 * @throws DataError when the files are there but are not a backup
 */
export async function inspectBackup(backupDir: string): Promise<BackupStatus> {
  const latest = join(resolve(pathFromUrl(backupDir)), 'latest');
  const file = modelJsonPath(latest);
  if (!existsSync(file)) {
    if (!existsSync(latest)) return { kind: 'none' };
    return { kind: 'incomplete', reason: `${latest} holds no model.json` };
  }
  const json = parseModelJson(new TextDecoder().decode(await readRegularFile(file, 'backup file', MAX_MODEL_JSON_BYTES)), file);
  const state = backupState(json, file);
  const lost = json.weightsManifest.flatMap((g) => g.paths).find((p) => !existsSync(join(dirname(file), p)));
  if (lost !== undefined) return { kind: 'incomplete', reason: `its weights file ${join(dirname(file), lost)} is gone` };
  return { kind: 'found', file, epoch: state.epoch, run: state.run ?? null };
}

/**
 * Backs up the run at each epoch's end (weights, optimizer state and step counter, random
 * generator state, epoch, history, and the run's settings) atomically; when training starts and a
 * backup exists, restores it all and fit goes on with the next epoch (Keras BackupAndRestore). A
 * backup whose last epoch is the run's last makes fit go straight to its end.
 */
export class BackupAndRestore extends Callback implements CallbackHooks {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  readonly runConfig: RunConfig | undefined;
  private history: ResumeState['history'] = { epoch: [], history: {} };
  private pending: ResumeState | null = null;
  /** The epoch a restore went on from, or -1 when training started afresh. */
  restoredEpoch = -1;
  /** Why a backup found when training began was not used (an interrupted deletion), else null. */
  discarded: string | null = null;

  constructor({ backupDir, deleteCheckpoint = true, runConfig }: BackupAndRestoreArgs) {
    super();
    if (typeof backupDir !== 'string' || backupDir === '') throw new ValueError(`backupAndRestore: backupDir must be a folder path. Received ${JSON.stringify(backupDir)}`);
    if (runConfig !== undefined && (typeof runConfig !== 'object' || runConfig === null || Object.values(runConfig).some((v) => v !== null && !['string', 'number', 'boolean'].includes(typeof v))))
      throw new ValueError(`backupAndRestore: runConfig must map names to strings, numbers, booleans or null. Received ${JSON.stringify(runConfig)}`);
    this.backupDir = resolve(pathFromUrl(backupDir));
    this.deleteCheckpoint = deleteCheckpoint;
    this.runConfig = runConfig === undefined ? undefined : { ...runConfig };
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
    this.discarded = null;
    const found = await inspectBackup(this.backupDir);
    if (found.kind === 'incomplete') this.discarded = `the backup in ${this.backupDir} is incomplete (${found.reason}, as after an interrupted deletion)`;
    if (found.kind !== 'found') return;
    const where = found.file;
    if (this.runConfig) {
      const diffs = runConfigDifferences(found.run, this.runConfig);
      if (diffs.length)
        throw new BackupMismatchError(`${where}: the backup was written by a run with other settings (${diffs.map((d) => `${d.key}: ${JSON.stringify(d.stored ?? null)} in the backup, ${JSON.stringify(d.given ?? null)} now`).join('; ')}); use the same settings, or remove ${this.backupDir} to start afresh`, this.backupDir, diffs);
    }
    const a = await readModelFile(where);
    const state = backupState(a, where);
    const weights = decodeWeights(a.weightSpecs ?? [], a.weightData ?? new ArrayBuffer(0), where);
    const byName = new Map(weights.map((w) => [w.spec.name, w.values]));
    const vars = model.layers.flatMap((l) => l.weights);
    for (const v of vars) {
      const w = byName.get(v.name);
      if (!w || w.length !== v.tensor.size) throw new DataError(`${where}: the backup does not fit this model (weight '${v.name}' ${w ? 'has another size' : 'is missing'}); remove ${this.backupDir} to start afresh`);
    }
    const optWeights = weights.filter((w) => w.spec.group === 'optimizer');
    if (model.optimizer) setOptimizerState(model, optWeights, where, state.slots === 'raw' ? 'raw' : 'tfjs');
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
      epoch, iterations: model.optimizer?.iterations ?? 0, rng: globalRandom.getState().map((x) => (Number.isNaN(x) ? null : x)), history: this.history, slots: 'raw',
      ...(this.runConfig ? { run: this.runConfig } : {}),
    };
    const a = await modelArtifacts(model, { includeOptimizer: !!model.optimizer }, 'raw');
    await writeModelDir(this.latestDir, { ...a, userDefinedMetadata: { cnnkitBackup: state } });
  }

  /** Removes the backup (each folder renamed away first, so a kill leaves it whole or gone) when `deleteCheckpoint`. */
  async onTrainEnd(): Promise<void> {
    if (!this.deleteCheckpoint) return;
    await removeDirAtomic(asideDir(this.latestDir));
    await removeDirAtomic(this.latestDir);
    await removeStaleTemps(this.backupDir);
  }
}

/** `ck.callbacks` for Node.js: earlyStopping plus modelCheckpoint and backupAndRestore. */
export const callbacks = {
  ...coreCallbacks,
  modelCheckpoint: (args: ModelCheckpointArgs): ModelCheckpoint => new ModelCheckpoint(args),
  backupAndRestore: (args: BackupAndRestoreArgs): BackupAndRestore => new BackupAndRestore(args),
};
