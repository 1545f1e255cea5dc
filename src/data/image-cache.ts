/**
 * Node-only: a cache file of decoded, resized uint8 images, so that later epochs and later runs
 * read pixels instead of decoding files. One file per folder and image settings (size, colour
 * mode, interpolation, crop/pad, pixel limit), named by a hash of them:
 *
 *   "CKIMG001" | u32 header length | header JSON | status table (one byte per image) | records
 *
 * The header lists every image file with its size and modification time. When files change, a new
 * cache is written beside the old one, carrying over the records of the files that did not change,
 * and renamed over it. A record's pixels are written before its status byte, so a run killed
 * mid-write leaves a record that is decoded again, never a half-written one that is trusted.
 * Records of files never decoded take no disk space (the file is sparse until written).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataError } from '../errors.js';
import type { PlannedFile } from './image-folder.js';

// Plain descriptors rather than FileHandles: a dataset may be dropped without closing its cache,
// and a FileHandle collected while open makes Node print a warning.
const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const truncateFd = promisify(fs.ftruncate);
type Fd = number;

async function readAt(fd: Fd, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, buf, offset + done, length - done, position + done, (e, b) => (e ? reject(e) : resolve(b))));
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * readAt, synchronously: for records of the cache, which are small and usually in the system's
 * file cache; a read there takes microseconds, while an asynchronous read costs a round trip
 * through the thread pool and the event loop per image, 10-15% of a small model's training step.
 */
function readAtSync(fd: Fd, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

async function writeAt(fd: Fd, buf: Uint8Array, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) done += await new Promise<number>((resolve, reject) => fs.write(fd, buf, offset + done, length - done, position + done, (e, b) => (e ? reject(e) : resolve(b))));
}

const MAGIC = 'CKIMG001';
const ALIGN = 4096;

/** What must match for a cache file to be used. */
export interface CacheSignature {
  folder: string;
  recordBytes: number;
  settings: Record<string, unknown>;
}

interface Header {
  signature: CacheSignature;
  files: [string, number, number][];
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** The cache file for a folder and its settings inside `dir`. */
export function cacheFileFor(dir: string, signature: CacheSignature): string {
  const hash = createHash('sha256').update(JSON.stringify(signature)).digest('hex').slice(0, 32);
  return join(dir, `images-${hash}.bin`);
}

async function readHeader(fd: Fd): Promise<{ header: Header; statusAt: number } | null> {
  const head = Buffer.alloc(12);
  if ((await readAt(fd, head, 0, 12, 0)) < 12 || head.toString('latin1', 0, 8) !== MAGIC) return null;
  const len = head.readUInt32LE(8);
  if (len > 1 << 30) return null;
  const json = Buffer.alloc(len);
  if ((await readAt(fd, json, 0, len, 12)) < len) return null;
  try {
    return { header: JSON.parse(json.toString('utf8')) as Header, statusAt: align(12 + len) };
  } catch {
    return null;
  }
}

/** An open cache file; see the file comment. */
export class ImageCache {
  private writeError: string | null = null;
  private closed = false;
  /** Records handed to workers and not yet committed or released; close() waits for them. */
  private inflight = 0;
  private idle: (() => void) | null = null;

  private constructor(
    readonly file: string,
    private readonly fd: Fd,
    private readonly status: Uint8Array,
    private readonly statusAt: number,
    private readonly recordsAt: number,
    readonly recordBytes: number,
    /** How many records were reused from an earlier run. */
    readonly reused: number,
  ) {}

  /**
   * Opens (or creates, or brings up to date) the cache for `files` in folder `dir`.
   * @throws DataError when the cache folder cannot be written
   */
  static async open(dir: string, signature: CacheSignature, files: readonly PlannedFile[]): Promise<ImageCache> {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new DataError(`${dir}: cannot create the image cache folder (${(e as NodeJS.ErrnoException).code ?? String(e)}); pass cache: false to read without a cache`);
    }
    const file = cacheFileFor(dir, signature);
    const header: Header = { signature, files: files.map((f) => [f.path, f.size, f.mtimeMs]) };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const statusAt = align(12 + json.length);
    const recordsAt = align(statusAt + files.length);
    const old = await openFd(file, 'r+').catch(() => null);
    if (old !== null) {
      const got = await readHeader(old);
      if (got && JSON.stringify(got.header) === JSON.stringify(header)) {
        const status = new Uint8Array(files.length);
        await readAt(old, status, 0, files.length, got.statusAt);
        return new ImageCache(file, old, status, statusAt, recordsAt, signature.recordBytes, status.reduce((n, s) => n + (s === 1 ? 1 : 0), 0));
      }
      // Files changed: write a new cache, carrying over what still holds.
      const fresh = await ImageCache.create(`${file}.${process.pid}.tmp`, json, files.length, statusAt, recordsAt, signature.recordBytes);
      let reused = 0;
      if (got && JSON.stringify(got.header.signature) === JSON.stringify(signature)) reused = await fresh.carryOver(old, got, files);
      await closeFd(old);
      await closeFd(fresh.fd);
      await rename(fresh.file, file);
      return new ImageCache(file, await openFd(file, 'r+'), fresh.status, statusAt, recordsAt, signature.recordBytes, reused);
    }
    const made = await ImageCache.create(`${file}.${process.pid}.tmp`, json, files.length, statusAt, recordsAt, signature.recordBytes);
    await closeFd(made.fd);
    await rename(made.file, file);
    return new ImageCache(file, await openFd(file, 'r+'), made.status, statusAt, recordsAt, signature.recordBytes, 0);
  }

  private static async create(file: string, json: Buffer, count: number, statusAt: number, recordsAt: number, recordBytes: number): Promise<ImageCache> {
    await rm(file, { force: true });
    const fd = await openFd(file, 'w+');
    const head = Buffer.alloc(12);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(json.length, 8);
    await writeAt(fd, head, 0, 12, 0);
    await writeAt(fd, json, 0, json.length, 12);
    await truncateFd(fd, recordsAt + count * recordBytes);
    return new ImageCache(file, fd, new Uint8Array(count), statusAt, recordsAt, recordBytes, 0);
  }

  private async carryOver(old: Fd, got: { header: Header; statusAt: number }, files: readonly PlannedFile[]): Promise<number> {
    const oldFiles = got.header.files;
    const oldStatus = new Uint8Array(oldFiles.length);
    await readAt(old, oldStatus, 0, oldFiles.length, got.statusAt);
    const oldRecordsAt = align(got.statusAt + oldFiles.length);
    const where = new Map(oldFiles.map(([p, size, mtime], i) => [`${p}\0${size}\0${mtime}`, i]));
    const buf = new Uint8Array(this.recordBytes);
    let reused = 0;
    for (let i = 0; i < files.length; i++) {
      const j = where.get(`${files[i].path}\0${files[i].size}\0${files[i].mtimeMs}`);
      if (j === undefined || oldStatus[j] !== 1) continue;
      if ((await readAt(old, buf, 0, this.recordBytes, oldRecordsAt + j * this.recordBytes)) !== this.recordBytes) continue;
      await this.put(i, buf);
      reused++;
    }
    return reused;
  }

  /** True when image `i` is in the cache. */
  has(i: number): boolean {
    return !this.closed && this.status[i] === 1;
  }

  /** Number of images in the cache. */
  get filled(): number {
    return this.status.reduce((n, s) => n + (s === 1 ? 1 : 0), 0);
  }

  /** Reads image `i` into `out` at `offset`. */
  async read(i: number, out: Uint8Array, offset: number): Promise<void> {
    this.inflight++;
    let bytesRead: number;
    try {
      bytesRead = readAtSync(this.fd, out, offset, this.recordBytes, this.recordsAt + i * this.recordBytes);
    } finally {
      this.release();
    }
    if (bytesRead !== this.recordBytes) throw new DataError(`${this.file}: the image cache is shorter than its header says (record ${i}); delete it to rebuild`);
  }

  /**
   * Where a decoding worker writes record `i`'s pixels; null once writing has failed or the cache
   * is closed. Every target handed out must end in {@link commit}, {@link failed} or {@link release}.
   */
  target(i: number): { fd: number; position: number } | null {
    if (this.writeError || this.closed) return null;
    this.inflight++;
    return { fd: this.fd, position: this.recordsAt + i * this.recordBytes };
  }

  /** Marks record `i` complete after its pixels were written through {@link target}. */
  async commit(i: number): Promise<string | null> {
    try {
      if (this.writeError) return null;
      await writeAt(this.fd, Uint8Array.of(1), 0, 1, this.statusAt + i);
      this.status[i] = 1;
      return null;
    } catch (e) {
      return this.fail(e);
    } finally {
      this.release();
    }
  }

  /** Reports that a record could not be written: the cache is off for the rest of the run. */
  failed(): string | null {
    this.release();
    return this.writeError ? null : this.fail(new Error('the record write failed'));
  }

  /** Gives back a target whose image could not be decoded (nothing was written). */
  release(): void {
    if (--this.inflight === 0) this.idle?.();
  }

  private fail(e: unknown): string {
    this.writeError = `${this.file}: cannot write the image cache (${(e as NodeJS.ErrnoException).code ?? (e as Error).message ?? String(e)}); going on without it`;
    return this.writeError;
  }

  private async put(i: number, pixels: Uint8Array): Promise<void> {
    await writeAt(this.fd, pixels, 0, this.recordBytes, this.recordsAt + i * this.recordBytes);
    await writeAt(this.fd, Uint8Array.of(1), 0, 1, this.statusAt + i);
    this.status[i] = 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A worker may still be writing a record: the descriptor must not be closed (and its number
    // reused by another file) under it.
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await closeFd(this.fd).catch(() => undefined);
  }
}
