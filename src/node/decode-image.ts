/**
 * `ck.node.decodeImage` and its relatives (tfjs-node's `tf.node.decodeImage`, `decodePng`,
 * `decodeJpeg`, `decodeBmp`, `decodeGif`) with pure-JavaScript decoders: pngjs, jpeg-js, bmp-ts and
 * omggif. Images become int32 tensors [height, width, channels] (GIF: [frames, h, w, 3] when
 * animations are expanded), or uint8 host tensors with `dtype: 'uint8'`.
 */
import { decode as bmpDecode } from 'bmp-ts';
import jpeg from 'jpeg-js';
import omggif from 'omggif';
import pngjs from 'pngjs';
import { DataError, ValueError } from '../errors.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

/** Pixels as RGBA bytes, and how many channels the file itself has. */
interface Rgba {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel; several frames one after another for animations. */
  data: Uint8Array;
  frames: number;
  fileChannels: 1 | 2 | 3 | 4;
}

type Format = 'png' | 'jpeg' | 'bmp' | 'gif';

/** The format of the bytes, from their signature. */
export function imageFormat(bytes: Uint8Array): Format | null {
  const at = (i: number, ...vals: number[]): boolean => vals.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x42, 0x4d)) return 'bmp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  return null;
}

function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readPng(bytes: Uint8Array): Rgba {
  const png = pngjs.PNG.sync.read(buf(bytes));
  const gray = png.colorType === 0 || png.colorType === 4;
  const fileChannels = gray ? (png.alpha ? 2 : 1) : png.alpha ? 4 : 3;
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), frames: 1, fileChannels };
}

/** The number of components in a JPEG's frame header (1 for grayscale), read from its SOF segment. */
export function jpegComponents(bytes: Uint8Array): number {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = bytes[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return 3;
}

function readJpeg(bytes: Uint8Array): Rgba {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: img.width, height: img.height, data: img.data, frames: 1, fileChannels: jpegComponents(bytes) === 1 ? 1 : 3 };
}

/**
 * The fourth byte of each pixel of a 32-bit uncompressed (BI_RGB) bitmap, top row first: TensorFlow's
 * decode_bmp reads it as alpha, where bmp-ts treats it as unused. Null for other bitmaps.
 */
function bmpAlpha32(bytes: Uint8Array, width: number, height: number): Uint8Array | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 34 || dv.getUint16(28, true) !== 32 || dv.getUint32(30, true) !== 0) return null;
  const offset = dv.getUint32(10, true), bottomUp = dv.getInt32(22, true) > 0;
  if (offset + width * height * 4 > bytes.length) return null;
  const alpha = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const src = offset + (bottomUp ? height - 1 - r : r) * width * 4;
    for (let x = 0; x < width; x++) alpha[r * width + x] = bytes[src + 4 * x + 3];
  }
  return alpha;
}

function readBmp(bytes: Uint8Array): Rgba {
  const img = bmpDecode(buf(bytes));
  const n = img.width * img.height;
  const alpha = img.bitPP === 32 ? bmpAlpha32(bytes, img.width, img.height) : null;
  // bmp-ts writes ABGR unless asked for RGBA.
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    data[4 * i] = img.data[4 * i + 3];
    data[4 * i + 1] = img.data[4 * i + 2];
    data[4 * i + 2] = img.data[4 * i + 1];
    data[4 * i + 3] = alpha ? alpha[i] : img.bitPP === 32 ? img.data[4 * i] : 255;
  }
  return { width: img.width, height: img.height, data, frames: 1, fileChannels: img.bitPP === 32 ? 4 : 3 };
}

/** Every frame (or the first), each composed over the previous one as a viewer shows it. */
function readGif(bytes: Uint8Array, allFrames: boolean): Rgba {
  const reader = new omggif.GifReader(bytes);
  const { width, height } = reader;
  const frames = allFrames ? reader.numFrames() : 1;
  const canvas = new Uint8Array(width * height * 4);
  const data = new Uint8Array(frames * canvas.length);
  for (let f = 0; f < frames; f++) {
    reader.decodeAndBlitFrameRGBA(f, canvas);
    data.set(canvas, f * canvas.length);
    const info = reader.frameInfo(f);
    // Disposal 2: the frame's area returns to the background before the next frame.
    if (info.disposal === 2)
      for (let y = info.y; y < info.y + info.height; y++) canvas.fill(0, (y * width + info.x) * 4, (y * width + info.x + info.width) * 4);
  }
  return { width, height, data, frames, fileChannels: 3 };
}

/** RGBA pixels reduced to `channels` (gray from RGB by ITU-R BT.601 luma, rounded). */
function toChannels(img: Rgba, channels: number): Uint8Array {
  const n = img.width * img.height * img.frames;
  const out = new Uint8Array(n * channels);
  const grayFile = img.fileChannels <= 2;
  for (let i = 0; i < n; i++) {
    const r = img.data[4 * i], g = img.data[4 * i + 1], b = img.data[4 * i + 2], a = img.data[4 * i + 3];
    const luma = grayFile ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    const o = i * channels;
    if (channels === 1) out[o] = luma;
    else if (channels === 2) {
      out[o] = luma;
      out[o + 1] = a;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = a;
    }
  }
  return out;
}

export type DecodeDType = 'int32' | 'uint8';

function decode(what: string, bytes: Uint8Array, channels: number, dtype: DecodeDType, expandAnimations: boolean, only?: Format): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${what}: contents must be a Uint8Array (or Buffer) of the file's bytes. Received ${Object.prototype.toString.call(bytes)}`);
  if (![0, 1, 2, 3, 4].includes(channels)) throw new ValueError(`${what}: channels must be 0 (as in the file), 1, 2, 3 or 4. Received channels=${channels}`);
  if (dtype !== 'int32' && dtype !== 'uint8') throw new ValueError(`${what}: dtype must be 'int32' or 'uint8'. Received ${JSON.stringify(dtype)}`);
  const format = imageFormat(bytes);
  if (!format) throw new DataError(`${what}: the bytes are not a PNG, JPEG, BMP or GIF image (unknown signature ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  if (only && format !== only) throw new DataError(`${what}: expected a ${only.toUpperCase()} image. Received ${format.toUpperCase()}`);
  let img: Rgba;
  try {
    img = format === 'png' ? readPng(bytes) : format === 'jpeg' ? readJpeg(bytes) : format === 'bmp' ? readBmp(bytes) : readGif(bytes, expandAnimations || only === 'gif');
  } catch (e) {
    throw new DataError(`${what}: the ${format.toUpperCase()} data is malformed: ${(e as Error).message ?? String(e)}`);
  }
  // GIFs are always RGB (TensorFlow's decode_gif).
  const c = format === 'gif' ? 3 : channels || img.fileChannels;
  if (format === 'gif' && channels !== 0 && channels !== 3) throw new ValueError(`${what}: GIF images decode to 3 channels. Received channels=${channels}`);
  const values = toChannels(img, c);
  const shape = format === 'gif' && (expandAnimations || only === 'gif') ? [img.frames, img.height, img.width, c] : [img.height, img.width, c];
  return dtype === 'uint8' ? tensor(values, shape, 'uint8') : tensor(Int32Array.from(values), shape, 'int32');
}

/**
 * Decodes a PNG, JPEG, BMP or GIF file's bytes into a tensor [height, width, channels] (tfjs-node
 * `tf.node.decodeImage`): `channels` 0 keeps the file's (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA);
 * a GIF gives its first frame, or every frame [frames, h, w, 3] with `expandAnimations`.
 * @example const img = ck.node.decodeImage(fs.readFileSync('cat.jpg'), 3); // int32 [h, w, 3]
 * @throws DataError for bytes that are not a supported, well-formed image.
 */
export function decodeImage(contents: Uint8Array, channels = 0, dtype: DecodeDType = 'int32', expandAnimations = false): Tensor {
  return decode('decodeImage', contents, channels, dtype, expandAnimations);
}

export function decodePng(contents: Uint8Array, channels = 0, dtype: DecodeDType = 'int32'): Tensor {
  return decode('decodePng', contents, channels, dtype, false, 'png');
}

export function decodeJpeg(contents: Uint8Array, channels = 0): Tensor {
  return decode('decodeJpeg', contents, channels, 'int32', false, 'jpeg');
}

export function decodeBmp(contents: Uint8Array, channels = 0): Tensor {
  return decode('decodeBmp', contents, channels, 'int32', false, 'bmp');
}

/** Every frame of a GIF: [frames, height, width, 3]. */
export function decodeGif(contents: Uint8Array): Tensor {
  return decode('decodeGif', contents, 0, 'int32', true, 'gif');
}
