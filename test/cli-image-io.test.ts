import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { centerCrop, decodeImage, loadImageFile, resize, sniffFormat, type RgbImage } from '../src/cli/image-io.js';
import { table, writeFileAtomic, oneLine } from '../src/cli/common.js';
import { DataError } from '../src/errors.js';
import { blackPng, hugeJpegHeader } from './helpers/hostile-files.js';

function solid(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { width, height, data };
}

test('resize: area averaging when shrinking is exact on block images', () => {
  // 64x64 made of 2x2 blocks whose four pixels are 0, 40, 80, 120: each output pixel averages to 60.
  const img = solid(64, 64, (x, y) => { const v = ((x % 2) + 2 * (y % 2)) * 40; return [v, v, 255 - v]; });
  const out = resize(img, 32, 32);
  assert.equal(out.data.length, 32 * 32 * 3);
  for (let i = 0; i < out.data.length; i += 3) assert.deepEqual([...out.data.subarray(i, i + 3)], [60, 60, 195]);
  // A non-integer ratio keeps a constant image constant.
  const grey = resize(solid(100, 75, () => [7, 100, 200]), 32, 32);
  for (let i = 0; i < grey.data.length; i += 3) assert.deepEqual([...grey.data.subarray(i, i + 3)], [7, 100, 200]);
});

test('resize: bilinear when enlarging interpolates between pixels', () => {
  const img = solid(2, 1, (x) => (x === 0 ? [0, 0, 0] : [200, 200, 200]));
  const out = resize(img, 4, 1);
  assert.deepEqual([0, 1, 2, 3].map((x) => out.data[x * 3]), [0, 50, 150, 200]);
});

test('centerCrop keeps the middle square', () => {
  const img = solid(6, 2, (x) => [x, 0, 0]);
  const c = centerCrop(img);
  assert.equal(c.width, 2);
  assert.deepEqual([c.data[0], c.data[3]], [2, 3]);
});

test('decodeImage reads PNG (alpha over white) and JPEG by their bytes', () => {
  const png = new PNG({ width: 2, height: 1 });
  png.data = Buffer.from([255, 0, 0, 255, 0, 0, 0, 0]);
  const pngBytes = PNG.sync.write(png);
  assert.equal(sniffFormat(pngBytes), 'png');
  const p = decodeImage(pngBytes, 'a.png');
  assert.deepEqual([...p.data], [255, 0, 0, 255, 255, 255]);

  const raw = Buffer.alloc(16 * 16 * 4);
  for (let i = 0; i < raw.length; i += 4) raw.set([30, 160, 90, 255], i);
  const jpg = jpeg.encode({ data: raw, width: 16, height: 16 }, 95).data;
  assert.equal(sniffFormat(jpg), 'jpeg');
  const j = decodeImage(jpg, 'b.jpg');
  assert.equal(j.width, 16);
  assert.ok(Math.abs(j.data[0] - 30) < 6 && Math.abs(j.data[1] - 160) < 6 && Math.abs(j.data[2] - 90) < 6, String(j.data.subarray(0, 3)));

  assert.throws(() => decodeImage(Buffer.from('GIF89a'), 'c.gif'), (e: unknown) => e instanceof DataError && /c\.gif: not a JPEG or PNG/.test(e.message));
  assert.throws(() => decodeImage(jpg.subarray(0, 40), 'cut.jpg'), (e: unknown) => e instanceof DataError && /cut\.jpg: the JPEG data is damaged/.test(e.message));
});

test('loadImageFile: file to 32x32 RGB; a folder or missing file is a DataError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-img-'));
  try {
    const png = new PNG({ width: 100, height: 60 });
    png.data.fill(128);
    writeFileSync(join(dir, 'x.png'), PNG.sync.write(png));
    const img = await loadImageFile(join(dir, 'x.png'));
    assert.equal(img.width, 32);
    assert.equal(img.data.length, 32 * 32 * 3);
    await assert.rejects(loadImageFile(dir), /is a folder/);
    await assert.rejects(loadImageFile(join(dir, 'nope.jpg')), /nope\.jpg: no such image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('images that would decode to more than 50 megapixels are refused from their header, before decoding', () => {
  const rssBefore = process.memoryUsage().rss;
  // A valid 1.2 MB PNG of 20000x20000 black pixels (1.2 GB of pixel data, 1.6 GB decoded).
  const big = blackPng(20000, 20000);
  assert.ok(big.length < 2_000_000);
  const t0 = performance.now();
  assert.throws(() => decodeImage(big, 'huge.png'), (e: unknown) => e instanceof DataError && /^huge\.png: the image is 20000x20000 \(400 megapixels\), more than the 50 megapixels cnnkit decodes; scale it down first$/.test(e.message));
  // Interlaced, its pixels are inflated without a bound by the decoder: the compressed data is checked first.
  const bomb = blackPng(100, 100, { interlace: true, inflated: 400_000_000 });
  assert.throws(() => decodeImage(bomb, 'bomb.png'), /^DataError: bomb\.png: the PNG's compressed data inflates to more than its 100x100 pixels need/);
  assert.throws(() => decodeImage(hugeJpegHeader(60000, 60000), 'huge.jpg'), /^DataError: huge\.jpg: the image is larger than the 50 megapixels cnnkit decodes/);
  assert.ok(performance.now() - t0 < 5000, 'refused quickly');
  assert.ok(process.memoryUsage().rss - rssBefore < 200e6, 'without allocating the pixels');
  // Interlaced images of honest size decode.
  const fine = decodeImage(blackPng(40, 30, { interlace: true }), 'ok.png');
  assert.deepEqual([fine.width, fine.height], [40, 30]);
});

test('loadImageFile reads regular files only: a device or FIFO is refused at once, not read forever', async () => {
  await assert.rejects(loadImageFile('/dev/zero'), /^DataError: \/dev\/zero: is a character device, not a regular file; expected an image$/);
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-img-'));
  try {
    const fifo = join(dir, 'photo.jpg');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    await assert.rejects(loadImageFile(fifo), /photo\.jpg: is a FIFO \(named pipe\), not a regular file; expected an image$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic replaces files and leaves no temporary files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-atomic-'));
  try {
    await writeFileAtomic(join(dir, 'sub', 'a.txt'), 'one');
    await writeFileAtomic(join(dir, 'sub', 'a.txt'), 'two');
    assert.equal(readFileSync(join(dir, 'sub', 'a.txt'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['a.txt']);
    assert.deepEqual(readdirSync(dir), ['sub']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('table aligns text left and numbers right; oneLine folds messages', () => {
  assert.equal(table([['a', 5], ['bbb', 100]], ['name', 'n']), 'name    n\n----  ---\na       5\nbbb   100\n');
  assert.equal(oneLine(new Error('first\n  second\n')), 'first second');
});
