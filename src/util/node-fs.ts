/**
 * Atomic file writing for Node.js, shared by the model files, the ONNX export and the CLI outputs:
 * a temporary file beside the target, written fully and fsynced, then renamed over it. A kill at
 * any moment leaves either the old file or the new one, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A fresh hidden name beside `path` for its temporary file or folder. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
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

/** Writes `data` to `path` atomically, creating the parent folders. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempSibling(target);
  try {
    writeFileSynced(tmp, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
