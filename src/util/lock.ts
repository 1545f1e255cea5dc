/**
 * One writer per folder: an exclusive lock file (`.cnnkit.lock`) holding the owner's pid, host,
 * process start and start time. It appears atomically (written in full under a temporary name,
 * then hard-linked into place, which fails if a lock exists). A lock whose process is gone (same
 * host, pid not running or running a different process) is stale and taken over; a live one, or
 * one from another host, is refused with a message naming its owner. Locks are released on
 * `release()`, at exit, and on SIGINT/SIGTERM/SIGHUP (a SIGKILL leaves a stale lock behind).
 */
import { linkSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { doneWithTemp, fsCause, processAlive, processStart, tempSibling, writeError, writeFileSynced } from './node-fs.js';

/** Name of the lock file inside a locked folder. */
export const LOCK_FILE = '.cnnkit.lock';

/** What a lock file records. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Process start (Linux clock ticks since boot), telling a reused pid apart; null elsewhere. */
  processStart: number | null;
  /** ISO time the lock was taken. */
  since: string;
  /** What holds it, e.g. `cnnkit tutorial`. */
  purpose: string;
}

/** A held lock. */
export interface FolderLock {
  readonly path: string;
  /** The stale lock this one replaced (its process had died), if any. */
  readonly replaced: LockOwner | null;
  /** Removes the lock file (idempotent). */
  release(): void;
}

const held = new Map<string, string>(); // lock path -> our lock file's text
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function releaseAll(): void {
  for (const [path, text] of held) releaseFile(path, text);
  held.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  releaseAll();
  uninstall();
  process.kill(process.pid, signal); // the default action now: end as the signal says
}

function install(): void {
  process.on('exit', releaseAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', releaseAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Removes the lock file if it is still ours. */
function releaseFile(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function readOwner(path: string): LockOwner | null | 'gone' {
  let text: string;
  try {
    if (statSync(path).size > 4096) return null;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw writeError(e, path, 'read the lock file');
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isSafeInteger(o.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

function describe(o: LockOwner): string {
  return `pid ${o.pid}${o.host === hostname() ? '' : ` on host ${o.host}`}, ${o.purpose}, since ${o.since}`;
}

function isStale(o: LockOwner): boolean {
  if (o.host !== hostname()) return false; // cannot tell: refused
  if (o.pid === process.pid) return true; // not a lock this process holds (checked first): an earlier process with our pid
  return !processAlive(o.pid, o.processStart);
}

/** Removes a stale lock unless another process replaced it meanwhile (guarded by a second exclusive file). */
function takeOver(path: string, stale: LockOwner): void {
  const guard = `${path}.takeover`;
  try {
    writeFileSynced(guard, new TextEncoder().encode(String(process.pid)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(e, guard, 'create the file');
    // Another process is taking over; a guard older than 10 s belongs to one that died doing so.
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) unlinkSync(guard);
    } catch {
      // Gone already.
    }
    return;
  }
  try {
    const now = readOwner(path);
    if (now !== 'gone' && now !== null && now.pid === stale.pid && now.since === stale.since) unlinkSync(path);
  } finally {
    unlinkSync(guard);
  }
}

/**
 * Takes the lock of folder `dir` (which must exist) for `purpose`. `label` starts the messages
 * (e.g. `--out run1`).
 * @throws ValueError when another live process holds it, or it cannot be told whether it does
 */
export async function lockFolder(dir: string, purpose: string, label = dir): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), processStart: processStart(process.pid), since: new Date().toISOString(), purpose };
  const text = `${JSON.stringify(me)}\n`;
  const tmp = tempSibling(path);
  let replaced: LockOwner | null = null;
  try {
    writeFileSynced(tmp, new TextEncoder().encode(text));
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ValueError(`${label}: cannot take the lock ${path} ${fsCause(e)}`);
      }
      const owner = readOwner(path);
      if (owner === 'gone') continue;
      const fix = `if no cnnkit run is using ${dir}, delete ${path}`;
      if (owner === null) throw new ValueError(`${label}: ${dir} is locked by ${path}, which cnnkit cannot read; ${fix}`);
      if (held.get(path) !== undefined || !isStale(owner))
        throw new ValueError(`${label}: another run (${describe(owner)}) is writing to ${dir}; wait for it to end or choose another folder${owner.host === hostname() ? '' : `; ${fix}`}`);
      if (attempt > 200) throw new ValueError(`${label}: cannot take over the stale lock ${path} (other processes keep taking it); ${fix}`);
      replaced = owner;
      takeOver(path, owner);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20));
    }
  } catch (e) {
    throw writeError(e, path, 'create the lock file');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Not created.
    }
    doneWithTemp(tmp);
  }
  if (held.size === 0) install();
  held.set(path, text);
  return {
    path,
    replaced,
    release(): void {
      if (held.get(path) !== text) return;
      held.delete(path);
      releaseFile(path, text);
      if (held.size === 0) uninstall();
    },
  };
}
