/**
 * The augmentation layers (Keras RandomFlip and RandomTranslation): random and seeded while
 * training, the identity at inference; TensorFlow's fill modes; configs; use inside fit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { fillCoordinate } from '../src/layers/augmentation.js';

ck.setBackendSync('reference');

/** n images h×w with one channel, pixel value = its index within the image (+100·image). */
function images(n: number, h: number, w: number): ck.Tensor {
  return ck.tensor(Float32Array.from({ length: n * h * w }, (_, i) => (i % (h * w)) + 100 * Math.floor(i / (h * w))), [n, h, w, 1]);
}

function rows(t: ck.Tensor, b: number, h: number, w: number): number[][] {
  const v = t.dataSync();
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => v[(b * h + y) * w + x]));
}

test('randomFlip: each image is itself or its mirror while training, about half flipped, seeded; the identity at inference', () => {
  const x = images(200, 3, 4);
  const flip = ck.layers.randomFlip({ mode: 'horizontal', seed: 3 });
  const y = flip.apply(x, { training: true }) as ck.Tensor;
  let flipped = 0;
  for (let b = 0; b < 200; b++) {
    const orig = rows(x, b, 3, 4), out = rows(y, b, 3, 4);
    const mirror = orig.map((r) => [...r].reverse());
    assert.ok(JSON.stringify(out) === JSON.stringify(orig) || JSON.stringify(out) === JSON.stringify(mirror), `image ${b}`);
    if (JSON.stringify(out) === JSON.stringify(mirror)) flipped++;
  }
  assert.ok(flipped > 70 && flipped < 130, `${flipped} of 200 flipped`);
  const again = ck.layers.randomFlip({ mode: 'horizontal', seed: 3 }).apply(x, { training: true }) as ck.Tensor;
  assert.deepEqual(again.dataSync(), y.dataSync());
  assert.deepEqual((flip.apply(x) as ck.Tensor).dataSync(), x.dataSync());
  const vert = ck.layers.randomFlip({ mode: 'vertical', seed: 1 }).apply(images(20, 3, 4), { training: true }) as ck.Tensor;
  for (let b = 0; b < 20; b++) {
    const out = rows(vert, b, 3, 4), orig = rows(images(20, 3, 4), b, 3, 4);
    assert.ok(JSON.stringify(out) === JSON.stringify(orig) || JSON.stringify(out) === JSON.stringify([...orig].reverse()));
  }
  assert.throws(() => ck.layers.randomFlip({ mode: 'diagonal' as 'horizontal' }), /mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical'/);
  assert.throws(() => flip.apply(ck.zeros([2, 3])), /expects images \[batch, height, width, channels\]/);
});

test("fillCoordinate follows TensorFlow's fill modes (reflect: d c b a | a b c d | d c b a)", () => {
  const at = (mode: 'reflect' | 'wrap' | 'constant' | 'nearest'): number[] => [-5, -4, -2, -1, 0, 3, 4, 5, 8].map((i) => fillCoordinate(i, 4, mode));
  assert.deepEqual(at('reflect'), [3, 3, 1, 0, 0, 3, 3, 2, 0]);
  assert.deepEqual(at('wrap'), [3, 0, 2, 3, 0, 3, 0, 1, 0]);
  assert.deepEqual(at('nearest'), [0, 0, 0, 0, 0, 3, 3, 3, 3]);
  assert.deepEqual(at('constant'), [-1, -1, -1, -1, 0, 3, -1, -1, -1]);
});

test('randomTranslation: whole-pixel shifts within the factors, filled as the mode says; the identity at inference', () => {
  const [h, w] = [4, 5];
  const x = images(60, h, w);
  for (const fillMode of ['reflect', 'constant'] as const) {
    const layer = ck.layers.randomTranslation({ heightFactor: 0.5, widthFactor: [0, 0.4], fillMode, fillValue: -7, interpolation: 'nearest', seed: 9 });
    const y = layer.apply(x, { training: true }) as ck.Tensor;
    const seen = new Set<string>();
    for (let b = 0; b < 60; b++) {
      const orig = rows(x, b, h, w), out = rows(y, b, h, w);
      // Find the shift that explains the output.
      let found = false;
      for (let dy = -2; dy <= 2 && !found; dy++)
        for (let dx = 0; dx <= 2 && !found; dx++) {
          const expect = orig.map((_, yy) => orig[0].map((__, xx) => {
            const sy = fillCoordinate(yy - dy, h, fillMode), sx = fillCoordinate(xx - dx, w, fillMode);
            return sy < 0 || sx < 0 ? -7 : orig[sy][sx];
          }));
          if (JSON.stringify(expect) === JSON.stringify(out)) {
            found = true;
            seen.add(`${dy},${dx}`);
          }
        }
      assert.ok(found, `image ${b}: ${JSON.stringify(out)}`);
    }
    assert.ok(seen.size >= 8, `shifts seen: ${[...seen].join(' ')}`);
    assert.deepEqual((layer.apply(x) as ck.Tensor).dataSync(), x.dataSync());
  }
  assert.throws(() => ck.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1 }), /only interpolation 'nearest' is supported/);
  assert.throws(() => ck.layers.randomTranslation({ heightFactor: 2, widthFactor: 0.1, interpolation: 'nearest' }), /heightFactor must be a number in \[0, 1\]/);
  const cfg = ck.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.2, interpolation: 'nearest', seed: 1 }).getConfig();
  assert.deepEqual([cfg.heightFactor, cfg.widthFactor, cfg.fillMode, cfg.interpolation], [[-0.1, 0.1], [-0.2, 0.2], 'reflect', 'nearest']);
});

test('augmentation layers train inside fit and leave predict unchanged', async () => {
  ck.setSeed(4);
  const model = ck.sequential({
    layers: [
      ck.layers.randomFlip({ mode: 'horizontal', seed: 1, inputShape: [6, 6, 1] }),
      ck.layers.randomTranslation({ heightFactor: 0.2, widthFactor: 0.2, interpolation: 'nearest', seed: 2 }),
      ck.layers.flatten(),
      ck.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const x = ck.tensor(Float32Array.from({ length: 8 * 36 }, (_, i) => (i % 7) / 7), [8, 6, 6, 1]);
  const y = ck.tensor(Int32Array.from({ length: 8 }, (_, i) => i % 2), [8], 'int32');
  const h = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
  assert.ok(h.history.loss.every(Number.isFinite));
  const a = (model.predict(x) as ck.Tensor).dataSync(), b = (model.predict(x) as ck.Tensor).dataSync();
  assert.deepEqual(a, b);
});
