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
import { mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, ValueError } from '../errors.js';
import { artifactsFromJson, MAX_MODEL_JSON_BYTES, modelJsonFor, parseModelJson, saveResult } from './handlers.js';
import { registerLoadRouter, registerSaveRouter } from './router.js';
import { WEIGHTS_FILE, type IOHandler, type ModelArtifacts, type SaveResult } from './types.js';
import { checkShardPath } from './weights.js';
import { doneWithTemp, makeDirs, removeStaleTemps, tempSibling, writeError, writeFileSynced } from '../util/node-fs.js';
import { entryKind, openRegular, readExactly, readRegularFile } from '../util/regular-file.js';

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
  await makeDirs(dirname(dir));
  let hadOld: boolean;
  try {
    await recoverAside(dir);
    await removeStaleTemps(dirname(dir), basename(dir));
    hadOld = await checkReplaceable(dir);
  } catch (e) {
    throw writeError(e, dir, 'save the model');
  }
  const tmp = tempSibling(dir);
  const aside = asideDir(dir);
  let movedAside = false;
  try {
    await mkdir(tmp);
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
    throw writeError(e, dir, 'save the model');
  } finally {
    doneWithTemp(tmp);
  }
  await step('remove-old');
  await rm(aside, { recursive: true, force: true });
  return saveResult(a);
}

/**
 * The model.json a path means: the path itself, or `model.json` in a folder. A folder that an
 * interrupted save set aside (killed between its two renames) stands in for a missing one, whether
 * the path names the folder or its model.json: every reader recovers the same way.
 */
export function modelJsonPath(pathOrDir: string): string {
  const p = resolve(pathOrDir);
  const st = statSync(p, { throwIfNoEntry: false });
  if (st?.isDirectory()) return join(p, 'model.json');
  if (st) return p;
  const dir = basename(p) === 'model.json' ? dirname(p) : p;
  const recovered = join(asideDir(dir), 'model.json');
  if (existsSync(recovered)) return recovered;
  return basename(p) === 'model.json' || p.endsWith('.json') ? p : join(p, 'model.json');
}

/** The shard `p` of the manifest of `file` (in `folder`, its real path): a regular file inside the folder. */
async function shardFile(folder: string, p: string, file: string): Promise<string> {
  const shard = join(folder, ...checkShardPath(p, file));
  let real: string;
  try {
    real = await realpath(shard);
  } catch {
    throw new DataError(`${file}: weights file '${p}' named in the manifest does not exist (${shard})`);
  }
  if (!real.startsWith(folder + sep)) throw new DataError(`${file}: weights path '${p}' resolves outside the model's folder`);
  return real;
}

/**
 * Reads `model.json` (a folder means its model.json) and its shards, with all checks. Only regular
 * files are read; shard sizes are compared with the manifest before a byte of them is read.
 */
export async function readModelFile(pathOrDir: string): Promise<ModelArtifacts> {
  const file = modelJsonPath(pathOrDir);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await readRegularFile(file, 'model file', MAX_MODEL_JSON_BYTES));
  const json = parseModelJson(text, file);
  const folder = await realpath(dirname(file));
  return artifactsFromJson(json, {
    size: async (p) => {
      const real = await shardFile(folder, p, file);
      const st = await stat(real);
      if (!st.isFile()) throw new DataError(`${file}: weights file '${p}' is a ${entryKind(st)}, not a regular file`);
      return st.size;
    },
    read: async (p, into) => {
      const real = await shardFile(folder, p, file);
      const f = await openRegular(real, 'weights file');
      try {
        if (f.size !== into.byteLength) throw new DataError(`${real}: the weights file changed size while the model was read (${into.byteLength} then ${f.size} bytes)`);
        await readExactly(f, into, real, 'weights file');
      } finally {
        await f.handle.close();
      }
    },
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
