/**
 * The general ops against real TensorFlow.js on the same inputs: values, shapes and dtypes,
 * including broadcasting, int32 and bool operands and edge shapes.
 */
import { test } from 'node:test';
import * as ops from '../src/autograd/ops.js';
import { valueAndGrads } from '../src/autograd/grad.js';
import type { UnaryOp } from '../src/backend/backend.js';
import { compare, input, tf, type Input } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

const unaryPairs: [UnaryOp, (x: tf.Tensor) => tf.Tensor, [number, number]][] = [
  ['neg', tf.neg, [-3, 3]], ['abs', tf.abs, [-3, 3]], ['sign', tf.sign, [-3, 3]], ['square', tf.square, [-3, 3]], ['sqrt', tf.sqrt, [0, 4]],
  ['rsqrt', tf.rsqrt, [0.1, 4]], ['reciprocal', tf.reciprocal, [0.1, 4]], ['exp', tf.exp, [-3, 3]], ['expm1', tf.expm1, [-3, 3]],
  ['log', tf.log, [0.1, 4]], ['log1p', tf.log1p, [-0.5, 3]], ['sin', tf.sin, [-3, 3]], ['cos', tf.cos, [-3, 3]], ['tan', tf.tan, [-1, 1]],
  ['asin', tf.asin, [-1, 1]], ['acos', tf.acos, [-1, 1]], ['atan', tf.atan, [-3, 3]], ['sinh', tf.sinh, [-3, 3]], ['cosh', tf.cosh, [-3, 3]],
  ['tanh', tf.tanh, [-3, 3]], ['asinh', tf.asinh, [-3, 3]], ['acosh', tf.acosh, [1, 4]], ['atanh', tf.atanh, [-0.9, 0.9]],
  ['floor', tf.floor, [-3, 3]], ['ceil', tf.ceil, [-3, 3]], ['round', tf.round, [-3, 3]], ['erf', tf.erf, [-3, 3]], ['relu', tf.relu, [-3, 3]],
  ['relu6', tf.relu6, [-3, 9]], ['elu', tf.elu, [-3, 3]], ['selu', tf.selu, [-3, 3]], ['sigmoid', tf.sigmoid, [-6, 6]],
  ['logSigmoid', tf.logSigmoid, [-6, 6]], ['softplus', tf.softplus, [-6, 6]], ['isNaN', tf.isNaN, [-3, 3]], ['isFinite', tf.isFinite, [-3, 3]],
  ['isInf', tf.isInf, [-3, 3]],
];

test('unary ops match tfjs (float32 and int32 inputs)', (t) => {
  let worst = 0;
  for (const [op, f, [lo, hi]] of unaryPairs) {
    // tfjs's erf is a 1.5e-7 polynomial approximation; float32 results differ in the last bits.
    const tol = op === 'erf' ? 3e-7 : 2e-6;
    worst = Math.max(worst, compare(op, (x) => ops.unaryOp(op, x), f, [input([3, 7], 11, lo, hi)], tol));
    if (['neg', 'abs', 'sign', 'square', 'relu'].includes(op)) compare(`${op} int32`, (x) => ops.unaryOp(op, x), f, [input([9], 3, -5, 5, 'int32')]);
  }
  worst = Math.max(worst, compare('leakyRelu', (x) => ops.leakyRelu(x, 0.3), (x) => tf.leakyRelu(x, 0.3), [input([10], 2)]));
  worst = Math.max(worst, compare('clipByValue', (x) => ops.clipByValue(x, -0.5, 1), (x) => tf.clipByValue(x, -0.5, 1), [input([10], 2)]));
  worst = Math.max(worst, compare('step', (x) => ops.step(x, 0.5), (x) => tf.step(x, 0.5), [input([10], 2)]));
  compare('round half to even', ops.round, tf.round, [{ values: [0.5, 1.5, 2.5, -0.5, -1.5, 3.7], shape: [6] }]);
  compare('logicalNot', ops.logicalNot, tf.logicalNot, [{ values: [true, false, true], shape: [3], dtype: 'bool' }]);
  t.diagnostic(`unary: worst |diff| ${worst.toExponential(2)}`);
});

const binaryPairs: [string, (a: never, b: never) => ReturnType<typeof ops.add>, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', ops.add, tf.add], ['sub', ops.sub, tf.sub], ['mul', ops.mul, tf.mul], ['div', ops.div, tf.div], ['floorDiv', ops.floorDiv, tf.floorDiv],
  ['mod', ops.mod, tf.mod], ['pow', ops.pow, tf.pow], ['maximum', ops.maximum, tf.maximum], ['minimum', ops.minimum, tf.minimum],
  ['squaredDifference', ops.squaredDifference, tf.squaredDifference], ['atan2', ops.atan2, tf.atan2], ['divNoNan', ops.divNoNan, tf.divNoNan],
  ['equal', ops.equal, tf.equal], ['notEqual', ops.notEqual, tf.notEqual], ['less', ops.less, tf.less], ['lessEqual', ops.lessEqual, tf.lessEqual],
  ['greater', ops.greater, tf.greater], ['greaterEqual', ops.greaterEqual, tf.greaterEqual],
];

test('binary ops with broadcasting match tfjs, including int32 and mixed dtypes', (t) => {
  let worst = 0;
  const shapes: [number[], number[]][] = [[[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[3, 4], [3, 4]], [[], [2, 2]], [[0, 3], [3]]];
  for (const [name, ours, theirs] of binaryPairs)
    for (const [as, bs] of shapes) {
      const lo = name === 'pow' ? 0.5 : -3;
      const a = input(as, 5, lo, 3), b = input(bs, 9, name === 'pow' ? -2 : 0.5, 3);
      worst = Math.max(worst, compare(`${name} ${JSON.stringify(as)} ${JSON.stringify(bs)}`, ours as never, theirs, [a, b], 2e-6));
      const ai = input(as, 6, -7, 7, 'int32'), bi = input(bs, 8, 1, 5, 'int32');
      if (name !== 'atan2' && name !== 'pow') compare(`${name} int32`, ours as never, theirs, [ai, bi]);
      compare(`${name} int32 with float32`, ours as never, theirs, [ai, b], 2e-6);
    }
  const bools: Input[] = [{ values: [true, false, true, false], shape: [4], dtype: 'bool' }, { values: [true, true, false, false], shape: [4], dtype: 'bool' }];
  compare('logicalAnd', ops.logicalAnd, tf.logicalAnd, bools);
  compare('logicalOr', ops.logicalOr, tf.logicalOr, bools);
  compare('logicalXor', ops.logicalXor, tf.logicalXor, bools);
  compare('where', (c, a, b) => ops.where(c, a, b), (c, a, b) => tf.where(c, a, b), [{ values: [true, false, true], shape: [3], dtype: 'bool' }, input([2, 3], 1), input([3], 2)]);
  t.diagnostic(`binary: worst |diff| ${worst.toExponential(2)}`);
});

test('reductions with axes and keepDims match tfjs', () => {
  const x = input([2, 3, 4], 17), xi = input([2, 3, 4], 4, -9, 9, 'int32');
  for (const axis of [null, 0, 1, -1, [0, 2], [1, 2]] as (number | number[] | null)[])
    for (const keepDims of [false, true]) {
      const ax = axis ?? undefined;
      compare(`sum ${axis} ${keepDims}`, (a) => ops.sum(a, axis, keepDims), (a) => tf.sum(a, ax, keepDims), [x], 1e-6);
      compare(`sum int32 ${axis}`, (a) => ops.sum(a, axis, keepDims), (a) => tf.sum(a, ax, keepDims), [xi]);
      compare(`mean ${axis} ${keepDims}`, (a) => ops.mean(a, axis, keepDims), (a) => tf.mean(a, ax, keepDims), [x], 1e-6);
      compare(`mean int32 ${axis}`, (a) => ops.mean(a, axis, keepDims), (a) => tf.mean(a, ax, keepDims), [xi], 1e-6);
      compare(`max ${axis}`, (a) => ops.max(a, axis, keepDims), (a) => tf.max(a, ax, keepDims), [x]);
      compare(`min int32 ${axis}`, (a) => ops.min(a, axis, keepDims), (a) => tf.min(a, ax, keepDims), [xi]);
      compare(`prod ${axis}`, (a) => ops.prod(a, axis, keepDims), (a) => tf.prod(a, ax, keepDims), [x], 1e-6);
    }
  for (const axis of [0, 1, 2, -1]) {
    compare(`argMax ${axis}`, (a) => ops.argMax(a, axis), (a) => tf.argMax(a, axis), [x]);
    compare(`argMin ${axis}`, (a) => ops.argMin(a, axis), (a) => tf.argMin(a, axis), [xi]);
  }
  const b: Input = { values: [true, false, true, true, true, false], shape: [2, 3], dtype: 'bool' };
  for (const axis of [null, 0, 1]) {
    compare(`any ${axis}`, (a) => ops.any(a, axis), (a) => tf.any(a, axis ?? undefined), [b]);
    compare(`all ${axis}`, (a) => ops.all(a, axis), (a) => tf.all(a, axis ?? undefined), [b]);
  }
  compare('sum of bool counts', (a) => ops.sum(a), (a) => tf.sum(a), [b]);
});

test('shape and layout ops match tfjs', () => {
  const x = input([2, 3, 4], 3);
  compare('transpose', (a) => ops.transpose(a, [2, 0, 1]), (a) => tf.transpose(a, [2, 0, 1]), [x]);
  compare('transpose default', (a) => ops.transpose(a), (a) => tf.transpose(a), [x]);
  compare('slice', (a) => ops.slice(a, [1, 0, 1], [1, 2, -1]), (a) => tf.slice(a, [1, 0, 1], [1, 2, -1]), [x]);
  compare('slice number begin', (a) => ops.slice(a, 1), (a) => tf.slice(a, 1), [x]);
  compare('concat', (a, b) => ops.concat([a, b], 1), (a, b) => tf.concat([a, b], 1), [x, input([2, 2, 4], 4)]);
  compare('concat int32', (a, b) => ops.concat([a, b], -1), (a, b) => tf.concat([a, b], -1), [input([2, 3], 1, 0, 9, 'int32'), input([2, 1], 2, 0, 9, 'int32')]);
  compare('pad', (a) => ops.pad(a, [[1, 0], [0, 2], [1, 1]], 0.5), (a) => tf.pad(a, [[1, 0], [0, 2], [1, 1]], 0.5), [x]);
  compare('tile', (a) => ops.tile(a, [2, 1, 3]), (a) => tf.tile(a, [2, 1, 3]), [x]);
  compare('reverse', (a) => ops.reverse(a, [0, 2]), (a) => tf.reverse(a, [0, 2]), [x]);
  compare('reverse all', (a) => ops.reverse(a), (a) => tf.reverse(a), [x]);
  compare('broadcastTo', (a) => ops.broadcastTo(a, [2, 2, 3, 4]), (a) => tf.broadcastTo(a, [2, 2, 3, 4]), [input([1, 3, 1], 5)]);
  compare('gather', (a, i) => ops.gather(a, i, 1), (a, i) => tf.gather(a, i, 1), [x, { values: [2, 0, 2, 1], shape: [2, 2], dtype: 'int32' }]);
  compare('stack', (a, b) => ops.stack([a, b], 1), (a, b) => tf.stack([a, b], 1), [input([3, 2], 1), input([3, 2], 2)]);
  compare('unstack', (a) => ops.unstack(a, 1), (a) => tf.unstack(a, 1), [x]);
  compare('split', (a) => ops.split(a, [1, -1], 2), (a) => tf.split(a, [1, -1], 2), [x]);
  compare('split equal', (a) => ops.split(a, 2, 2), (a) => tf.split(a, 2, 2), [x]);
  compare('expandDims', (a) => ops.expandDims(a, -1), (a) => tf.expandDims(a, -1), [x]);
  compare('squeeze', (a) => ops.squeeze(a), (a) => tf.squeeze(a), [input([1, 3, 1, 2], 6)]);
  compare('reshape -1', (a) => ops.reshape(a, [4, -1]), (a) => tf.reshape(a, [4, -1]), [x]);
  compare('cast float to int32 truncates', (a) => ops.cast(a, 'int32'), (a) => tf.cast(a, 'int32'), [input([8], 7, -5, 5)]);
  compare('cast to bool', (a) => ops.cast(a, 'bool'), (a) => tf.cast(a, 'bool'), [{ values: [0, 2, -1, 0], shape: [4] }]);
  compare('oneHot', (i) => ops.oneHot(i, 4), (i) => tf.oneHot(i as tf.Tensor1D, 4), [{ values: [0, 3, 1, 5, -1], shape: [5], dtype: 'int32' }]);
});

test('matMul and softmax match tfjs', () => {
  for (const [as, bs, ta, tb] of [
    [[3, 4], [4, 5], false, false], [[4, 3], [4, 5], true, false], [[3, 4], [5, 4], false, true], [[2, 3, 4], [2, 4, 2], false, false],
    [[2, 4, 3], [2, 2, 4], true, true], [[2, 3, 4], [4, 2], false, false],
  ] as [number[], number[], boolean, boolean][])
    compare(`matMul ${JSON.stringify(as)} ${JSON.stringify(bs)} ${ta} ${tb}`, (a, b) => ops.matMul(a, b, ta, tb), (a, b) => tf.matMul(a, b, ta, tb), [input(as, 1), input(bs, 2)], 1e-5);
  compare('softmax', (a) => ops.softmax(a), (a) => tf.softmax(a), [input([2, 3, 5], 9, -5, 5)], 1e-6);
});

test('batch normalisation matches tfjs: batchNorm, and training mode against moments + batchNorm with gradients', () => {
  const x = input([4, 3, 3, 5], 3), m = input([5], 4), v = input([5], 5, 0.5, 2), o = input([5], 6), sc = input([5], 7);
  compare('batchNorm per channel', (a, b, c, d, e) => ops.batchNorm(a, b, c, d, e, 1e-3), (a, b, c, d, e) => tf.batchNorm(a, b, c, d, e, 1e-3), [x, m, v, o, sc], 2e-6);
  // tfjs's CPU kernel cycles through the statistics' flat values, which equals broadcasting for
  // per-channel and full-shape statistics only (a [3, 1] mean is cycled, not broadcast): compare those.
  compare('batchNorm full-shape statistics', (a, b, c) => ops.batchNorm(a, b, c), (a, b, c) => tf.batchNorm(a, b, c), [input([2, 3, 4], 8), input([2, 3, 4], 9), input([2, 3, 4], 10, 0.5, 2)], 2e-6);
  const dy = input([4, 3, 3, 5], 12);
  const train = (a: ReturnType<typeof ops.add>, g: ReturnType<typeof ops.add>, b: ReturnType<typeof ops.add>, w: ReturnType<typeof ops.add>) => {
    for (const t of [a, g, b]) t.requiresGrad = true;
    const { value, grads } = valueAndGrads(() => ops.sum(ops.mul(ops.batchNormTraining(a, g, b, 1e-3).y, w)), [a, g, b]);
    return [value, ...grads];
  };
  compare('batchNorm training with gradients', train, (a, g, b, w) => {
    const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => {
      const { mean, variance } = tf.moments(p, [0, 1, 2]);
      // The definition, so tfjs differentiates through the statistics too.
      const xhat = tf.mul(tf.sub(p, mean), tf.rsqrt(tf.add(variance, 1e-3)));
      return tf.sum(tf.mul(tf.add(tf.mul(xhat, q), r), w));
    };
    const { value, grads } = tf.valueAndGrads(f)([a, g, b]);
    return [value, ...grads];
  }, [x, sc, o, dy], 2e-5);
});
