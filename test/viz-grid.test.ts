import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { Canvas, encodePng, imageGrid, pngSize, sampleIndices } from '../src/viz/index.js';
import { ValueError } from '../src/errors.js';

/** A batch of `n` 32x32x3 images with distinct, position-dependent pixels. */
function batch(n: number): Uint8Array {
  const a = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7 + Math.floor(i / 3072) * 31) % 256;
  return a;
}

test('encodePng writes the PNG signature and the IHDR size', () => {
  const c = new Canvas(7, 3, [10, 20, 30]);
  const png = c.toPng();
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.deepEqual(pngSize(png), { width: 7, height: 3 });
  const back = PNG.sync.read(png);
  assert.deepEqual([...back.data.subarray(0, 4)], [10, 20, 30, 255]);
  assert.throws(() => encodePng(new Uint8Array(5), 2, 2), /expected 16 RGBA bytes/);
  assert.equal(pngSize(new Uint8Array([1, 2, 3])), null);
});

test('imageGrid places every image pixel-exact where its cell says', async () => {
  const images = batch(8);
  const indices = [5, 0, 7, 2, 3, 1];
  const g = await imageGrid(images, indices, indices.map((i) => `class ${i}`), 4, { scale: 2 });
  assert.deepEqual(pngSize(g.png), { width: g.width, height: g.height });
  const decoded = PNG.sync.read(Buffer.from(g.png));
  assert.equal(g.cells.length, indices.length);
  for (const cell of g.cells) {
    assert.equal(cell.width, 64);
    for (const [r, c] of [[0, 0], [0, 31], [31, 0], [31, 31], [13, 21]]) {
      const src = cell.index * 3072 + (r * 32 + c) * 3;
      for (const [dy, dx] of [[0, 0], [1, 1]]) {
        const o = ((cell.y + r * 2 + dy) * g.width + cell.x + c * 2 + dx) * 4;
        assert.deepEqual([...decoded.data.subarray(o, o + 3)], [...images.subarray(src, src + 3)],
          `image ${cell.index} pixel (${r},${c})`);
      }
    }
  }
  // Cells are in row-major order, 4 to a row, and do not overlap.
  assert.equal(g.cells[4].y > g.cells[0].y + 64, true);
  assert.equal(g.cells[1].x > g.cells[0].x + 64, true);
  assert.equal(g.cells[4].x, g.cells[0].x);
});

test('imageGrid draws caption text under the images', async () => {
  const images = new Uint8Array(32 * 32 * 3).fill(255);
  const plain = await imageGrid(images, [0], [], 1, { scale: 1 });
  const captioned = await imageGrid(images, [0], [['airplane', { text: 'pred: cat', color: '#c62828' }]], 1, { scale: 1 });
  assert.ok(captioned.height > plain.height, 'room for two caption lines');
  let dark = 0, red = 0;
  const c = captioned.canvas;
  for (let y = captioned.cells[0].y + 32; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const [r, g, b] = c.pixel(x, y);
      if (r < 100 && g < 100 && b < 100) dark++;
      if (r > 150 && g < 90 && b < 90) red++;
    }
  }
  assert.ok(dark > 20, `dark caption pixels: ${dark}`);
  assert.ok(red > 10, `red caption pixels: ${red}`);
});

test('imageGrid rejects bad arguments with ValueError', async () => {
  const images = batch(2);
  await assert.rejects(imageGrid(images, [2]), ValueError);
  await assert.rejects(imageGrid(images, []), ValueError);
  await assert.rejects(imageGrid(images, [0], [], 0), ValueError);
});

test('sampleIndices: first n, or round-robin over classes', () => {
  const labels = new Uint8Array([0, 0, 0, 1, 1, 2]);
  assert.deepEqual(sampleIndices(labels, 4), [0, 1, 2, 3]);
  assert.deepEqual(sampleIndices(labels, 5, true), [0, 3, 5, 1, 4]);
  assert.deepEqual(sampleIndices(labels, 10).length, 6);
});
