/**
 * ck.browser.fromPixels / toPixels against tfjs's on the same pixel data, plus the element path
 * (images, canvases, video frames are drawn onto a 2-D canvas) with a stand-in canvas, since Node
 * has none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { compare, tf } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

const W = 4, H = 3;
const bytes = Uint8ClampedArray.from({ length: W * H * 4 }, (_, i) => (i * 53) % 256);

test('fromPixels on pixel data equals tfjs for 1 to 4 channels', () => {
  for (const n of [1, 2, 3, 4]) {
    compare(`fromPixels ${n}`, () => ck.browser.fromPixels({ data: bytes, width: W, height: H }, n), () => tf.browser.fromPixels({ data: new Uint8Array(bytes), width: W, height: H }, n), []);
  }
  assert.throws(() => ck.browser.fromPixels({ data: bytes, width: W, height: H }, 5), /numChannels must be 1, 2, 3 or 4\. Received numChannels=5/);
  assert.throws(() => ck.browser.fromPixels({ data: bytes.subarray(4), width: W, height: H }), /expected 4x3 RGBA pixels \(48 bytes\)\. Received 44 bytes/);
  assert.throws(() => ck.browser.fromPixels(null as never), /fromPixels: pixels must be an image, canvas, video/);
});

/** A stand-in OffscreenCanvas whose context draws elements that carry their own RGBA pixels. */
class FakeCanvas {
  drawn: Uint8ClampedArray | null = null;
  put: { data: Uint8ClampedArray; width: number; height: number } | null = null;
  constructor(public width = 0, public height = 0) {}
  getContext(): object {
    return {
      drawImage: (src: { pixels: Uint8ClampedArray }, _x: number, _y: number, w: number, h: number) => {
        assert.equal(w * h * 4, src.pixels.length);
        this.drawn = src.pixels;
      },
      getImageData: () => ({ data: this.drawn as Uint8ClampedArray }),
      putImageData: (data: { data: Uint8ClampedArray; width: number; height: number }) => void (this.put = data),
    };
  }
}

test('fromPixels on images, canvases and video frames draws them onto a canvas', () => {
  const g = globalThis as { OffscreenCanvas?: unknown };
  g.OffscreenCanvas = FakeCanvas;
  try {
    const image = { width: W, height: H, pixels: bytes };
    const video = { width: 300, height: 150, videoWidth: W, videoHeight: H, pixels: bytes };
    const expected = Array.from({ length: W * H * 3 }, (_, i) => bytes[Math.floor(i / 3) * 4 + (i % 3)]);
    assert.deepEqual(Array.from(ck.browser.fromPixels(image).dataSync()), expected);
    const frame = ck.browser.fromPixels(video);
    assert.deepEqual([...frame.shape], [H, W, 3], 'a video is read at its videoWidth x videoHeight');
    assert.deepEqual(Array.from(frame.dataSync()), expected);
  } finally {
    delete g.OffscreenCanvas;
  }
  assert.throws(() => ck.browser.fromPixels({ width: W, height: H } as never), /needs a browser \(or an OffscreenCanvas\)/);
});

test('toPixels equals tfjs for float and int images of 1, 3 and 4 channels, and draws on a canvas', async () => {
  for (const shape of [[H, W], [H, W, 1], [H, W, 3], [H, W, 4]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const f = Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 10), k = Array.from({ length: n }, (_, i) => (i * 29) % 256);
    assert.deepEqual(Array.from(await ck.browser.toPixels(ck.tensor(f, shape))), Array.from(await tf.browser.toPixels(tf.tensor(f, shape as never) as tf.Tensor3D)), `float ${shape}`);
    assert.deepEqual(Array.from(await ck.browser.toPixels(ck.tensor(k, shape, 'int32'))), Array.from(await tf.browser.toPixels(tf.tensor(k, shape as never, 'int32') as tf.Tensor3D)), `int32 ${shape}`);
  }
  const canvas = new FakeCanvas();
  const out = await ck.browser.toPixels(ck.ones([2, 3, 3]), canvas as never);
  assert.equal(canvas.width, 3);
  assert.equal(canvas.height, 2);
  assert.deepEqual(Array.from(canvas.put?.data ?? []), Array.from(out));
  await assert.rejects(ck.browser.toPixels(ck.tensor([[0.5, 1.5]])), /float32 values must be in \[0, 1\]\. Received 1.5 at pixel 1 \(row 0, column 1\)/);
  await assert.rejects(ck.browser.toPixels(ck.tensor([[300]], [1, 1], 'int32')), /int32 values must be in \[0, 255\]/);
  await assert.rejects(ck.browser.toPixels(ck.zeros([2, 2, 2])), /must have 1, 3 or 4 channels\. Received \(2, 2, 2\)/);
});
