/**
 * Reading files that may be hostile: only regular files are read (a FIFO would block forever and a
 * device such as /dev/zero never ends), sizes come from the open file's `fstat` and are checked
 * before a byte is read, and no more bytes than asked for are read. Faults are DataErrors naming
 * the path and what it was expected to be.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { fsCause } from './node-fs.js';

/** What a file-system entry is, in words ('folder', 'FIFO', 'character device', ...). */
export function entryKind(st: Stats): string {
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'folder';
  if (st.isFIFO()) return 'FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  if (st.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** The message for a path that cannot be opened. */
function openError(e: unknown, path: string, what: string): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DataError(`${path}: no such ${what}`);
  if (code === 'ENOTDIR') return new DataError(`${path}: no such ${what} (a part of the path is a file, not a folder)`);
  return new DataError(`${path}: cannot open the ${what} ${fsCause(e)}`);
}

/** An open regular file and its size at opening. */
export interface RegularFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens a regular file for reading without blocking on FIFOs, and checks its type and size from
 * the open handle. `what` names the file's role in messages ('model file', 'image').
 * @throws DataError for a missing path, a folder, FIFO or device, or a size over `maxBytes`
 */
export async function openRegular(path: string, what: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<RegularFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(e, path, what);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new DataError(`${path}: is a ${entryKind(st)}, not a regular file; expected ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`);
    if (st.size > maxBytes) throw new DataError(`${path}: the ${what} has ${st.size} bytes, more than the ${maxBytes} allowed`);
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Reads exactly `into.byteLength` bytes from the start of an open file; a file that became shorter
 * is a DataError.
 */
export async function readExactly(f: RegularFile, into: Uint8Array, path: string, what: string): Promise<void> {
  let off = 0;
  while (off < into.byteLength) {
    const { bytesRead } = await f.handle.read(into, off, into.byteLength - off, off);
    if (bytesRead === 0) throw new DataError(`${path}: the ${what} ended after ${off} bytes while being read (it had ${f.size}); was it changed meanwhile?`);
    off += bytesRead;
  }
}

/** Reads a whole regular file of at most `maxBytes` bytes (see {@link openRegular}). */
export async function readRegularFile(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  const f = await openRegular(path, what, maxBytes);
  try {
    const out = new Uint8Array(f.size);
    await readExactly(f, out, path, what);
    return out;
  } finally {
    await f.handle.close();
  }
}
