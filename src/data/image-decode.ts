/**
 * Decoding image files to pixels with pure JavaScript/WebAssembly decoders: PNG (pngjs), JPEG
 * incl. progressive (MozJPEG, a libjpeg-turbo fork, in WebAssembly from @jsquash/jpeg: the
 * decoder TensorFlow's `decode_jpeg` is built on, so pixels match it), BMP (bmp-ts), GIF's first
 * frame (omggif) and WebP (libwebp from @jsquash/webp). The format is judged from the bytes, not the file name. Dimensions are read from
 * the header first (image-size) and an image above the pixel limit is refused before any decoding,
 * so a small file cannot claim gigabytes. JPEG EXIF orientation is applied.
 *
 * No Node APIs: a decoding worker in Node or a Web Worker in a page calls {@link decodeImage} on
 * bytes it was given. (pngjs and bmp-ts read through Node's `Buffer`; a page's bundle provides it.)
 */
import type { decode as BmpDecode } from 'bmp-ts';
import type { imageSize as ImageSize } from 'image-size';
import type { GifReader as GifReaderClass } from 'omggif';
import type { PNG as PngClass } from 'pngjs';
import { DataError } from '../errors.js';

/**
 * The decoders, loaded on first use: importing cnnkit costs no memory for formats never read.
 * `loadDecoders()` must have resolved before the synchronous helpers below run.
 */
interface Decoders {
  decodeBmp: typeof BmpDecode;
  imageSize: typeof ImageSize;
  GifReader: typeof GifReaderClass;
  PNG: typeof PngClass;
}
let decoders: Decoders | null = null;
let loading: Promise<Decoders> | null = null;
/** The header reader alone: a page that decodes with the browser's own decoders needs only this. */
let sizeReader: typeof ImageSize | null = null;

/** Loads the JavaScript decoders (once). */
export function loadDecoders(): Promise<Decoders> {
  loading ??= Promise.all([import('bmp-ts'), import('image-size'), import('omggif'), import('pngjs')]).then(([bmp, size, gif, png]) => {
    decoders = { decodeBmp: bmp.decode, imageSize: size.imageSize, GifReader: gif.GifReader, PNG: png.PNG };
    sizeReader = size.imageSize;
    return decoders;
  });
  return loading;
}

function lib(): Decoders {
  if (!decoders) throw new Error('image decoders used before loadDecoders() resolved');
  return decoders;
}

/** The formats read. */
export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp';
export const IMAGE_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'bmp', 'gif', 'webp'];

/** Default limit on width * height: 50 megapixels. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Decoded pixels, row-major, `channels` interleaved bytes per pixel (1 gray, 3 RGB, 4 RGBA). */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** What a header tells before decoding. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** EXIF orientation 1-8 (JPEG), 1 when absent. */
  orientation: number;
}

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /** Largest width * height accepted (default {@link DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
  /** How the image is named in messages (a path). */
  name?: string;
}

/** A WebAssembly decoder: compressed bytes in, RGBA pixels out; throws with libjpeg/libwebp's message. */
export type WasmDecode = (bytes: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
/** The formats decoded by WebAssembly modules. */
export type WasmCodec = 'jpeg' | 'webp';

const loaders: Record<WasmCodec, (() => Promise<WasmDecode>) | null> = { jpeg: null, webp: null };
const loaded: Record<WasmCodec, Promise<WasmDecode> | null> = { jpeg: null, webp: null };

/**
 * Sets how a WebAssembly decoder is loaded. Node's decoding workers read the `.wasm` file from the
 * package (image-file.ts); by default the decoder fetches it next to its script (pages).
 */
export function setWasmDecoderLoader(codec: WasmCodec, loader: () => Promise<WasmDecode>): void {
  loaders[codec] = loader;
  loaded[codec] = null;
}

async function defaultLoader(codec: WasmCodec): Promise<WasmDecode> {
  if (typeof process !== 'undefined' && process.versions?.node)
    throw new Error(`the ${codec} decoder has no loader in Node: import cnnkit's Node entry (or data/image-file.js), which reads the WebAssembly module from its package`);
  const mod = codec === 'jpeg' ? await import('@jsquash/jpeg/decode.js') : await import('@jsquash/webp/decode.js');
  return mod.default as unknown as WasmDecode;
}

async function decodeWasm(codec: WasmCodec, bytes: Uint8Array): Promise<RawImage> {
  loaded[codec] ??= loaders[codec]?.() ?? defaultLoader(codec);
  const dec = await loaded[codec];
  const img = await dec(bytes.slice().buffer);
  return { width: img.width, height: img.height, channels: 4, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
}

function sniff(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'webp';
  return null;
}

function fail(name: string, what: string): never {
  throw new DataError(`${name}: ${what}`);
}

/**
 * Reads the format, size and orientation from the header, without decoding pixels.
 * @throws DataError for a file that is not a PNG, JPEG, BMP, GIF or WebP image, or a bad header
 */
export async function readImageHeader(bytes: Uint8Array, name = 'image'): Promise<ImageHeader> {
  sizeReader ??= (await import('image-size')).imageSize;
  return readHeaderSync(bytes, name);
}

function readHeaderSync(bytes: Uint8Array, name: string): ImageHeader {
  const format = sniff(bytes);
  if (!format) fail(name, `not a PNG, JPEG, BMP, GIF or WebP image (the first bytes are ${Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ') || 'missing: the file is empty'})`);
  let size;
  try {
    size = (sizeReader ?? lib().imageSize)(bytes);
  } catch (e) {
    fail(name, `cannot read the ${format.toUpperCase()} header (${e instanceof Error ? e.message : String(e)})`);
  }
  const width = size.width, height = size.height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) fail(name, `the ${format.toUpperCase()} header gives an invalid size ${width}x${height}`);
  const orientation = format === 'jpeg' && size.orientation && size.orientation >= 1 && size.orientation <= 8 ? size.orientation : 1;
  return { format, width, height, orientation };
}

function checkPixels(width: number, height: number, maxPixels: number, name: string): void {
  if (width * height > maxPixels)
    fail(name, `${width}x${height} is ${(width * height / 1e6).toFixed(1)} megapixels, above the limit of ${(maxPixels / 1e6).toFixed(1)} (maxPixels=${maxPixels}); refused before decoding`);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function decodePng(bytes: Uint8Array): RawImage {
  const png = lib().PNG.sync.read(asBuffer(bytes));
  return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

async function decodeJpeg(bytes: Uint8Array, name: string): Promise<RawImage> {
  // libjpeg fills a file cut short with grey and only warns; a file without its end-of-image
  // marker is refused here instead.
  let eoi = false;
  for (let i = bytes.length - 2; i >= Math.max(0, bytes.length - 4096) && !eoi; i--) eoi = bytes[i] === 0xff && bytes[i + 1] === 0xd9;
  if (!eoi) fail(name, 'truncated JPEG (no end-of-image marker)');
  return decodeWasm('jpeg', bytes);
}

function decodeBmpImage(bytes: Uint8Array): RawImage {
  const img = lib().decodeBmp(asBuffer(bytes), { toRGBA: true });
  return { width: img.width, height: img.height, channels: 4, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.width * img.height * 4) };
}

function decodeGif(bytes: Uint8Array, maxPixels: number, name: string): RawImage {
  const reader = new (lib().GifReader)(bytes);
  if (reader.numFrames() < 1) fail(name, 'GIF has no frames');
  const frame = reader.frameInfo(0);
  if (frame.x + frame.width > reader.width || frame.y + frame.height > reader.height) fail(name, `GIF frame ${frame.width}x${frame.height} at (${frame.x}, ${frame.y}) lies outside the ${reader.width}x${reader.height} image`);
  checkPixels(reader.width, reader.height, maxPixels, name);
  const data = new Uint8Array(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, data);
  return { width: reader.width, height: reader.height, channels: 4, data };
}

/** Applies an EXIF orientation (2-8) so the image is upright, as photo viewers show it. */
export function orient(img: RawImage, orientation: number): RawImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, channels: c, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w, oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // (sx, sy): the stored pixel shown at (x, y), per the EXIF 2.3 orientation table.
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const s = (sy * w + sx) * c, d = (y * ow + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = data[s + k];
    }
  }
  return { width: ow, height: oh, channels: c, data: out };
}

/**
 * Decodes a PNG, JPEG, BMP, GIF (first frame) or WebP file to pixels, upright.
 * @throws DataError naming the file: not an image, above the pixel limit, truncated or corrupt
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RawImage> {
  const name = options.name ?? 'image';
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  await loadDecoders();
  const header = readHeaderSync(bytes, name);
  checkPixels(header.width, header.height, maxPixels, name);
  let img: RawImage;
  try {
    switch (header.format) {
      case 'png': img = decodePng(bytes); break;
      case 'jpeg': img = await decodeJpeg(bytes, name); break;
      case 'bmp': img = decodeBmpImage(bytes); break;
      case 'gif': img = decodeGif(bytes, maxPixels, name); break;
      case 'webp': img = await decodeWasm('webp', bytes); break;
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    fail(name, `corrupt or unsupported ${header.format.toUpperCase()} data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (img.width !== header.width || img.height !== header.height) fail(name, `decoded ${img.width}x${img.height} pixels but the header says ${header.width}x${header.height}`);
  if (img.data.length < img.width * img.height * img.channels) fail(name, `decoded ${img.data.length} bytes, fewer than ${img.width}x${img.height}x${img.channels}`);
  return orient(img, header.orientation);
}
