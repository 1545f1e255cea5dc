/**
 * Atomic file writing for Node.js, shared by the model files, the ONNX export and the CLI outputs:
 * a temporary file beside the target, written fully and fsynced, then renamed over it. A kill at
 * any moment leaves either the old file or the new one, never a torn one; the temporary names
 * carry the writer's pid, so the next writer removes what a killed one left behind.
 *
 * Errors of the file system become one-line messages that name the path, say what went wrong in
 * words and what to do (a ValueError: the destination is what the caller chose).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ValueError } from '../errors.js';

/** What an errno code means, in words, and what the user can do about it. */
const CAUSES: Record<string, [string, string]> = {
  ENOSPC: ['no space left on the device', 'free some space or choose another folder'],
  EDQUOT: ['the disk quota is used up', 'free some space or choose another folder'],
  EROFS: ['the file system is read-only', 'choose a writable folder'],
  EACCES: ['permission denied', 'choose a folder you may write to, or change its permissions'],
  EPERM: ['operation not permitted', 'choose a folder you may write to, or change its permissions'],
  ENOENT: ['a folder on its path does not exist or was removed meanwhile', 'check the path'],
  ENOTDIR: ['a part of its path is a file, not a folder', 'check the path'],
  EISDIR: ['it is a folder', 'give a file name'],
  EEXIST: ['something already exists there', 'remove it or choose another name'],
  EMFILE: ['too many open files', 'close other programs or raise the limit (ulimit -n)'],
  ENFILE: ['too many open files in the system', 'close other programs'],
  EIO: ['an input/output error from the device', 'check the disk'],
  ELOOP: ['too many levels of symbolic links', 'check the path'],
  ENAMETOOLONG: ['the name is too long', 'choose a shorter path'],
  EBUSY: ['it is in use by the system', 'choose another folder'],
  EFBIG: ['the file is too large for the file system', 'choose another folder'],
};

/** `(what went wrong, CODE); what to do`, for an error thrown by `node:fs`. */
export function fsCause(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  const known = CAUSES[code];
  if (known) return `(${known[0]}, ${code}); ${known[1]}`;
  const msg = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '').split(',')[0] : String(e);
  return `(${msg}${code ? `, ${code}` : ''})`;
}

/** A ValueError `${path}: cannot ${action} (cause, CODE); what to do`; typed errors pass through. */
export function writeError(e: unknown, path: string, action: string): Error {
  if (e instanceof ValueError || (e instanceof Error && !(e as NodeJS.ErrnoException).code)) return e as Error;
  return new ValueError(`${path}: cannot ${action} ${fsCause(e)}`);
}

/**
 * Creates `path` and its missing parents, one level at a time (Node's recursive mkdir spins
 * forever on file systems such as /proc that refuse to create folders). Every failure is a
 * ValueError naming the folder; `label` (e.g. `--out x`) starts the message when given.
 */
export async function makeDirs(path: string, label?: string): Promise<void> {
  const target = resolve(path);
  const where = (p: string) => (!label ? p : p === target ? label : `${label}: ${p}`);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if ((await stat(p)).isDirectory()) break;
      throw new ValueError(`${where(p)}: exists and is not a folder; choose another path`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) throw writeError(e, where(p), 'use the folder');
      missing.push(p);
    }
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(p).catch(() => null))?.isDirectory()) continue;
      if (code === 'ENOENT') throw new ValueError(`${where(p)}: cannot create the folder (the file system at ${dirname(p)} does not allow it, ENOENT); choose another folder`);
      throw writeError(e, where(p), 'create the folder');
    }
  }
}

const TEMP = /^\.(.+)\.tmp-(\d+)-[0-9a-z]+$/;
/** Temporary names this process created and still uses (a stale one of a dead process with our pid is not among them). */
const ourTemps = new Set<string>();

/** A fresh hidden name beside `path` for its temporary file or folder; {@link doneWithTemp} when it is gone. */
export function tempSibling(path: string): string {
  const p = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  ourTemps.add(p);
  return p;
}

/** Forgets a temporary name of {@link tempSibling} (renamed into place or removed). */
export function doneWithTemp(path: string): void {
  ourTemps.delete(path);
}

/** Start time of a process (Linux: clock ticks since boot, from /proc), or null where unknown. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` is running (and, when `start` is known, is the one that started then). */
export function processAlive(pid: number, start?: number | null): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined || start === null) return true;
  const now = processStart(pid);
  return now === null || now === start;
}

/**
 * Removes temporary files and folders left in `dir` by writers that died (their pid is not
 * running, or is ours but the name is not one this process uses). With `of`, only those of the
 * entry named `of`. Returns the names removed.
 */
export async function removeStaleTemps(dir: string, of?: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m || (of !== undefined && m[1] !== of)) continue;
    const pid = Number(m[2]);
    const path = join(dir, name);
    if (pid === process.pid ? ourTemps.has(path) : processAlive(pid)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Creates `path` (which must not exist), writes all of `data` and fsyncs it. */
export function writeFileSynced(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    let off = 0;
    while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` atomically, creating the parent folders; removes stale temporaries of `path` first. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = resolve(path);
  await makeDirs(dirname(target));
  await removeStaleTemps(dirname(target), basename(target));
  const tmp = tempSibling(target);
  try {
    writeFileSynced(tmp, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(e, target, 'write the file');
  } finally {
    doneWithTemp(tmp);
  }
}

/**
 * Removes a folder so that a kill at any moment leaves it whole or gone, never half-deleted: it
 * is renamed to a temporary name first (one atomic step), then deleted. Missing is fine.
 */
export async function removeDirAtomic(dir: string): Promise<void> {
  const target = resolve(dir);
  const trash = tempSibling(target);
  try {
    await rename(target, trash);
  } catch (e) {
    doneWithTemp(trash);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw writeError(e, target, 'remove the folder');
  }
  try {
    await rm(trash, { recursive: true, force: true });
  } finally {
    doneWithTemp(trash);
  }
}
