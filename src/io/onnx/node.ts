/** ONNX export to files (Node.js): `ck.exportOnnx(model, path)` and `exportOnnxFile(modelDir, outPath)` for the CLI. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Sequential } from '../../models/sequential.js';
import { loadLayersModel } from '../load.js';
import { pathFromUrl } from '../node-file.js';
import { exportOnnxBytes } from './export.js';

/** Writes bytes to `path` atomically (temporary file beside it, fsync, rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes the model as an ONNX file (opset 13); returns the number of bytes written. */
export async function exportOnnx(model: Sequential, path: string): Promise<number> {
  const bytes = exportOnnxBytes(model);
  await writeFileAtomic(pathFromUrl(path), bytes);
  return bytes.byteLength;
}

/**
 * Loads a saved model (a folder with model.json, or the file) and writes it as ONNX to `outPath`
 * (for `cnnkit export --model DIR --onnx model.onnx`). Returns the number of bytes written.
 */
export async function exportOnnxFile(modelDir: string, outPath: string): Promise<number> {
  return exportOnnx(await loadLayersModel(modelDir), outPath);
}
