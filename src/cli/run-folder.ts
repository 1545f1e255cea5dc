/**
 * The output folder of `cnnkit tutorial` as a unit of work: one run at a time (a lock), leftovers
 * of killed runs removed, and `--resume` allowed only from a backup written with the same options
 * and data (otherwise two runs would be mixed in one history).
 */
import { createHash } from 'node:crypto';
import { ValueError } from '../errors.js';
import { inspectBackup, runConfigDifferences, type RunConfig, type RunConfigDifference } from '../io/checkpoint.js';
import { lockFolder, type FolderLock } from '../util/lock.js';
import { makeDirs, removeDirAtomic, removeStaleTemps } from '../util/node-fs.js';
import type { Io } from './common.js';

/** Creates and locks the output folder, and removes what killed runs left in it. */
export async function openRunFolder(io: Io, outDir: string, label: string, command = 'cnnkit tutorial'): Promise<FolderLock> {
  await makeDirs(outDir, label);
  const lock = await lockFolder(outDir, command, label);
  try {
    if (lock.replaced) io.out(`Took over the lock of an earlier run that ended without releasing it (pid ${lock.replaced.pid}, since ${lock.replaced.since})\n`);
    await removeStaleTemps(outDir);
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Images and labels of one split. */
interface SplitData {
  count: number;
  images: Uint8Array;
  labels: Uint8Array | Int32Array;
}

/**
 * A short fingerprint of the images and labels a run trains and validates on (and, when given, of
 * the class names the labels stand for).
 */
export function dataFingerprint(data: { train: SplitData; test: SplitData }, classNames?: readonly string[]): string {
  const h = createHash('sha256');
  for (const split of [data.train, data.test]) {
    h.update(Uint32Array.of(split.count));
    h.update(split.images);
    h.update(split.labels);
  }
  if (classNames) h.update(JSON.stringify(classNames));
  return `sha256:${h.digest('hex').slice(0, 16)}`;
}

/** The command-line option each run setting comes from. */
const OPTION: Record<string, string> = {
  epochs: '--epochs', batchSize: '--batch-size', limit: '--limit', seed: '--seed', data: '--data', recipe: '--recipe', imageSize: '--image-size',
  validationSplit: '--validation-split', drawnSeed: 'the seed drawn without --seed:',
};

function describeDifference(d: RunConfigDifference): string {
  const show = (v: unknown) => (v === undefined ? 'not recorded' : v === null ? 'not given' : String(v));
  if (d.key === 'drawnSeed') return `${OPTION.drawnSeed} ${show(d.stored)} in the backup (resume without --seed to go on from it)`;
  if (d.key === 'data') return `--data (other images: ${show(d.stored)} in the backup, ${show(d.given)} now)`;
  return `${OPTION[d.key] ?? d.key} ${show(d.stored)} in the backup, ${show(d.given)} now`;
}

/**
 * Prepares the backup folder for a run. Without `resume` any backup is discarded. With it: no or an
 * incomplete backup starts afresh (saying so); a backup of other options or data is refused with a
 * ValueError listing the differences; a backup of a finished training is said to be one.
 */
export async function prepareBackup(io: Io, backupDir: string, run: RunConfig, resume: boolean): Promise<void> {
  if (!resume) {
    await removeDirAtomic(backupDir);
    return;
  }
  const found = await inspectBackup(backupDir);
  if (found.kind === 'none') {
    io.out(`No backup in ${backupDir} to resume from: starting afresh\n`);
    return;
  }
  if (found.kind === 'incomplete') {
    io.out(`The backup in ${backupDir} is incomplete (${found.reason}, as after an interrupted deletion): starting afresh\n`);
    await removeDirAtomic(backupDir);
    return;
  }
  const diffs = runConfigDifferences(found.run, run);
  if (diffs.length)
    throw new ValueError(`--resume: the backup in ${backupDir} was written by a run with other options: ${diffs.map(describeDifference).join(', ')}. Resume with the same options, or run without --resume to start over (the backup is then discarded)`);
}
