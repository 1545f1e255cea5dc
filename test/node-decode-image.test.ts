/**
 * ck.node.decodeImage and its relatives: PNG (every color type), JPEG, BMP (24 and 32 bit) and
 * GIF (animated) files made by the encoders of the same formats, decoded into tensors of the
 * file's channels or the channels asked for, and malformed input refused with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as bmp from 'bmp-ts';
import jpeg from 'jpeg-js';
import omggif from 'omggif';
import pngjs from 'pngjs';
import * as ck from '../src/index.js';
import { jpegComponents } from '../src/node/decode-image.js';

const W = 5, H = 3;
/** RGBA test pixels: distinct values per channel. */
const rgba = Uint8Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 100 + (i >> 2) : (i * 37) % 256));

function png(colorType: 0 | 2 | 4 | 6, data: Uint8Array = rgba): Uint8Array {
  const p = new pngjs.PNG({ width: W, height: H, colorType, inputColorType: 6, bitDepth: 8 });
  p.data = Buffer.from(data);
  return pngjs.PNG.sync.write(p, { colorType, inputColorType: 6 });
}

/** The values of `data` (RGBA) restricted to the first `c` channels. */
function channels(data: ArrayLike<number>, c: number): number[] {
  return Array.from({ length: W * H * c }, (_, i) => data[Math.floor(i / c) * 4 + (i % c)]);
}

/** The RGBA pixels pngjs reads back from a file (an RGB file holds the input composed over white). */
const stored = (file: Uint8Array): Uint8Array => pngjs.PNG.sync.read(Buffer.from(file)).data;

test('PNG: RGB, RGBA, gray and gray+alpha files keep their channels, as tfjs-node', () => {
  const rgbFile = png(2), rgbPixels = stored(rgbFile);
  const rgb = ck.node.decodeImage(rgbFile);
  assert.deepEqual([...rgb.shape], [H, W, 3]);
  assert.equal(rgb.dtype, 'int32');
  assert.deepEqual(Array.from(rgb.dataSync()), channels(rgbPixels, 3));
  const withAlpha = ck.node.decodeImage(png(6));
  assert.deepEqual([...withAlpha.shape], [H, W, 4]);
  assert.deepEqual(Array.from(withAlpha.dataSync()), channels(rgba, 4));
  // A gray file: each pixel is one gray value, the file has 1 channel.
  const grayFile = png(0), grayPixels = stored(grayFile);
  const gray = ck.node.decodePng(grayFile);
  assert.deepEqual([...gray.shape], [H, W, 1]);
  assert.deepEqual(Array.from(gray.dataSync()), channels(grayPixels, 1));
  assert.deepEqual([...ck.node.decodeImage(png(4)).shape], [H, W, 2]);
  // Gray expanded to RGB repeats the value; uint8 keeps the image on the host.
  assert.deepEqual(Array.from(ck.node.decodeImage(grayFile, 3).dataSync()), channels(grayPixels, 3));
  const u8 = ck.node.decodeImage(rgbFile, 4, 'uint8');
  assert.equal(u8.dtype, 'uint8');
  assert.deepEqual(Array.from(u8.dataSync()), channels(rgbPixels, 3).flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v])));
  // RGB to one channel: ITU-R BT.601 luma, rounded.
  const p = rgbPixels;
  const luma = Array.from({ length: W * H }, (_, k) => Math.round(0.299 * p[4 * k] + 0.587 * p[4 * k + 1] + 0.114 * p[4 * k + 2]));
  assert.deepEqual(Array.from(ck.node.decodeImage(rgbFile, 1).dataSync()), luma);
});

test('JPEG decodes as jpeg-js does; the frame header gives the channel count', () => {
  const bytes = jpeg.encode({ data: Buffer.from(rgba), width: W, height: H }, 90).data;
  const expected = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }).data;
  const img = ck.node.decodeJpeg(bytes);
  assert.deepEqual([...img.shape], [H, W, 3]);
  assert.deepEqual(Array.from(img.dataSync()), channels(expected, 3));
  assert.equal(jpegComponents(bytes), 3);
  // A grayscale frame header (SOF0 with one component) after an APP0 segment.
  const header = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x03, 0x00, 0x05, 0x01, 0x01, 0x11, 0x00);
  assert.equal(jpegComponents(header), 1);
});

test('BMP (24-bit and 32-bit) and GIF (first frame, or every frame composed)', () => {
  const bmp24 = bmp.encode({ data: Buffer.from(Array.from({ length: W * H }, (_, p) => [0, rgba[4 * p + 2], rgba[4 * p + 1], rgba[4 * p]]).flat()), width: W, height: H }).data;
  const img = ck.node.decodeBmp(bmp24);
  assert.deepEqual([...img.shape], [H, W, 3]);
  assert.deepEqual(Array.from(img.dataSync()), channels(rgba, 3));
  // A 32-bit BI_RGB bitmap written by hand: bottom-up rows of BGRA.
  const head = Buffer.alloc(54);
  head.write('BM', 0);
  head.writeUInt32LE(54 + W * H * 4, 2);
  head.writeUInt32LE(54, 10);
  head.writeUInt32LE(40, 14);
  head.writeInt32LE(W, 18);
  head.writeInt32LE(H, 22);
  head.writeUInt16LE(1, 26);
  head.writeUInt16LE(32, 28);
  const rows = Array.from({ length: H }, (_, r) => H - 1 - r).flatMap((y) => Array.from({ length: W }, (_, x) => {
    const p = 4 * (y * W + x);
    return [rgba[p + 2], rgba[p + 1], rgba[p], rgba[p + 3]];
  }).flat());
  const bmp32 = ck.node.decodeImage(Buffer.concat([head, Buffer.from(rows)]));
  assert.deepEqual([...bmp32.shape], [H, W, 4]);
  assert.deepEqual(Array.from(bmp32.dataSync()), channels(rgba, 4));
  // Two frames over a 4-color palette; the second covers only the top row.
  const buf = new Uint8Array(1024);
  const writer = new omggif.GifWriter(buf, W, H, { palette: [0x000000, 0xff0000, 0x00ff00, 0x0000ff], loop: 0 });
  writer.addFrame(0, 0, W, H, Array.from({ length: W * H }, (_, i) => i % 4));
  writer.addFrame(0, 0, W, 1, new Array<number>(W).fill(2));
  const gif = buf.slice(0, writer.end());
  const color = (k: number): number[] => [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]][k];
  const first = Array.from({ length: W * H }, (_, i) => color(i % 4)).flat();
  const second = Array.from({ length: W * H }, (_, i) => color(i < W ? 2 : i % 4)).flat();
  const one = ck.node.decodeImage(gif);
  assert.deepEqual([...one.shape], [H, W, 3]);
  assert.deepEqual(Array.from(one.dataSync()), first);
  const all = ck.node.decodeImage(gif, 0, 'int32', true);
  assert.deepEqual([...all.shape], [2, H, W, 3]);
  assert.deepEqual(Array.from(all.dataSync()), [...first, ...second]);
  assert.deepEqual([...ck.node.decodeGif(gif).shape], [2, H, W, 3]);
});

test('bad input is refused with the reason', () => {
  assert.throws(() => ck.node.decodeImage(Uint8Array.of(1, 2, 3, 4)), /decodeImage: the bytes are not a PNG, JPEG, BMP or GIF image \(unknown signature 01 02 03 04\)/);
  const truncated = png(2).slice(0, 40);
  assert.throws(() => ck.node.decodeImage(truncated), /decodeImage: the PNG data is malformed/);
  assert.throws(() => ck.node.decodeImage(png(2), 5), /channels must be 0 \(as in the file\), 1, 2, 3 or 4\. Received channels=5/);
  assert.throws(() => ck.node.decodeJpeg(png(2)), /decodeJpeg: expected a JPEG image\. Received PNG/);
  assert.throws(() => ck.node.decodeImage('cat.png' as unknown as Uint8Array), /contents must be a Uint8Array/);
});
