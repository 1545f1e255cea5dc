/** Sequential: names, shape inference, summary, weights, worked example, and bad-input errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';

test('tutorial model: Keras names, output shapes and 122,570 parameters in the summary', () => {
  ck.clearSession();
  const model = ck.tutorial.buildModel();
  const lines: string[] = [];
  model.summary(undefined, undefined, (l) => lines.push(l));
  const text = lines.join('\n');
  assert.deepEqual(model.layers.map((l) => l.name), ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'conv2d_2', 'flatten', 'dense', 'dense_1']);
  assert.match(text, /Layer \(type\)\s+Output Shape\s+Param #/);
  assert.match(text, /conv2d \(Conv2D\)\s+\(None, 30, 30, 32\)\s+896/);
  assert.match(text, /conv2d_2 \(Conv2D\)\s+\(None, 4, 4, 64\)\s+36928/);
  assert.match(text, /flatten \(Flatten\)\s+\(None, 1024\)\s+0/);
  assert.match(text, /dense \(Dense\)\s+\(None, 64\)\s+65600/);
  assert.match(text, /Total params: 122,570\nTrainable params: 122,570\nNon-trainable params: 0/);
  assert.equal(model.countParams(), 122570);
});

test('worked example: same, valid and pooled results of the tutorial', () => {
  const ex = ck.tutorial.workedExample();
  assert.equal(ex.same.length, 6);
  assert.equal(ex.same[0][0], 22);
  assert.equal(ex.same[2][2], 198); // the pixel 25
  assert.equal(ex.valid.length, 4);
  assert.equal(ex.valid[1][1], 198);
  // Valid output is the interior of the same output.
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.equal(ex.valid[r][c], ex.same[r + 1][c + 1]);
  assert.deepEqual(ex.pooled.length, 3);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) assert.equal(ex.pooled[r][c], Math.max(ex.same[2 * r][2 * c], ex.same[2 * r][2 * c + 1], ex.same[2 * r + 1][2 * c], ex.same[2 * r + 1][2 * c + 1]));
  assert.deepEqual(ex.params.map((p) => `${p.formula}=${p.count}`), [
    '(3*3*3+1)*32=896', '0 (no weights)=0', '(3*3*32+1)*64=18496', '0 (no weights)=0', '(3*3*64+1)*64=36928', '0 (no weights)=0', '(1024+1)*64=65600', '(64+1)*10=650',
  ]);
  assert.equal(ex.totalParams, 122570);
});

test("'same' padding follows TensorFlow: the odd extra row and column go after", () => {
  // 4x4 input, 2x2 kernel of ones: TF pads one row/column at the bottom/right only.
  const out = ck.tutorial.convolve([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]], [[1, 1], [1, 1]], 'same');
  assert.deepEqual(out[0], [14, 18, 22, 12]);
  assert.deepEqual(out[3], [27, 29, 31, 16]);
});

test('weights: Keras layouts, getWeights/setWeights round trip, shape errors', () => {
  const model = ck.sequential({ layers: [ck.layers.conv2d({ filters: 4, kernelSize: [2, 3], inputShape: [5, 5, 2] }), ck.layers.flatten(), ck.layers.dense({ units: 3 })] });
  assert.deepEqual(model.weights.map((w) => w.shape), [[2, 3, 2, 4], [4], [48, 3], [3]]);
  assert.match(model.layers[0].weights[0].name, /^conv2d(_\d+)?\/kernel$/);
  const ws = model.getWeights();
  const first = ws[0].dataSync();
  first[0] = 42;
  ws[0] = ck.tensor(first, ws[0].shape);
  model.setWeights(ws);
  assert.equal(model.getWeights()[0].dataSync()[0], 42);
  assert.throws(() => model.layers[2].setWeights([ck.zeros([3, 3]), ck.zeros([3])]), /Dense 'dense(_\d+)?': weight 'dense(_\d+)?\/kernel' has shape \(48, 3\)\. Received \(3, 3\)/);
  assert.throws(() => model.setWeights(ws.slice(1)), /setWeights expects 4 arrays. Received 3/);
});

test('bad layer arguments name the layer, the argument and the value', () => {
  assert.throws(() => ck.layers.conv2d({ filters: 0, kernelSize: 3 }), /Conv2D 'conv2d(_\d+)?': filters must be a positive integer. Received filters=0/);
  assert.throws(() => ck.layers.dense({ units: -2 }), /Dense '.*': units must be a positive integer. Received units=-2/);
  assert.throws(() => ck.layers.maxPooling2d({ poolSize: 0 }), /MaxPooling2D '.*': poolSize must be .* Received poolSize=0/);
  assert.throws(() => ck.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' }), /padding must be 'valid' or 'same'/);
  const m = ck.sequential();
  assert.throws(() => m.add(ck.layers.dense({ units: 2 })), /the first layer \(Dense '.*'\) needs an inputShape/);
  const m2 = ck.sequential();
  m2.add(ck.layers.conv2d({ filters: 1, kernelSize: 3, inputShape: [3, 3, 1] }));
  assert.throws(() => m2.add(ck.layers.conv2d({ filters: 1, kernelSize: [5, 5] })), /Conv2D '.*': kernelSize must fit the input with padding 'valid'. Received kernelSize=\[5,5\] for input \(None, 1, 1, 1\)/);
});

test('tensors: creation, readback, reshape, dispose, tidy', () => {
  const t = ck.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(Array.from(t.reshape([3, -1]).dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.throws(() => t.reshape([4, 2]), /cannot reshape \(2, 3\) \(6 values\) into \(4, 2\)/);
  // As tfjs: a Uint8Array makes int32 values; image data stays uint8 on the host when asked for.
  assert.equal(ck.tensor(new Uint8Array([0, 128, 255, 7]), [1, 2, 2, 1]).dtype, 'int32');
  const img = ck.tensor(new Uint8Array([0, 128, 255, 7]), [1, 2, 2, 1], 'uint8');
  assert.equal(img.dtype, 'uint8');
  assert.deepEqual([...img.dataSync()], [0, 128, 255, 7]);
  assert.deepEqual(ck.ones([2]).arraySync(), [1, 1]);
  let inner: ck.Tensor | null = null;
  const kept = ck.tidy(() => {
    inner = ck.zeros([4]);
    return ck.ones([2]);
  });
  assert.ok((inner as unknown as ck.Tensor).isDisposed);
  assert.ok(!kept.isDisposed);
  kept.dispose();
  assert.throws(() => kept.dataSync(), /disposed/);
});

test('seeded initialisation is reproducible', () => {
  const make = () => {
    ck.setSeed(123);
    return ck.tutorial.buildModel().getWeights()[0].dataSync();
  };
  assert.deepEqual(make(), make());
});

test('dropout acts only while training; a rescaling layer scales uint8 input like the rescale option', async () => {
  ck.setSeed(5);
  const drop = ck.layers.dropout({ rate: 0.5 });
  const x = ck.ones([4, 50]);
  assert.deepEqual(Array.from((drop.apply(x, { training: false }) as ck.Tensor).dataSync()), Array(200).fill(1));
  const trained = Array.from((drop.apply(x, { training: true }) as ck.Tensor).dataSync());
  assert.ok(trained.every((v) => v === 0 || v === 2), 'inverted dropout keeps 1/(1-rate)');
  const zeros = trained.filter((v) => v === 0).length;
  assert.ok(zeros > 60 && zeros < 140, `dropped ${zeros} of 200`);
  assert.throws(() => ck.layers.dropout({ rate: 1 }), /rate must be in \[0, 1\)/);

  const pixels = ck.tensor(new Uint8Array([0, 51, 102, 255]), [1, 2, 2, 1], 'uint8');
  const withLayer = ck.sequential({ layers: [ck.layers.rescaling({ scale: 1 / 255, inputShape: [2, 2, 1] }), ck.layers.flatten(), ck.layers.dense({ units: 2 })] });
  const plain = ck.sequential({ layers: [ck.layers.flatten({ inputShape: [2, 2, 1] }), ck.layers.dense({ units: 2 })] });
  plain.setWeights(withLayer.getWeights());
  const a = withLayer.predict(pixels).dataSync(), b = plain.predict(pixels, { rescale: 1 / 255 }).dataSync();
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6);
});
