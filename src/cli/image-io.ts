/**
 * The user's own pictures for `cnnkit predict`: decode JPEG (jpeg-js) or PNG (pngjs) by their
 * bytes, not their names; center-crop to a square; resample to 32x32 RGB (area averaging when
 * shrinking, bilinear when enlarging). Only regular files are read, and an image's size is checked
 * from its header before it is decoded, so a small file cannot ask for gigabytes.
 */
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import { readRegularFile } from '../util/regular-file.js';

/** Most pixels an image may have (50 megapixels: more than phone cameras write). */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** Most bytes an image file may have. */
export const MAX_IMAGE_BYTES = 128 * 1024 * 1024;

/** An RGB image, rows top to bottom, 3 bytes a pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Detects the format from the file's first bytes. */
export function sniffFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** RGBA to RGB, compositing transparent pixels over white. */
function dropAlpha(rgba: Uint8Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    const a = rgba[i + 3] / 255;
    data[o] = Math.round(rgba[i] * a + 255 * (1 - a));
    data[o + 1] = Math.round(rgba[i + 1] * a + 255 * (1 - a));
    data[o + 2] = Math.round(rgba[i + 2] * a + 255 * (1 - a));
  }
  return { width, height, data };
}

/** Bits per pixel of a PNG colour type at a bit depth, or 0 for an invalid type. */
function pngBitsPerPixel(colorType: number, bitDepth: number): number {
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType] ?? 0;
  return channels * bitDepth;
}

/**
 * Checks a PNG's header before decoding: its size must be within {@link MAX_IMAGE_PIXELS}, and the
 * compressed data of an interlaced one (which the decoder inflates without a bound) must not
 * inflate past what its size needs.
 */
function checkPng(bytes: Uint8Array, name: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkType = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (bytes.length < 33 || chunkType(8) !== 'IHDR') throw new DataError(`${name}: the PNG data is damaged or unsupported (no IHDR header)`);
  const width = dv.getUint32(16), height = dv.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new DataError(`${name}: the image is ${width}x${height} (${(width * height / 1e6).toFixed(0)} megapixels), more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels cnnkit decodes; scale it down first`);
  const bits = pngBitsPerPixel(bytes[25], bytes[24]);
  if (bytes[28] !== 1 || bits === 0) return; // not interlaced, or a fault pngjs reports
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at);
    if (chunkType(at) === 'IDAT') idat.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + len)));
    at += 12 + len;
  }
  // Adam7: every row of the 7 passes (at most 15/8 of the height, plus 7) has a filter byte and rounds up to a byte.
  const need = Math.ceil((width * height * bits) / 8) + 2 * (Math.ceil((15 * height) / 8) + 7);
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: need + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DataError(`${name}: the PNG's compressed data inflates to more than its ${width}x${height} pixels need (a decompression bomb?)`);
  }
}

/** Decodes JPEG or PNG bytes to RGB; `name` is used in error messages. */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new DataError(`${name}: not a JPEG or PNG image (unrecognised first bytes)`);
  if (format === 'png') checkPng(bytes, name);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return dropAlpha(png.data, png.width, png.height);
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
    return dropAlpha(img.data, img.width, img.height);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(msg))
      throw new DataError(`${name}: the image is larger than the ${MAX_IMAGE_PIXELS / 1e6} megapixels cnnkit decodes (${msg}); scale it down first`);
    throw new DataError(`${name}: the ${format.toUpperCase()} data is damaged or unsupported (${msg})`);
  }
}

/** The largest centred square of an image. */
export function centerCrop(img: RgbImage): RgbImage {
  const side = Math.min(img.width, img.height);
  if (img.width === side && img.height === side) return img;
  const x0 = Math.floor((img.width - side) / 2), y0 = Math.floor((img.height - side) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = ((y0 + y) * img.width + x0) * 3;
    data.set(img.data.subarray(from, from + side * 3), y * side * 3);
  }
  return { width: side, height: side, data };
}

/** Area-weighted weights of source pixels for each output pixel along one axis. */
function areaWeights(src: number, dst: number): { start: number; w: number[] }[] {
  const ratio = src / dst;
  return Array.from({ length: dst }, (_, o) => {
    const a = o * ratio, b = (o + 1) * ratio;
    const start = Math.floor(a), end = Math.min(src, Math.ceil(b));
    const w: number[] = [];
    for (let i = start; i < end; i++) w.push((Math.min(b, i + 1) - Math.max(a, i)) / ratio);
    return { start, w };
  });
}

/** Bilinear weights (pixel centres aligned) for enlarging along one axis. */
function bilinearWeights(src: number, dst: number): { start: number; w: number[] }[] {
  return Array.from({ length: dst }, (_, o) => {
    const x = Math.min(src - 1, Math.max(0, (o + 0.5) * (src / dst) - 0.5));
    const i = Math.floor(x), f = x - i;
    return i + 1 < src ? { start: i, w: [1 - f, f] } : { start: i, w: [1] };
  });
}

/** Resamples to `width x height`: area averaging along an axis that shrinks, bilinear along one that grows. */
export function resize(img: RgbImage, width: number, height: number): RgbImage {
  const wx = img.width >= width ? areaWeights(img.width, width) : bilinearWeights(img.width, width);
  const wy = img.height >= height ? areaWeights(img.height, height) : bilinearWeights(img.height, height);
  // Horizontal pass into float rows, then vertical.
  const tmp = new Float32Array(img.height * width * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, w } = wx[x];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * img.data[(y * img.width + start + k) * 3 + c];
        tmp[(y * width + x) * 3 + c] = s;
      }
    }
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const { start, w } = wy[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * tmp[((start + k) * width + x) * 3 + c];
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(s)));
      }
    }
  }
  return { width, height, data };
}

/** Reads an image file (a regular file of at most {@link MAX_IMAGE_BYTES}) and turns it into a `size x size` RGB image (center-cropped). */
export async function loadImageFile(path: string, size = 32): Promise<RgbImage> {
  const bytes = await readRegularFile(path, 'image', MAX_IMAGE_BYTES);
  return resize(centerCrop(decodeImage(bytes, path)), size, size);
}
