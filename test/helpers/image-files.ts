/**
 * Image files for tests, written with independent encoders: PNG (pngjs), JPEG (MozJPEG from
 * @jsquash/jpeg, progressive; jpeg-js for baseline),
 * BMP (bmp-ts), GIF (omggif, a palette of the image's colours), WebP (libwebp's encoder from
 * @jsquash/webp); plus CIFAR-10 pictures from the shared archive when it is present, else
 * generated ones.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encode as encodeBmp } from 'bmp-ts';
import jpeg from 'jpeg-js';
import { GifWriter } from 'omggif';
import { PNG } from 'pngjs';
import { GunzipStream } from '../../src/data/gunzip.js';
import { TarReader } from '../../src/data/tar.js';

const require = createRequire(import.meta.url);

/** An RGB picture: `width * height * 3` bytes. */
export interface Picture {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export type Format = 'png' | 'jpeg' | 'jpeg-baseline' | 'bmp' | 'gif' | 'webp';

function rgba(p: Picture): Uint8Array {
  const out = new Uint8Array(p.width * p.height * 4);
  for (let i = 0; i < p.width * p.height; i++) {
    out[i * 4] = p.rgb[i * 3];
    out[i * 4 + 1] = p.rgb[i * 3 + 1];
    out[i * 4 + 2] = p.rgb[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

type Encoder = (d: { data: Uint8ClampedArray; width: number; height: number }, o?: Record<string, number | boolean>) => Promise<ArrayBuffer>;
let mozjpeg: Encoder | null = null;

/** A progressive JPEG from MozJPEG (its default), fast enough to write hundreds of files. */
async function progressiveJpeg(p: Picture, quality: number): Promise<Uint8Array> {
  if (!mozjpeg) {
    const mod = await import('@jsquash/jpeg/encode.js');
    await mod.init(new WebAssembly.Module(readFileSync(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'))));
    mozjpeg = mod.default as unknown as Encoder;
  }
  const px = rgba(p);
  return new Uint8Array(await mozjpeg({ data: new Uint8ClampedArray(px.buffer), width: p.width, height: p.height }, { quality }));
}

let webpEncode: ((d: { data: Uint8ClampedArray; width: number; height: number }, o?: { lossless?: number }) => Promise<ArrayBuffer>) | null = null;

async function webp(p: Picture): Promise<Uint8Array> {
  if (!webpEncode) {
    const mod = await import('@jsquash/webp/encode.js');
    await mod.init(new WebAssembly.Module(readFileSync(require.resolve('@jsquash/webp/codec/enc/webp_enc.wasm'))));
    webpEncode = mod.default as unknown as typeof webpEncode;
  }
  const px = rgba(p);
  return new Uint8Array(await webpEncode!({ data: new Uint8ClampedArray(px.buffer), width: p.width, height: p.height }, { lossless: 1 }));
}

function gif(p: Picture): Uint8Array {
  // A palette of up to 256 colours: the image's own colours, quantised to 6x7x6 levels.
  const q = (v: number, n: number): number => Math.round((v / 255) * (n - 1));
  const palette: number[] = [];
  for (let r = 0; r < 6; r++) for (let g = 0; g < 7; g++) for (let b = 0; b < 6; b++) palette.push((Math.round((r * 255) / 5) << 16) | (Math.round((g * 255) / 6) << 8) | Math.round((b * 255) / 5));
  while (palette.length < 256) palette.push(0);
  const idx = new Uint8Array(p.width * p.height);
  for (let i = 0; i < idx.length; i++) idx[i] = q(p.rgb[i * 3], 6) * 42 + q(p.rgb[i * 3 + 1], 7) * 6 + q(p.rgb[i * 3 + 2], 6);
  const buf = new Uint8Array(p.width * p.height * 2 + 4096);
  const w = new GifWriter(buf, p.width, p.height, { palette });
  w.addFrame(0, 0, p.width, p.height, idx as unknown as number[]);
  return buf.slice(0, w.end());
}

/** Encodes a picture in `format` (JPEG at `quality`, default 95). */
export async function encode(p: Picture, format: Format, quality = 95): Promise<Uint8Array> {
  switch (format) {
    case 'png': {
      const png = new PNG({ width: p.width, height: p.height });
      png.data = Buffer.from(rgba(p));
      return new Uint8Array(PNG.sync.write(png));
    }
    case 'jpeg':
      return progressiveJpeg(p, quality);
    case 'jpeg-baseline':
      return new Uint8Array(jpeg.encode({ data: rgba(p), width: p.width, height: p.height }, quality).data);
    case 'bmp': {
      // bmp-ts takes ABGR bytes.
      const px = rgba(p), abgr = Buffer.alloc(px.length);
      for (let i = 0; i < px.length; i += 4) {
        abgr[i] = 255; abgr[i + 1] = px[i + 2]; abgr[i + 2] = px[i + 1]; abgr[i + 3] = px[i];
      }
      return new Uint8Array(encodeBmp({ data: abgr, width: p.width, height: p.height, bitPP: 24 }).data);
    }
    case 'gif':
      return gif(p);
    case 'webp':
      return webp(p);
  }
}

/** Writes a picture as `path` (folders are created). */
export async function writePicture(path: string, p: Picture, format: Format, quality?: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await encode(p, format, quality));
}

/** A generated picture of class `label`: a coloured disc on a gradient, varying with `i`. */
export function generated(label: number, i: number, width = 32, height = 32): Picture {
  const rgb = new Uint8Array(width * height * 3);
  const hue = [[230, 40, 40], [40, 200, 60], [50, 80, 230], [230, 210, 40], [200, 60, 200], [40, 200, 210], [240, 140, 30], [120, 120, 120], [255, 255, 255], [20, 20, 20]][label % 10];
  const cx = width * (0.3 + 0.4 * ((i * 37) % 11) / 10), cy = height * (0.3 + 0.4 * ((i * 53) % 7) / 6), r = Math.min(width, height) * 0.25;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      for (let c = 0; c < 3; c++) rgb[o + c] = inside ? hue[c] : Math.round(((x + y + i * 5) * (c + 1) * 3) % 200);
    }
  }
  return { width, height, rgb };
}

export const CIFAR_ARCHIVE = join(process.cwd(), '..', 'shared', 'cifar10', 'cifar-10-binary.tar.gz');

/**
 * The first `n` pictures of the first CIFAR-10 training batch in the archive (32x32) with labels, read by streaming the shared
 * archive until they have arrived; null when the archive is absent.
 */
export function cifarPictures(n: number): { pictures: Picture[]; labels: number[] } | null {
  if (!existsSync(CIFAR_ARCHIVE)) return null;
  const records: Uint8Array[] = [];
  let taking = false;
  let finished = false;
  let carry = new Uint8Array(0);
  const tar = new TarReader({
    member: (m) => (taking = !finished && /data_batch_\d\.bin$/.test(m.name)),
    data: (chunk) => {
      if (finished) return;
      let buf = new Uint8Array(carry.length + chunk.length);
      buf.set(carry);
      buf.set(chunk, carry.length);
      while (buf.length >= 3073 && records.length < n) {
        records.push(buf.slice(0, 3073));
        buf = buf.subarray(3073);
      }
      carry = buf.slice();
      finished = records.length >= n;
    },
    end: () => void (finished ||= taking),
  }, CIFAR_ARCHIVE);
  const gz = new GunzipStream((c) => finished || tar.push(c), CIFAR_ARCHIVE);
  const fd = openSync(CIFAR_ARCHIVE, 'r');
  const chunk = new Uint8Array(1 << 16);
  try {
    for (let got = readSync(fd, chunk); got > 0 && !finished; got = readSync(fd, chunk)) gz.push(chunk.subarray(0, got));
  } finally {
    closeSync(fd);
  }
  const pictures = records.map((r) => {
    const rgb = new Uint8Array(3072);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = r[1 + c * 1024 + p];
    return { width: 32, height: 32, rgb };
  });
  return { pictures, labels: records.map((r) => r[0]) };
}
