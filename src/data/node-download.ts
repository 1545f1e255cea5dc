/**
 * Node-only: downloading the CIFAR-10 archive into the cache, atomically. Bytes go to a temporary
 * file next to the destination while their md5 is computed; only a complete download with the
 * expected size and md5 is fsynced and renamed to the final name. Any failure removes the
 * temporary file, so the final name never holds a partial or unverified archive.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { makeDirs } from '../util/node-fs.js';
import type { LoadProgress } from './options.js';

/** What {@link downloadArchive} needs. */
export interface DownloadRequest {
  url: string;
  /** Final path of the archive. */
  dest: string;
  expectedMd5: string;
  expectedSize: number;
  fetchImpl: typeof fetch;
  onProgress?: (p: LoadProgress) => void;
}

function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  const c = cause instanceof Error ? cause.message : cause ? String(cause) : '';
  return c && c !== e.message ? `${e.message}: ${c}` : e.message;
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or sync a directory; the rename is still atomic.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files `<name>.<pid>.<random>.part` that a killed download left next to `dest`
 * (only those whose process no longer runs).
 */
export async function removeStaleParts(dest: string): Promise<string[]> {
  const dir = dirname(dest);
  const prefix = `${basename(dest)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]+\.part$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/**
 * Downloads `req.url` to `req.dest` atomically, verifying size and md5.
 * @returns the final path
 * @throws DataError for a failed request, an interrupted stream, a wrong size or a checksum mismatch
 */
export async function downloadArchive(req: DownloadRequest): Promise<string> {
  const { url, dest, expectedMd5, expectedSize } = req;
  const dir = dirname(dest);
  await makeDirs(dir); // not mkdir -p, which spins on file systems that refuse folders (/proc)
  await removeStaleParts(dest);
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const what = `download of ${url}`;
  let fh: Awaited<ReturnType<typeof open>> | null = null;
  let done = 0;
  try {
    let res: Response;
    try {
      res = await req.fetchImpl(url);
    } catch (e) {
      throw new DataError(`${what} failed (${causeOf(e)})`);
    }
    if (!res.ok) throw new DataError(`${what} failed (HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''})`);
    if (!res.body) throw new DataError(`${what} failed (the response has no body)`);
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(announced) && announced !== expectedSize) {
      throw new DataError(`${what} failed (server announces ${announced} bytes, expected ${expectedSize})`);
    }
    fh = await open(tmp, 'wx');
    const md5 = createHash('md5');
    const reader = res.body.getReader();
    req.onProgress?.({ phase: 'download', done: 0, total: expectedSize });
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new DataError(`${what} interrupted after ${done} of ${expectedSize} bytes (${causeOf(e)})`);
      }
      if (step.done) break;
      const chunk = step.value;
      done += chunk.length;
      if (done > expectedSize) {
        await reader.cancel().catch(() => undefined);
        throw new DataError(`${what} failed (more than the expected ${expectedSize} bytes)`);
      }
      md5.update(chunk);
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      req.onProgress?.({ phase: 'download', done, total: expectedSize });
    }
    if (done !== expectedSize) throw new DataError(`${what} interrupted: received ${done} of ${expectedSize} bytes`);
    const digest = md5.digest('hex');
    if (digest !== expectedMd5.toLowerCase()) {
      throw new DataError(`${what}: checksum mismatch for ${basename(dest)} (md5 ${digest}, expected ${expectedMd5})`);
    }
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, dest);
    await fsyncDir(dir);
    return dest;
  } finally {
    if (fh) await fh.close().catch(() => undefined);
    // After a successful rename the temporary name no longer exists; rm with force is a no-op then.
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}
