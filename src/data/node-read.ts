/**
 * Node-only: reading CIFAR-10 from an archive file or an extracted folder on disk. Archives are
 * streamed (file -> zlib gunzip -> tar parser -> records), so peak memory is the dataset itself
 * plus a few megabytes of buffers.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { Cifar10TarParser } from './archive.js';
import { type Cifar10Data, type Cifar10Format, Cifar10Collector, batchFileNames } from './format.js';
import type { LoadProgress } from './options.js';
import { readPythonBatch } from './python-batch.js';
import { MAX_ARCHIVE_BYTES, MAX_PICKLE_BYTES } from './archive.js';
import { entryKind, openRegular, readRegularFile, type RegularFile } from '../util/regular-file.js';

const CHUNK = 1 << 20;

function ioError(file: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  const err = e as NodeJS.ErrnoException;
  return new DataError(`${file}: cannot read (${err.code ?? ''}${err.code ? ': ' : ''}${err.message ?? String(e)})`);
}

/**
 * Reads `cifar-10-binary.tar.gz` or `cifar-10-python.tar.gz` (or the plain `.tar`) from disk. The
 * file is opened once, as a regular file (a FIFO or a device is refused, not read from forever),
 * and read up to the size it had then.
 * @throws DataError naming the file and the fault
 */
export async function readArchiveFile(file: string, onProgress?: (p: LoadProgress) => void): Promise<Cifar10Data> {
  const f = await openRegular(file, 'CIFAR-10 archive');
  try {
    return await readOpenArchive(f, file, onProgress);
  } finally {
    await f.handle.close();
  }
}

async function readOpenArchive(f: RegularFile, file: string, onProgress?: (p: LoadProgress) => void): Promise<Cifar10Data> {
  const total = f.size;
  const head = new Uint8Array(2);
  try {
    await f.handle.read(head, 0, 2, 0);
  } catch (e) {
    throw ioError(file, e);
  }
  const gz = total >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gz && total < 512) throw new DataError(`${file}: not a gzip or tar archive (${total} bytes)`);
  const parser = new Cifar10TarParser(file);
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onProgress?.({ phase: 'read', done, total });
      cb(null, chunk);
    },
  });
  // A content fault (bad label, bad size) in a gzip stream may really be gzip corruption that the
  // CRC check at the end would reveal, so after one the stream is drained to tell the two apart
  // (up to the most an archive may expand to).
  let parseError: unknown = null;
  let drained = 0;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      if (parseError) {
        // Drained only as far as an archive may expand.
        drained += chunk.length;
        if (parser.received + drained > MAX_ARCHIVE_BYTES) throw parseError;
        continue;
      }
      try {
        parser.push(chunk);
      } catch (e) {
        parseError = e;
        if (!gz) throw e;
      }
    }
  };
  try {
    const input = f.handle.createReadStream({ highWaterMark: CHUNK, start: 0, end: total - 1, autoClose: false });
    if (gz) await pipeline(input, counter, createGunzip({ chunkSize: CHUNK }), sink);
    else await pipeline(input, counter, sink);
  } catch (e) {
    if (e === parseError) throw e;
    const err = e as NodeJS.ErrnoException;
    const also = parseError instanceof Error ? `; reading it gave: ${parseError.message}` : '';
    if (err.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message ?? '')) {
      throw new DataError(`${file}: truncated gzip stream (the file ends after ${total} bytes, inside the compressed data${also})`);
    }
    if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
      throw new DataError(`${file}: corrupt gzip data (${err.message}${also})`);
    }
    // pipeline() reports a failing destination as an AbortError; keep the parser's own error.
    if (parseError) throw parseError;
    if (e instanceof DataError) throw e;
    throw ioError(file, e);
  }
  if (parseError) throw parseError;
  return parser.finish();
}

/** Which format an extracted folder holds, judged by its file names; null when neither. */
export async function folderFormat(dir: string): Promise<Cifar10Format | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const has = (n: string): boolean => names.includes(n);
  if (has('data_batch_1.bin') || has('test_batch.bin')) return 'binary';
  if (has('data_batch_1') || has('test_batch')) return 'python';
  return null;
}

/**
 * Reads an extracted `cifar-10-batches-bin` or `cifar-10-batches-py` folder.
 * @throws DataError naming the folder or file and the fault (missing file, bad size, bad label, bad pickle)
 */
export async function readBatchFolder(dir: string, onProgress?: (p: LoadProgress) => void): Promise<Cifar10Data> {
  const format = await folderFormat(dir);
  if (!format) throw new DataError(`${dir}: no CIFAR-10 batches found (expected data_batch_1..5 and test_batch, with .bin for the binary version)`);
  const files = batchFileNames(format).map((f) => ({ ...f, path: join(dir, f.name) }));
  const sizes: number[] = [];
  const missing: string[] = [];
  for (const f of files) {
    const st = await stat(f.path).catch(() => null);
    if (st && !st.isFile()) throw new DataError(`${f.path}: is a ${entryKind(st)}, expected the batch file ${f.name}`);
    if (!st) missing.push(f.name);
    sizes.push(st?.size ?? 0);
  }
  if (missing.length) throw new DataError(`${dir}: missing ${missing.length > 1 ? 'files' : 'file'} ${missing.join(', ')}`);
  const total = sizes.reduce((a, b) => a + b, 0);
  const collector = new Cifar10Collector(dir);
  collector.wants(files[0].id);
  let done = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    try {
      if (format === 'binary') {
        const file = await openRegular(f.path, 'CIFAR-10 batch');
        try {
          const writer = collector.beginBinary(f.id, file.size, f.path);
          for await (const chunk of file.handle.createReadStream({ highWaterMark: CHUNK, start: 0, end: Math.max(0, file.size - 1), autoClose: false })) {
            writer.write(chunk as Buffer);
            done += (chunk as Buffer).length;
            onProgress?.({ phase: 'read', done, total });
          }
          writer.end();
        } finally {
          await file.handle.close();
        }
      } else {
        const bytes = await readRegularFile(f.path, 'CIFAR-10 batch', MAX_PICKLE_BYTES);
        const batch = readPythonBatch(bytes, f.path);
        collector.addPlanar(f.id, batch.data, batch.labels, f.path);
        done += bytes.length;
        onProgress?.({ phase: 'read', done, total });
      }
    } catch (e) {
      throw ioError(f.path, e);
    }
  }
  return collector.finish();
}
