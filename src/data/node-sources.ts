/**
 * Node-only: where CIFAR-10 is looked for, in order — an explicit path, `CNNKIT_DATA`, the cnnkit
 * cache folder, the Keras cache — and how a path (archive file or folder) is resolved to data.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { entryKind } from '../util/regular-file.js';
import { FORMAT_FOLDERS } from './format.js';
import { folderFormat } from './node-read.js';
import { CIFAR10_ARCHIVE_NAME, type LoadOptions } from './options.js';

/** A resolved source: an archive file or an extracted batch folder. */
export interface Cifar10Source {
  kind: 'archive' | 'folder';
  path: string;
  /** Where it was found: `path option`, `CNNKIT_DATA`, `cache` or `Keras cache`. */
  origin: string;
}

/** A place that is searched, in order. */
export interface SearchPlace {
  origin: string;
  path: string;
  /** Explicit places (option, environment variable) must hold data; others may be empty. */
  required: boolean;
}

/** Archive names recognised inside a folder, in order of preference. */
const ARCHIVE_NAMES = [CIFAR10_ARCHIVE_NAME, 'cifar-10-python.tar.gz'];

function envOf(options: LoadOptions): Record<string, string | undefined> {
  return options.env ?? process.env;
}

function homeOf(env: Record<string, string | undefined>): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** The cnnkit dataset cache folder: `options.cacheDir`, else `$XDG_CACHE_HOME/cnnkit/datasets`, else `~/.cache/cnnkit/datasets`. */
export function cacheFolder(options: LoadOptions = {}): string {
  if (options.cacheDir) return resolve(options.cacheDir);
  const env = envOf(options);
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homeOf(env), '.cache');
  return join(base, 'cnnkit', 'datasets');
}

/** The Keras cache folder of the python version: `$KERAS_HOME/datasets/cifar-10-batches-py`, else `~/.keras/datasets/...`. */
export function kerasFolder(options: LoadOptions = {}): string {
  const env = envOf(options);
  const base = env.KERAS_HOME || join(homeOf(env), '.keras');
  return join(base, 'datasets', FORMAT_FOLDERS.python);
}

/** The places searched, in order. */
export function searchPlaces(options: LoadOptions = {}): SearchPlace[] {
  const env = envOf(options);
  const places: SearchPlace[] = [];
  if (options.path) places.push({ origin: 'path option', path: resolve(options.path), required: true });
  if (env.CNNKIT_DATA) places.push({ origin: 'CNNKIT_DATA', path: resolve(env.CNNKIT_DATA), required: true });
  places.push({ origin: 'cache', path: cacheFolder(options), required: false });
  places.push({ origin: 'Keras cache', path: kerasFolder(options), required: false });
  return places;
}

/** 'file', 'dir', null when nothing is there, or another kind in words ('FIFO (named pipe)', 'character device'). */
async function kindOf(p: string): Promise<string | null> {
  try {
    const st = await stat(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : entryKind(st);
  } catch {
    return null;
  }
}

/**
 * Resolves a path to a source: a file is taken as an archive; a folder is used if it holds batch
 * files, else its `cifar-10-batches-bin` / `cifar-10-batches-py` subfolder, else an archive in it.
 * Returns null when there is nothing usable there.
 */
export async function resolveLocation(p: string, origin: string): Promise<Cifar10Source | null> {
  const kind = await kindOf(p);
  if (kind === 'file') return { kind: 'archive', path: p, origin };
  if (kind !== 'dir') return null;
  if (await folderFormat(p)) return { kind: 'folder', path: p, origin };
  for (const sub of [FORMAT_FOLDERS.binary, FORMAT_FOLDERS.python]) {
    const q = join(p, sub);
    if ((await kindOf(q)) === 'dir' && (await folderFormat(q))) return { kind: 'folder', path: q, origin };
  }
  for (const name of ARCHIVE_NAMES) {
    const q = join(p, name);
    if ((await kindOf(q)) === 'file') return { kind: 'archive', path: q, origin };
  }
  return null;
}

/**
 * Finds the first source in {@link searchPlaces} order. An explicit place (path option or
 * `CNNKIT_DATA`) that holds nothing usable is an error rather than skipped.
 * @returns the source, or null when no place holds data
 */
export async function findSource(options: LoadOptions = {}): Promise<Cifar10Source | null> {
  for (const place of searchPlaces(options)) {
    const found = await resolveLocation(place.path, place.origin);
    if (found) return found;
    if (place.required) {
      const kind = await kindOf(place.path);
      const what = kind === null ? 'does not exist' : kind === 'dir' ? 'holds no CIFAR-10 data' : `is a ${kind}, neither an archive file nor a folder`;
      throw new DataError(
        `${place.path} (${place.origin}): ${what} (expected ${CIFAR10_ARCHIVE_NAME}, an extracted ${FORMAT_FOLDERS.binary} or ${FORMAT_FOLDERS.python} folder, or a folder containing one)`,
      );
    }
  }
  return null;
}
