/**
 * Entry of a decoding worker thread. A request names a file, the shaping to apply, and where the
 * pixels go: a slice of a shared batch buffer, and optionally a record of the cache file. Nothing
 * is copied back to the main thread, so streaming leaves no per-image garbage there.
 */
import { parentPort } from 'node:worker_threads';
import { storeImageFile, type ImageTarget } from './image-file.js';
import type { ImageJob } from './image-resize.js';

/** A request to a decoding worker. */
export interface DecodeRequest {
  id: number;
  path: string;
  job: ImageJob;
  target: ImageTarget;
}

/** A worker's answer. */
export type DecodeReply = { id: number; ok: true; cached: boolean } | { id: number; ok: false; reason: string };

parentPort?.on('message', (req: DecodeRequest) => {
  storeImageFile(req.path, req.job, req.target).then(
    (cached) => parentPort!.postMessage({ id: req.id, ok: true, cached } satisfies DecodeReply),
    (e: unknown) => parentPort!.postMessage({ id: req.id, ok: false, reason: e instanceof Error ? e.message : String(e) } satisfies DecodeReply),
  );
});
