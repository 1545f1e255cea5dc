/**
 * Node.js `file://` models: `model.save('file://dir')` writes `dir/model.json` and
 * `dir/group1-shard1of1.bin` atomically; `ck.loadLayersModel('file://dir/model.json')` (or a plain
 * path) reads them with every check of the format. Imported only by the Node.js entry.
 *
 * Atomic save: the files are written into a temporary folder beside `dir` and fsynced; then the old
 * folder is renamed aside, the new one renamed into place, the parent fsynced, and the old one
 * removed. A kill at any moment leaves either the previous save (in `dir`, or in the aside folder
 * that loading and the next save recover) or the complete new one.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, ValueError } from '../errors.js';
import { artifactsFromJson, checkModelJson, MAX_MODEL_JSON_BYTES, modelJsonFor, saveResult } from './handlers.js';
import { registerLoadRouter, registerSaveRouter } from './router.js';
import { WEIGHTS_FILE, type IOHandler, type ModelArtifacts, type SaveResult } from './types.js';
import { checkShardPath, parseJson } from './weights.js';
import { writeFileSynced } from '../util/node-fs.js';

/** Steps of an atomic save, in order; a test hook may fail at any of them. */
export type SaveStep = 'write-json' | 'write-weights' | 'sync-temp' | 'move-old-aside' | 'move-new-in' | 'remove-old';

/** Options of `fileSystem`. */
export interface FileSystemOptions {
  /** Called before each step of a save (tests inject failures here). */
  beforeStep?: (step: SaveStep) => void | Promise<void>;
}

/** `file:///a/b` or `file://a/b` → a path; other strings are taken as paths. */
export function pathFromUrl(url: string): string {
  if (url.startsWith('file:///')) return fileURLToPath(url);
  if (url.startsWith('file://')) return url.slice('file://'.length);
  return url;
}

/** The folder an interrupted save set aside (see the module comment). */
export function asideDir(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.cnnkit-old`);
}

async function fsyncDir(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } catch {
    // Some file systems cannot fsync a folder; the renames are still atomic.
  } finally {
    await h.close();
  }
}

/** Puts back a folder an interrupted save moved aside, when the target is missing. */
async function recoverAside(dir: string): Promise<void> {
  const aside = asideDir(dir);
  if (!existsSync(aside)) return;
  if (!existsSync(dir)) await rename(aside, dir);
  else await rm(aside, { recursive: true, force: true });
}

/** Removes temporary folders of saves whose process has died. */
async function removeStaleTemps(dir: string): Promise<void> {
  const prefix = `.${basename(dir)}.tmp-`;
  for (const e of await readdir(dirname(dir))) {
    if (!e.startsWith(prefix)) continue;
    const pid = Number(e.slice(prefix.length).split('-')[0]);
    let alive = pid === process.pid;
    try {
      if (!alive && pid > 0) alive = process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) await rm(join(dirname(dir), e), { recursive: true, force: true });
  }
}

/** Refuses to replace a folder that holds anything but a model save. */
async function checkReplaceable(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  if (!(await stat(dir)).isDirectory()) throw new ValueError(`save: ${dir} exists and is not a folder`);
  const others = (await readdir(dir)).filter((e) => e !== 'model.json' && !e.endsWith('.bin'));
  if (others.length) throw new ValueError(`save: ${dir} holds files other than a saved model (${others.slice(0, 3).join(', ')}); choose an empty or new folder`);
  return true;
}

/** Writes artifacts into `dir` atomically (see the module comment). */
export async function writeModelDir(dirPath: string, a: ModelArtifacts, options: FileSystemOptions = {}): Promise<SaveResult> {
  const dir = resolve(dirPath);
  const step = async (s: SaveStep): Promise<void> => void (await options.beforeStep?.(s));
  await mkdir(dirname(dir), { recursive: true });
  await recoverAside(dir);
  await removeStaleTemps(dir);
  const hadOld = await checkReplaceable(dir);
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`);
  const aside = asideDir(dir);
  let movedAside = false;
  await mkdir(tmp);
  try {
    await step('write-json');
    writeFileSynced(join(tmp, 'model.json'), new TextEncoder().encode(JSON.stringify(modelJsonFor(a, WEIGHTS_FILE))));
    await step('write-weights');
    writeFileSynced(join(tmp, WEIGHTS_FILE), new Uint8Array(a.weightData ?? new ArrayBuffer(0)));
    await step('sync-temp');
    await fsyncDir(tmp);
    if (hadOld) {
      await step('move-old-aside');
      await rename(dir, aside);
      movedAside = true;
    }
    await step('move-new-in');
    await rename(tmp, dir);
    movedAside = false;
    await fsyncDir(dirname(dir));
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (movedAside && !existsSync(dir)) await rename(aside, dir);
    throw e;
  }
  await step('remove-old');
  await rm(aside, { recursive: true, force: true });
  return saveResult(a);
}

/** Reads a file of at most `max` bytes, naming it in errors. */
async function readLimited(path: string, max: number, what: string): Promise<Uint8Array> {
  let s;
  try {
    s = await stat(path);
  } catch {
    throw new DataError(`${path}: no such ${what}`);
  }
  if (!s.isFile()) throw new DataError(`${path}: the ${what} is not a regular file`);
  if (s.size > max) throw new DataError(`${path}: the ${what} has ${s.size} bytes, more than the ${max} allowed`);
  return new Uint8Array(await readFile(path));
}

/** The model.json a path means: the path itself, or `model.json` in a folder (or in a folder an interrupted save set aside). */
export function modelJsonPath(pathOrDir: string): string {
  let file = resolve(pathOrDir);
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'model.json');
  if (!existsSync(file) && basename(file) === 'model.json' && existsSync(join(asideDir(dirname(file)), 'model.json')))
    file = join(asideDir(dirname(file)), 'model.json'); // a save was interrupted between its two renames
  return file;
}

/** Reads `model.json` (a folder means its model.json) and its shards, with all checks. */
export async function readModelFile(pathOrDir: string): Promise<ModelArtifacts> {
  const file = modelJsonPath(pathOrDir);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await readLimited(file, MAX_MODEL_JSON_BYTES, 'model file'));
  const json = checkModelJson(parseJson(text, file), file);
  const folder = await realpath(dirname(file));
  return artifactsFromJson(json, async (p) => {
    const shard = join(folder, ...checkShardPath(p, file));
    let real: string;
    try {
      real = await realpath(shard);
    } catch {
      throw new DataError(`${file}: weights file '${p}' named in the manifest does not exist (${shard})`);
    }
    if (!real.startsWith(folder + sep)) throw new DataError(`${file}: weights path '${p}' resolves outside the model's folder`);
    return readLimited(real, 2 ** 31 - 1, 'weights file');
  }, file);
}

/** A handler for a model folder (save) or model.json file (load) on disk (tfjs-node `tf.io.fileSystem`). */
export function fileSystem(path: string, options: FileSystemOptions = {}): IOHandler & { source: string } {
  const p = pathFromUrl(path);
  const h = {
    source: p,
    save: (a: ModelArtifacts) => writeModelDir(p, a, options),
    load: () => {
      h.source = modelJsonPath(p); // errors about the contents name the file read
      return readModelFile(p);
    },
  };
  return h;
}

registerSaveRouter((url) => (url.startsWith('file://') ? fileSystem(url) : null));
registerLoadRouter((url) => (url.startsWith('file://') || !/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(url) ? fileSystem(url) : null));
