/** Node-only: a {@link FolderReader} over the file system (entries as `lstat` sees them). */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import type { FileFacts, FolderEntry, FolderReader } from './image-folder.js';

function failure(shown: string, e: unknown): DataError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new DataError(`${shown}: no such folder`);
  if (err.code === 'ENOTDIR') return new DataError(`${shown}: not a folder`);
  return new DataError(`${shown}: cannot read (${err.code ?? err.message})`);
}

/** Reads the tree at `root`; `shown` is how the root is named in messages. */
export function nodeFolderReader(root: string, shown: string): FolderReader {
  const abs = (p: string): string => (p === '' ? root : join(root, p));
  const named = (p: string): string => (p === '' ? shown : join(shown, p));
  return {
    async list(path: string): Promise<FolderEntry[]> {
      try {
        const entries = await readdir(abs(path), { withFileTypes: true });
        return entries.map((e) => ({
          name: e.name,
          kind: e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'directory' : e.isFile() ? 'file' : 'other',
        }));
      } catch (e) {
        throw failure(named(path), e);
      }
    },
    async stat(path: string, follow: boolean): Promise<FileFacts> {
      try {
        const st = follow ? await stat(abs(path)) : await lstat(abs(path));
        return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other', size: st.size, mtimeMs: st.mtimeMs };
      } catch (e) {
        throw failure(named(path), e);
      }
    },
  };
}
