/**
 * Initializers, regularizers and constraints: every tfjs identifier and Keras spelling resolves;
 * configs round-trip; seeds reproduce; random initializers have the documented distributions;
 * deterministic ones, penalties and constraint projections equal tfjs's on the same values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { resolveInitializer, serializeInitializer } from '../src/layers/initializers.js';
import { resolveConstraint, serializeConstraint } from '../src/layers/constraints.js';
import { resolveRegularizer, serializeRegularizer } from '../src/layers/regularizers.js';
import { convertPythonicToTs, convertTsToPythonic, type ConfigDict } from '../src/util/serialization.js';
import { tf, values } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');
ck.setBackendSync('reference');

/** tfjs identifier → Keras spelling → class written in configs. */
const INITIALIZERS: [string, string, string][] = [
  ['zeros', 'zeros', 'Zeros'], ['ones', 'ones', 'Ones'], ['constant', 'constant', 'Constant'], ['randomUniform', 'random_uniform', 'RandomUniform'],
  ['randomNormal', 'random_normal', 'RandomNormal'], ['truncatedNormal', 'truncated_normal', 'TruncatedNormal'], ['glorotUniform', 'glorot_uniform', 'GlorotUniform'],
  ['glorotNormal', 'glorot_normal', 'GlorotNormal'], ['heUniform', 'he_uniform', 'HeUniform'], ['heNormal', 'he_normal', 'HeNormal'],
  ['leCunUniform', 'lecun_uniform', 'LeCunUniform'], ['leCunNormal', 'lecun_normal', 'LeCunNormal'], ['varianceScaling', 'variance_scaling', 'VarianceScaling'],
  ['orthogonal', 'orthogonal', 'Orthogonal'], ['identity', 'identity', 'Identity'], ['dirac', 'dirac', 'Dirac'],
];

function stats(v: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0, q = 0, m = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    q += v[i] * v[i];
    m = Math.max(m, Math.abs(v[i]));
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(q / v.length - mean * mean), maxAbs: m };
}

test('every initializer by tfjs name and Keras name; configs round-trip through the layers format', () => {
  for (const [name, keras, cls] of INITIALIZERS) {
    const a = resolveInitializer(name, 'test', 'init'), b = resolveInitializer(keras, 'test', 'init');
    assert.equal(a.getClassName(), cls, name);
    assert.equal(b.getClassName(), cls, keras);
    const file = convertTsToPythonic(serializeInitializer(a)) as ConfigDict;
    const again = resolveInitializer(convertPythonicToTs(file), 'test', 'init');
    assert.deepEqual(serializeInitializer(again), serializeInitializer(a), `${name} round trip`);
  }
  // Keras class names and snake_case config values read back too.
  const vs = resolveInitializer({ className: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'untruncated_normal', seed: 4 } }, 'test', 'init') as ck.Initializer & { mode: string; distribution: string };
  assert.equal(vs.mode, 'fanOut');
  assert.equal(vs.distribution, 'untruncatedNormal');
  assert.equal(resolveInitializer({ className: 'LecunNormal', config: { seed: 1 } }, 'test', 'init').getClassName(), 'LeCunNormal');
});

test('seeded initializers repeat themselves; unseeded ones follow ck.setSeed', () => {
  for (const make of [() => ck.initializers.randomNormal({ seed: 3 }), () => ck.initializers.orthogonal({ seed: 3 }), () => ck.initializers.leCunUniform({ seed: 3 })])
    assert.deepEqual(make().apply([4, 5]).dataSync(), make().apply([4, 5]).dataSync());
  ck.setSeed(9);
  const a = ck.initializers.truncatedNormal().apply([30]).dataSync();
  ck.setSeed(9);
  assert.deepEqual(ck.initializers.truncatedNormal().apply([30]).dataSync(), a);
});

test('random initializers draw the documented distributions', () => {
  ck.setSeed(5);
  const shape = [3, 3, 64, 128]; // fanIn 576, fanOut 1152
  const close = (got: number, want: number, rel: number, what: string) => assert.ok(Math.abs(got - want) <= rel * want, `${what}: ${got} vs ${want}`);
  close(stats(ck.initializers.heNormal().apply(shape).dataSync()).std, Math.sqrt(2 / 576), 0.02, 'heNormal std');
  close(stats(ck.initializers.leCunNormal().apply(shape).dataSync()).std, Math.sqrt(1 / 576), 0.02, 'leCunNormal std');
  const gu = stats(ck.initializers.glorotUniform().apply(shape).dataSync());
  close(gu.std, Math.sqrt(2 / (576 + 1152)), 0.02, 'glorotUniform std');
  assert.ok(gu.maxAbs <= Math.sqrt(6 / (576 + 1152)), 'glorotUniform bound');
  close(stats(ck.initializers.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'untruncatedNormal' }).apply(shape).dataSync()).std, Math.sqrt(3 / 1152), 0.02, 'varianceScaling fanOut');
  const tn = stats(ck.initializers.truncatedNormal({ mean: 1, stddev: 0.5 }).apply([20000]).dataSync());
  close(tn.mean, 1, 0.01, 'truncatedNormal mean');
  close(tn.std, 0.5 * 0.87962566, 0.02, 'truncatedNormal std (truncated at 2 stddev)');
  assert.ok(ck.initializers.truncatedNormal({ stddev: 0.5 }).apply([5000]).dataSync().every((v) => Math.abs(v) <= 1), 'within two standard deviations');
  const ru = ck.initializers.randomUniform({ minval: 2, maxval: 3 }).apply([5000]).dataSync();
  assert.ok(ru.every((v) => v >= 2 && v < 3));
  close(stats(ru).mean, 2.5, 0.01, 'randomUniform mean');
  close(stats(ck.initializers.randomNormal({ stddev: 2 }).apply([20000]).dataSync()).std, 2, 0.02, 'randomNormal std');
});

test('orthogonal: rows or columns orthonormal times gain, for tall, wide and conv kernels', () => {
  for (const [shape, gain] of [[[6, 4], 1], [[3, 7], 2], [[3, 3, 2, 5], 1.5]] as [number[], number][]) {
    const w = ck.initializers.orthogonal({ gain, seed: 1 }).apply(shape).dataSync();
    const cols = shape[shape.length - 1], rows = w.length / cols;
    const [n, dot] = rows >= cols
      ? [cols, (i: number, j: number) => Array.from({ length: rows }, (_, r) => w[r * cols + i] * w[r * cols + j]).reduce((a, b) => a + b)]
      : [rows, (i: number, j: number) => Array.from({ length: cols }, (_, c) => w[i * cols + c] * w[j * cols + c]).reduce((a, b) => a + b)];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(dot(i, j) - (i === j ? gain * gain : 0)) < 1e-5, `${JSON.stringify(shape)} (${i},${j})`);
  }
});

test('deterministic initializers equal tfjs; dirac makes a stride-1 same convolution copy its input', () => {
  const pairs: [ck.Initializer, () => tf.Tensor, number[]][] = [
    [ck.initializers.zeros(), () => tf.initializers.zeros().apply([3, 4]), [3, 4]],
    [ck.initializers.ones(), () => tf.initializers.ones().apply([2, 5]), [2, 5]],
    [ck.initializers.constant({ value: 0.3 }), () => tf.initializers.constant({ value: 0.3 }).apply([4]), [4]],
    [ck.initializers.identity({ gain: 2 }), () => tf.initializers.identity({ gain: 2 }).apply([4, 4]), [4, 4]],
  ];
  for (const [ours, theirs, shape] of pairs) assert.deepEqual([...ours.apply(shape).dataSync()], [...theirs().dataSync()], ours.getClassName());
  for (const k of [1, 2, 3, 4]) {
    const conv = ck.layers.conv2d({ filters: 4, kernelSize: k, padding: 'same', useBias: false, kernelInitializer: 'dirac' });
    const x = ck.tensor(values(2 * 5 * 6 * 3, k), [2, 5, 6, 3]);
    const y = (conv.apply(x) as ck.Tensor).arraySync() as number[][][][];
    const xs = x.arraySync() as number[][][][];
    y.forEach((img, b) => img.forEach((row, r) => row.forEach((px, c) => assert.deepEqual(px, [...xs[b][r][c], 0], `kernel ${k}: pixel ${b},${r},${c}`))));
  }
});

test('regularizers: names, configs, penalties equal tfjs', () => {
  const x = ck.tensor(values(24, 3), [4, 6]), xt = tf.tensor(values(24, 3), [4, 6]);
  const cases: [unknown, () => { apply(x: tf.Tensor): tf.Tensor }][] = [
    ['l1l2', () => tf.regularizers.l1l2()],
    ['l1', () => tf.regularizers.l1({ l1: 0.01 })],
    ['l2', () => tf.regularizers.l2({ l2: 0.01 })],
    [{ className: 'L1L2', config: { l1: 0.3, l2: 0.02 } }, () => tf.regularizers.l1l2({ l1: 0.3, l2: 0.02 })],
    [{ className: 'L2', config: { l2: 0.2 } }, () => tf.regularizers.l2({ l2: 0.2 })],
    [ck.regularizers.l1({ l1: 0.05 }), () => tf.regularizers.l1({ l1: 0.05 })],
  ];
  for (const [spec, theirs] of cases) {
    const r = resolveRegularizer(spec, 'test', 'reg') as ck.Regularizer;
    assert.equal(r.getClassName(), 'L1L2', 'written as tfjs writes it');
    assert.deepEqual(resolveRegularizer(convertPythonicToTs(convertTsToPythonic(serializeRegularizer(r))), 'test', 'reg')?.getConfig(), r.getConfig());
    const got = r.apply(x).dataSync()[0], want = theirs().apply(xt).dataSync()[0];
    assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${JSON.stringify(spec)}: ${got} vs ${want}`);
  }
});

test('constraints: names, configs, projections equal tfjs', () => {
  const w = values(3 * 3 * 4 * 5, 8);
  const cases: [unknown, () => { apply(x: tf.Tensor): tf.Tensor }][] = [
    ['maxNorm', () => tf.constraints.maxNorm({ maxValue: 2 })],
    ['max_norm', () => tf.constraints.maxNorm({ maxValue: 2 })],
    [{ className: 'MaxNorm', config: { maxValue: 1.5, axis: [0, 1, 2] } }, () => tf.constraints.maxNorm({ maxValue: 1.5, axis: [0, 1, 2] as unknown as number })],
    ['unitNorm', () => tf.constraints.unitNorm({})],
    [{ className: 'UnitNorm', config: { axis: 3 } }, () => tf.constraints.unitNorm({ axis: 3 })],
    ['non_neg', () => tf.constraints.nonNeg()],
    [{ className: 'MinMaxNorm', config: { minValue: 0.5, maxValue: 1.2, rate: 0.7, axis: 2 } }, () => tf.constraints.minMaxNorm({ minValue: 0.5, maxValue: 1.2, rate: 0.7, axis: 2 })],
  ];
  for (const [spec, theirs] of cases) {
    const c = resolveConstraint(spec, 'test', 'constraint') as ck.Constraint;
    assert.deepEqual(resolveConstraint(convertPythonicToTs(convertTsToPythonic(serializeConstraint(c))), 'test', 'constraint')?.getConfig(), c.getConfig());
    const got = c.apply(ck.tensor(w, [3, 3, 4, 5])).dataSync(), want = theirs().apply(tf.tensor(w, [3, 3, 4, 5])).dataSync();
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-6, `${JSON.stringify(spec)} element ${i}: ${v} vs ${want[i]}`));
  }
});
