/**
 * Node-only: a pool of worker threads that decode and resize image files, so decoding runs beside
 * training instead of stalling it. Workers start on first use and stop holding the process open
 * while idle (a script ends when its work ends). With `threads: 0` files are decoded on the calling
 * thread, through the same code.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataError } from '../errors.js';
import { storeImageFile, type ImageTarget } from './image-file.js';
import type { ImageJob } from './image-resize.js';
import type { DecodeReply, DecodeRequest } from './image-worker.js';

/** Default number of decoding threads: the cores, at most 4. */
export function defaultDecodeThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

interface Pending {
  resolve: (cached: boolean) => void;
  reject: (e: Error) => void;
  req: DecodeRequest;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

/** Decodes image files on `threads` worker threads, first come first served. */
export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly threads: number = defaultDecodeThreads()) {
    if (!Number.isInteger(threads) || threads < 0) throw new DataError(`DecodePool: threads must be a non-negative integer. Received threads=${threads}`);
  }

  /**
   * Decodes and shapes the image at `path` into `target` (whose `out` must be a view of a
   * SharedArrayBuffer when the pool has threads). Resolves to whether the cache record was
   * written; rejects with a DataError naming the file when it cannot be read.
   */
  decode(path: string, job: ImageJob, target: ImageTarget): Promise<boolean> {
    if (this.closed) return Promise.reject(new DataError('DecodePool: the pool is closed'));
    if (this.threads === 0) return storeImageFile(path, job, target);
    if (!(target.out.buffer instanceof SharedArrayBuffer)) return Promise.reject(new DataError('DecodePool: the target must be a view of a SharedArrayBuffer'));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, req: { id: this.nextId++, path, job, target } });
      this.pump();
    });
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./image-worker.js', import.meta.url));
    const slot: Slot = { worker, busy: null };
    worker.on('message', (reply: DecodeReply) => {
      const p = slot.busy;
      slot.busy = null;
      if (p && p.req.id === reply.id) {
        if (reply.ok) p.resolve(reply.cached);
        else p.reject(new DataError(reply.reason));
      }
      this.pump();
    });
    worker.on('error', (e) => {
      // A crashed worker fails its job and is replaced on the next request.
      const p = slot.busy;
      slot.busy = null;
      this.slots.splice(this.slots.indexOf(slot), 1);
      p?.reject(new DataError(`${p.req.path}: the decoding worker failed (${e.message})`));
      this.pump();
    });
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.threads) slot = this.spawn();
      if (!slot) break;
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.worker.ref();
      slot.worker.postMessage(p.req);
    }
    for (const s of this.slots) if (!s.busy) s.worker.unref();
  }

  /** Stops the workers; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new DataError(`${p.req.path}: the decoding pool was closed`));
    await Promise.all(this.slots.splice(0).map((s) => {
      s.busy?.reject(new DataError(`${s.busy.req.path}: the decoding pool was closed`));
      return s.worker.terminate();
    }));
  }
}

const shared = new Map<number, DecodePool>();

/**
 * The process's decoding pool with `threads` threads: datasets share it, so its workers start once
 * (they hold the process open only while decoding).
 */
export function sharedDecodePool(threads: number = defaultDecodeThreads()): DecodePool {
  let pool = shared.get(threads);
  if (!pool) shared.set(threads, (pool = new DecodePool(threads)));
  return pool;
}
