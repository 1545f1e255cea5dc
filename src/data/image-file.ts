/**
 * Node-only: reading one image file for decoding. The file is opened without blocking (a FIFO
 * named `x.jpg` cannot hang a run), must be a regular file, and may not be larger than the biggest
 * image the pixel limit allows (uncompressed 32-bit BMP), so a bad file costs bounded memory.
 */
import { constants, readFileSync, write } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DataError } from '../errors.js';
import { setWasmDecoderLoader, type WasmDecode } from './image-decode.js';
import { decodeAndPrepare, type ImageJob } from './image-resize.js';

const require = createRequire(import.meta.url);

/**
 * Node has no fetch for file URLs: the WebAssembly decoders get their modules from the packages.
 * libjpeg's and libwebp's messages (printed by Emscripten) become the error's reason.
 */
function nodeLoader(codec: 'jpeg' | 'webp'): () => Promise<WasmDecode> {
  return async () => {
    const mod = codec === 'jpeg' ? await import('@jsquash/jpeg/decode.js') : await import('@jsquash/webp/decode.js');
    const wasm = codec === 'jpeg' ? '@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm' : '@jsquash/webp/codec/dec/webp_dec.wasm';
    let message = '';
    const note = (m: string): void => void (message ||= m);
    // init(module, overrides): the typings name only the one-argument form.
    const init = mod.init as unknown as (m: WebAssembly.Module, o: { print: (m: string) => void; printErr: (m: string) => void }) => Promise<void>;
    await init(new WebAssembly.Module(readFileSync(require.resolve(wasm))), { print: note, printErr: note });
    const decode = mod.default as unknown as WasmDecode;
    return async (bytes: ArrayBuffer) => {
      message = '';
      try {
        return await decode(bytes);
      } catch (e) {
        throw new Error(message || (e instanceof Error ? e.message : String(e)));
      }
    };
  };
}
setWasmDecoderLoader('jpeg', nodeLoader('jpeg'));
setWasmDecoderLoader('webp', nodeLoader('webp'));

/** Largest file accepted for `maxPixels`: a 32-bit BMP of that many pixels plus headers. */
export function maxFileBytes(maxPixels: number): number {
  return maxPixels * 4 + (1 << 20);
}

/**
 * Reads the bytes of an image file.
 * @throws DataError naming the file: missing, not a regular file, too large, unreadable
 */
export async function readImageBytes(path: string, maxPixels: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DataError(`${path}: cannot open (${err.code ?? err.message})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new DataError(`${path}: not a regular file`);
    const limit = maxFileBytes(maxPixels);
    if (st.size > limit) throw new DataError(`${path}: ${st.size} bytes is larger than any image within the pixel limit (${limit} bytes for maxPixels=${maxPixels}); refused before reading`);
    const bytes = new Uint8Array(st.size);
    let done = 0;
    while (done < st.size) {
      const { bytesRead } = await fh.read(bytes, done, st.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === st.size ? bytes : bytes.subarray(0, done);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new DataError(`${path}: cannot read (${err.code ?? err.message})`);
  } finally {
    await fh.close();
  }
}

/** Where a prepared image goes: `out[offset...]` and, optionally, a cache record. */
export interface ImageTarget {
  /** Usually a view of a SharedArrayBuffer, so a worker thread writes the main thread's batch. */
  out: Uint8Array;
  offset: number;
  /** The cache file's descriptor and the record's position (the worker writes the pixels). */
  cache?: { fd: number; position: number };
}

/** Reads, decodes and shapes one image file. */
export async function loadImageFile(path: string, job: ImageJob): Promise<Uint8Array> {
  return decodeAndPrepare(await readImageBytes(path, job.maxPixels), path, job);
}

/**
 * Loads one image into `target`; returns whether its cache record was written (a failing cache
 * write, e.g. a full disk, is not the image's fault and leaves the record unwritten).
 */
export async function storeImageFile(path: string, job: ImageJob, target: ImageTarget): Promise<boolean> {
  const pixels = await loadImageFile(path, job);
  target.out.set(pixels, target.offset);
  const c = target.cache;
  if (!c) return false;
  let done = 0;
  try {
    while (done < pixels.length) {
      done += await new Promise<number>((resolve, reject) => write(c.fd, pixels, done, pixels.length - done, c.position + done, (e, n) => (e ? reject(e) : resolve(n))));
    }
    return true;
  } catch {
    return false;
  }
}
