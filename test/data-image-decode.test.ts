/**
 * Image decoding and shaping: every format against its encoder's input, a progressive JPEG against
 * libjpeg-turbo's decode of it, EXIF orientations, the pixel limit before decoding, and resizing
 * next to real tfjs (bilinear, nearest) and hand-computed boxes (area).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DataError } from '../src/errors.js';
import { decodeImage, orient, readImageHeader, type RawImage } from '../src/data/image-decode.js';
import '../src/data/image-file.js'; // loads the WebP decoder from the package in Node
import { aspectCrop, convertChannels, prepareImage, resizeInto } from '../src/data/image-resize.js';
import { Random } from '../src/tensor/random.js';
import { encode, generated, type Format, type Picture } from './helpers/image-files.js';

await tf.setBackend('cpu');

function rgbOf(img: RawImage): Uint8Array {
  return convertChannels(img, 3).data;
}

/** A picture whose colours are all in the GIF helper's 6x7x6 palette, so GIF is exact too. */
function paletteSafe(width: number, height: number): Picture {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[i * 3] = Math.round(((i % 6) * 255) / 5);
    rgb[i * 3 + 1] = Math.round(((Math.floor(i / 6) % 7) * 255) / 6);
    rgb[i * 3 + 2] = Math.round(((Math.floor(i / 42) % 6) * 255) / 5);
  }
  return { width, height, rgb };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

describe('decodeImage', () => {
  test('PNG, BMP, GIF and lossless WebP give back the exact pixels; JPEG is close', async () => {
    const pic = paletteSafe(23, 17);
    for (const format of ['png', 'bmp', 'gif', 'webp', 'jpeg', 'jpeg-baseline'] as Format[]) {
      const bytes = await encode(pic, format);
      const header = await readImageHeader(bytes, `x.${format}`);
      assert.equal(header.format, format === 'jpeg-baseline' ? 'jpeg' : format);
      assert.deepEqual([header.width, header.height], [23, 17]);
      const img = await decodeImage(bytes, { name: `x.${format}` });
      assert.deepEqual([img.width, img.height], [23, 17], format);
      if (format.startsWith('jpeg')) assert.ok(psnr(rgbOf(img), pic.rgb) > 20, `jpeg psnr ${psnr(rgbOf(img), pic.rgb)}`);
      else assert.deepEqual(rgbOf(img), pic.rgb, format);
    }
    const photo = generated(2, 3, 40, 30);
    for (const format of ['jpeg', 'jpeg-baseline'] as const) {
      const jpg = await decodeImage(await encode(photo, format, 95));
      assert.ok(psnr(rgbOf(jpg), photo.rgb) > 30, format);
    }
  });

  test('a progressive JPEG decodes exactly as libjpeg-turbo (TensorFlow\'s decoder) decodes it', async () => {
    // progressive.jpg: `cjpeg -progressive -quality 90` (4:2:0 chroma) of a generated 48x40 picture;
    // progressive.ppm: `djpeg -ppm progressive.jpg`, libjpeg-turbo's decode of it with its defaults
    // (integer IDCT, smooth chroma upsampling), the settings of TensorFlow's decode_jpeg.
    const jpgBytes = new Uint8Array(readFileSync(new URL('../../test/fixtures/progressive.jpg', import.meta.url)));
    const ppm = readFileSync(new URL('../../test/fixtures/progressive.ppm', import.meta.url));
    const expected = ppm.subarray(ppm.length - 48 * 40 * 3);
    assert.ok(jpgBytes.includes(0xc2), 'the fixture has a progressive (SOF2) frame');
    const img = await decodeImage(jpgBytes);
    assert.deepEqual([img.width, img.height], [48, 40]);
    const got = rgbOf(img);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
    assert.equal(worst, 0, `largest difference from libjpeg-turbo: ${worst}`);
  });

  test('EXIF orientations 1-8 turn the image upright', async () => {
    // Quadrants of 8x8-aligned flat colours survive JPEG almost exactly.
    const w = 32, h = 16, q = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(q[(y < 8 ? 0 : 2) + (x < 16 ? 0 : 1)], (y * w + x) * 3);
    const base = await encode({ width: w, height: h, rgb }, 'jpeg', 100);
    const plain = await decodeImage(base);
    for (let o = 1; o <= 8; o++) {
      const img = await decodeImage(withOrientation(base, o), { name: `o${o}.jpg` });
      const want = orient(plain, o);
      assert.deepEqual([img.width, img.height], o >= 5 ? [h, w] : [w, h], `orientation ${o}`);
      assert.deepEqual(img.data, want.data, `orientation ${o}`);
    }
    // Orientation 6 (rotate 90 degrees clockwise): the top-left quadrant (red) ends at the top right.
    const six = await decodeImage(withOrientation(base, 6));
    const px = (img: RawImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x) * img.channels + 3));
    assert.ok(px(six, six.width - 1, 0)[0] > 240 && px(six, six.width - 1, 0)[1] < 15);
    assert.ok(px(six, 0, 0)[2] > 240, 'bottom-left quadrant (blue) ends at the top left');
  });

  test('refuses non-images, truncated files and images above the pixel limit, naming the file', async () => {
    const png = await encode(paletteSafe(100, 100), 'png');
    await assert.rejects(decodeImage(png, { maxPixels: 5000, name: 'big.png' }), /big\.png: 100x100 is 0\.0 megapixels, above the limit of 0\.0 \(maxPixels=5000\); refused before decoding/);
    // A 40-byte PNG header announcing 30000x30000 pixels (3.6 GB of RGBA) is refused before decoding.
    const bomb = png.slice(0, 33);
    new DataView(bomb.buffer).setUint32(16, 30000);
    new DataView(bomb.buffer).setUint32(20, 30000);
    await assert.rejects(decodeImage(bomb, { name: 'bomb.png' }), /bomb\.png: 30000x30000 is 900\.0 megapixels, above the limit of 50\.0/);
    await assert.rejects(decodeImage(new TextEncoder().encode('hello, not an image'), { name: 'a.jpg' }), (e: Error) => e instanceof DataError && /a\.jpg: not a PNG, JPEG, BMP, GIF or WebP image \(the first bytes are 68 65 6c 6c\)/.test(e.message));
    await assert.rejects(decodeImage(new Uint8Array(0), { name: 'empty.png' }), /empty\.png: not a PNG.*the file is empty/);
    const jpg = await encode(generated(1, 1), 'jpeg-baseline');
    await assert.rejects(decodeImage(jpg.subarray(0, jpg.length >> 1), { name: 'cut.jpg' }), /cut\.jpg: truncated JPEG/);
    const scrambled = jpg.slice();
    for (let i = 200; i < 400; i++) scrambled[i] = (i * 37) & 0xff;
    // libjpeg's own message is the reason; the decoder stays usable afterwards.
    await assert.rejects(decodeImage(scrambled, { name: 'bad.jpg' }), /bad\.jpg: corrupt or unsupported JPEG data \(\w.+\)/);
    assert.equal((await decodeImage(jpg)).width, 32);
    await assert.rejects(decodeImage(png.subarray(0, png.length - 40), { name: 'cut.png' }), /cut\.png: corrupt or unsupported PNG data/);
    const gif = await encode(paletteSafe(10, 10), 'gif');
    await assert.rejects(decodeImage(gif.subarray(0, 30), { name: 'cut.gif' }), /cut\.gif: /);
  });
});

/** Inserts an APP1 EXIF segment with one Orientation entry right after the JPEG's SOI marker. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const seg = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const out = new Uint8Array(jpeg.length + seg.length);
  out.set(jpeg.subarray(0, 2));
  out.set(seg, 2);
  out.set(jpeg.subarray(2), 2 + seg.length);
  return out;
}

describe('resizing', () => {
  const r = new Random(5);
  const image = (w: number, h: number, c: 1 | 3 | 4): RawImage => ({ width: w, height: h, channels: c, data: Uint8Array.from({ length: w * h * c }, () => r.int(256)) });

  test('bilinear and nearest match tfjs (halfPixelCenters) up and down', () => {
    for (const [w, h, ow, oh] of [[37, 23, 16, 16], [16, 16, 37, 23], [640, 480, 64, 64], [5, 9, 5, 4], [1, 7, 3, 3]]) {
      const img = image(w, h, 3);
      const x = tf.tensor(Array.from(img.data), [h, w, 3], 'float32');
      for (const method of ['bilinear', 'nearest'] as const) {
        const mine = new Float32Array(oh * ow * 3);
        resizeInto(img, oh, ow, method, mine);
        const theirs = (method === 'bilinear' ? tf.image.resizeBilinear(x as tf.Tensor3D, [oh, ow], false, true) : tf.image.resizeNearestNeighbor(x as tf.Tensor3D, [oh, ow], false, true)).dataSync();
        let worst = 0;
        for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
        assert.ok(worst < 1e-3, `${method} ${w}x${h} -> ${ow}x${oh}: max diff ${worst}`);
        const u8 = new Uint8Array(oh * ow * 3);
        resizeInto(img, oh, ow, method, u8);
        for (let i = 0; i < u8.length; i++) assert.equal(u8[i], Math.min(255, Math.max(0, Math.round(mine[i]))));
      }
    }
  });

  test('area averages the input box of each output pixel (tf.image.resize area)', () => {
    const img: RawImage = { width: 4, height: 4, channels: 1, data: Uint8Array.from([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]) };
    const out = new Float32Array(4);
    resizeInto(img, 2, 2, 'area', out);
    assert.deepEqual(Array.from(out), [10, 18, 42, 50]);
    // 3 -> 2: boxes [0, 1.5) and [1.5, 3): (a + b/2) / 1.5 and (b/2 + c) / 1.5.
    const row: RawImage = { width: 3, height: 1, channels: 1, data: Uint8Array.from([30, 60, 90]) };
    const two = new Float32Array(2);
    resizeInto(row, 1, 2, 'area', two);
    assert.deepEqual(Array.from(two, (v) => Math.round(v * 1e4) / 1e4), [40, 80]);
  });

  test('crop and pad to the aspect ratio, grayscale and alpha, as Keras does', () => {
    assert.deepEqual(aspectCrop(100, 50, 10, 10), [25, 0, 50, 50]);
    assert.deepEqual(aspectCrop(30, 90, 20, 40), [0, 15, 30, 60]);
    // A 4x2 image (w x h) cropped to 1:1 keeps its middle 2x2.
    const img: RawImage = { width: 4, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
    assert.deepEqual(Array.from(prepareImage(img, { imageSize: [2, 2], colorMode: 'grayscale', interpolation: 'nearest', cropToAspectRatio: true })), [2, 3, 6, 7]);
    // Padded to 1:1 it gains a black row above and below.
    assert.deepEqual(Array.from(prepareImage(img, { imageSize: [4, 4], colorMode: 'grayscale', interpolation: 'nearest', padToAspectRatio: true })), [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
    const rgba: RawImage = { width: 1, height: 1, channels: 4, data: Uint8Array.from([200, 100, 50, 7]) };
    assert.deepEqual(Array.from(convertChannels(rgba, 1).data), [Math.round(0.2989 * 200 + 0.587 * 100 + 0.114 * 50)]);
    assert.deepEqual(Array.from(convertChannels(rgba, 3).data), [200, 100, 50]);
    assert.deepEqual(Array.from(convertChannels({ width: 1, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3]) }, 4).data), [1, 2, 3, 255]);
  });
});
