/**
 * The user's own pictures for `cnnkit predict`: decode JPEG (jpeg-js) or PNG (pngjs) by their
 * bytes, not their names; center-crop to a square; resample to 32x32 RGB (area averaging when
 * shrinking, bilinear when enlarging).
 */
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';

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

/** Decodes JPEG or PNG bytes to RGB; `name` is used in error messages. */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new DataError(`${name}: not a JPEG or PNG image (unrecognised first bytes)`);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return dropAlpha(png.data, png.width, png.height);
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
    return dropAlpha(img.data, img.width, img.height);
  } catch (e) {
    throw new DataError(`${name}: the ${format.toUpperCase()} data is damaged or unsupported (${e instanceof Error ? e.message : String(e)})`);
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

/** Reads an image file and turns it into a `size x size` RGB image (center-cropped). */
export async function loadImageFile(path: string, size = 32): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not an image' : `cannot be read (${code ?? String(e)})`}`);
  }
  return resize(centerCrop(decodeImage(bytes, path)), size, size);
}
