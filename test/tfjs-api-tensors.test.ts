/**
 * The tfjs API against real TensorFlow.js, part 2: creation, shape and layout ops, linear algebra,
 * softmax, convolution and pooling with tfjs's signatures, image ops, and the tensor methods and
 * properties tfjs programs use (print text included).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { compare, input, summary, tf, type Input } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');

after(() => console.log(`# tfjs-api-tensors: ${summary()}`));

const none: Input[] = [];


for (const backend of ['reference', 'wasm']) {
  describe(`on the ${backend} backend`, () => {
    before(() => ck.setBackendSync(backend));

    test('creation: tensor1d…tensor6d, scalar, zeros/ones/fill/zerosLike/onesLike, range, linspace, eye, oneHot, buffer', () => {
      compare('scalar', () => ck.scalar(3.5), () => tf.scalar(3.5), none);
      compare('scalar int32', () => ck.scalar(3, 'int32'), () => tf.scalar(3, 'int32'), none);
      compare('scalar bool', () => ck.scalar(true), () => tf.scalar(true), none);
      compare('tensor1d', () => ck.tensor1d([1, 2, 3]), () => tf.tensor1d([1, 2, 3]), none);
      compare('tensor1d int32', () => ck.tensor1d(Int32Array.of(1, -2), 'int32'), () => tf.tensor1d(Int32Array.of(1, -2), 'int32'), none);
      compare('tensor2d nested', () => ck.tensor2d([[1, 2], [3, 4]]), () => tf.tensor2d([[1, 2], [3, 4]]), none);
      compare('tensor2d flat', () => ck.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), () => tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), none);
      compare('tensor3d', () => ck.tensor3d([[[1], [2]], [[3], [4]]]), () => tf.tensor3d([[[1], [2]], [[3], [4]]]), none);
      compare('tensor4d', () => ck.tensor4d(new Float32Array(24).map((_, i) => i), [1, 2, 3, 4]), () => tf.tensor4d(new Float32Array(24).map((_, i) => i), [1, 2, 3, 4]), none);
      compare('tensor5d', () => ck.tensor5d([[[[[1, 2]]]]]), () => tf.tensor5d([[[[[1, 2]]]]]), none);
      compare('tensor6d', () => ck.tensor6d([1, 2, 3, 4], [1, 1, 2, 1, 2, 1]), () => tf.tensor6d([1, 2, 3, 4], [1, 1, 2, 1, 2, 1]), none);
      compare('tensor bool', () => ck.tensor([[true, false]]), () => tf.tensor([[true, false]]), none);
      compare('tensor empty', () => ck.tensor([], [0, 3]), () => tf.tensor([], [0, 3]), none);
      compare('zeros', () => ck.zeros([2, 3]), () => tf.zeros([2, 3]), none);
      compare('zeros int32', () => ck.zeros([2], 'int32'), () => tf.zeros([2], 'int32'), none);
      compare('ones bool', () => ck.ones([2], 'bool'), () => tf.ones([2], 'bool'), none);
      compare('fill', () => ck.fill([2, 2], 5), () => tf.fill([2, 2], 5), none);
      compare('fill int32', () => ck.fill([3], 5, 'int32'), () => tf.fill([3], 5, 'int32'), none);
      compare('fill bool', () => ck.fill([2], true), () => tf.fill([2], true as never), none);
      compare('zerosLike', ck.zerosLike, tf.zerosLike, [input([2, 3], 1, -5, 5, 'int32')]);
      compare('onesLike', ck.onesLike, tf.onesLike, [{ values: [true, false], shape: [2], dtype: 'bool' }]);
      compare('zerosLike method', (a) => a.zerosLike(), (a) => a.zerosLike(), [input([3], 1)]);
      for (const [start, stop, step, dtype] of [[0, 10, 3, 'float32'], [10, 0, 1, 'float32'], [0, 1, 0.1, 'float32'], [5, 1, -1.5, 'int32'], [0, 0, 1, 'float32'], [3, 7, -1, 'float32']] as const)
        compare(`range ${start} ${stop} ${step} ${dtype}`, () => ck.range(start, stop, step, dtype), () => tf.range(start, stop, step, dtype), none);
      for (const [a, b, n] of [[0, 1, 7], [0, 1, 1], [-3, 5, 20]]) compare(`linspace ${a} ${b} ${n}`, () => ck.linspace(a, b, n), () => tf.linspace(a, b, n), none);
      compare('eye', () => ck.eye(3), () => tf.eye(3), none);
      compare('eye rectangular batched int32', () => ck.eye(2, 3, [2], 'int32'), () => tf.eye(2, 3, [2], 'int32'), none);
      compare('eye batch 2', () => ck.eye(2, 2, [2, 3]), () => tf.eye(2, 2, [2, 3]), none);
      compare('oneHot', (i) => ck.oneHot(i, 4), (i) => tf.oneHot(i as tf.Tensor1D, 4), [{ values: [0, 3, 1, 5, -1], shape: [5], dtype: 'int32' }]);
      compare('oneHot values', (i) => ck.oneHot(i, 3, 5, -1), (i) => tf.oneHot(i as tf.Tensor1D, 3, 5, -1), [{ values: [1, -1, 2], shape: [3], dtype: 'int32' }]);
      compare('oneHot 2-D', (i) => ck.oneHot(i, 3), (i) => tf.oneHot(i, 3), [{ values: [0, 2, 1, 1], shape: [2, 2], dtype: 'int32' }]);
      compare('oneHot method', (i) => i.oneHot(3), (i) => (i as unknown as { oneHot(depth: number): tf.Tensor }).oneHot(3), [{ values: [2, 0], shape: [2], dtype: 'int32' }]);
      compare('buffer', () => {
        const b = ck.buffer([2, 3]);
        b.set(5, 0, 1);
        b.set(-2, 1, 2);
        return ck.tensor1d([b.get(0, 1), b.get(1, 2), b.locToIndex([1, 2]), ...b.indexToLoc(4)]);
      }, () => {
        const b = tf.buffer([2, 3]);
        b.set(5, 0, 1);
        b.set(-2, 1, 2);
        return tf.tensor1d([b.get(0, 1), b.get(1, 2), b.locToIndex([1, 2]), ...b.indexToLoc(4)]);
      }, none);
      compare('buffer toTensor int32', () => ck.buffer([2, 2], 'int32', Int32Array.of(1, 2, 3, 4)).toTensor(), () => tf.buffer([2, 2], 'int32', Int32Array.of(1, 2, 3, 4)).toTensor(), none);
      compare('bufferSync', (a) => {
        const b = a.bufferSync();
        b.set(9, 1, 0);
        return b.toTensor();
      }, (a) => {
        const b = a.bufferSync();
        b.set(9, 1, 0);
        return b.toTensor();
      }, [input([2, 2], 3)]);
    });

    test('shape and layout ops, as functions and methods', () => {
      const x = input([2, 3, 4], 3);
      compare('reshape', (a) => ck.reshape(a, [4, -1]), (a) => tf.reshape(a, [4, -1]), [x]);
      compare('reshape method', (a) => a.reshape([6, 4]), (a) => a.reshape([6, 4]), [x]);
      compare('reshapeAs', (a, b) => a.reshapeAs(b), (a, b) => a.reshapeAs(b), [x, input([4, 6], 1)]);
      compare('reshape empty', (a) => ck.reshape(a, [0, 5]), (a) => tf.reshape(a, [0, 5]), [input([5, 0], 1)]);
      compare('flatten', (a) => a.flatten(), (a) => a.flatten(), [x]);
      compare('expandDims', (a) => ck.expandDims(a, -1), (a) => tf.expandDims(a, -1), [x]);
      compare('expandDims method', (a) => a.expandDims(1), (a) => a.expandDims(1), [x]);
      compare('squeeze', (a) => ck.squeeze(a), (a) => tf.squeeze(a), [input([1, 3, 1, 2], 6)]);
      compare('squeeze axis', (a) => a.squeeze([2]), (a) => a.squeeze([2]), [input([1, 3, 1, 2], 6)]);
      compare('as2D', (a) => a.as2D(6, 4), (a) => a.as2D(6, 4), [x]);
      compare('as1D', (a) => a.as1D(), (a) => a.as1D(), [x]);
      compare('asScalar', (a) => a.asScalar(), (a) => a.asScalar(), [input([1, 1], 2)]);
      compare('slice', (a) => ck.slice(a, [1, 0, 1], [1, 2, -1]), (a) => tf.slice(a, [1, 0, 1], [1, 2, -1]), [x]);
      compare('slice number begin', (a) => ck.slice(a, 1), (a) => tf.slice(a, 1), [x]);
      compare('slice method', (a) => a.slice([0, 1], [2, 2]), (a) => a.slice([0, 1], [2, 2]), [x]);
      compare('slice2d', (a) => ck.slice2d(a, [1, 1], [2, 2]), (a) => tf.slice2d(a as tf.Tensor2D, [1, 1], [2, 2]), [input([3, 4], 1)]);
      for (const [begin, end, strides, bm, em, el, na, sh] of [
        [[0, 1], [2, -1], [1, 1], 0, 0, 0, 0, 0], [[1, 0, 0], [2, 3, 4], [1, 1, 1], 0, 0, 0, 0, 1], [[1, 2, 3], [0, 0, 0], [-1, -1, -2], 0, 0, 0, 0, 0],
        [[0, 1], [0, 3], [1, 1], 0, 0, 1, 0, 0], [[0, 0], [0, 2], [1, 1], 0, 0, 0, 1, 0], [[0, 1, 0], [0, 3, 0], [1, 1, 2], 5, 5, 0, 0, 0],
        [[1, 0, -2], [0, 3, 0], [1, 1, 1], 2, 6, 0, 0, 1], [[0], [1], [1], 0, 0, 0, 0, 1],
        [[0, 0, 0, 0], [0, 2, 0, 0], [1, 1, 1, 1], 0, 0, 0, 2, 0], [[0, 0], [-1, -1], [2, 3], 0, 0, 0, 0, 0],
      ] as [number[], number[], number[], number, number, number, number, number][])
        compare(`stridedSlice ${JSON.stringify([begin, end, strides, bm, em, el, na, sh])}`, (a) => ck.stridedSlice(a, begin, end, strides, bm, em, el, na, sh),
          (a) => tf.stridedSlice(a, begin, end, strides, bm, em, el, na, sh), [x]);
      compare('stridedSlice negative shrink', (a) => ck.stridedSlice(a, [-1, 0, -2], [0, 3, 0], [1, 1, 1], 2, 6, 0, 0, 1), (a) => tf.stridedSlice(a, [-1, 0, -2], [0, 3, 0], [1, 1, 1], 2, 6, 0, 0, 1), [x]);
      // tfjs 4.22 reads wrong elements (or fails) when a shrunk axis meets a stride other than 1 on
      // another axis; by definition x[0, 0:3:2, 2:4] of range(24) in shape [2, 3, 4] is [[2, 3], [10, 11]].
      assert.deepEqual(ck.stridedSlice(ck.range(0, 24).reshape([2, 3, 4]), [0, 0, 2], [1, 3, 4], [1, 2, 1], 0, 0, 0, 0, 1).arraySync(), [[2, 3], [10, 11]]);
      compare('stridedSlice method', (a) => a.stridedSlice([0, 2], [2, 0], [1, -1]), (a) => a.stridedSlice([0, 2], [2, 0], [1, -1]), [x]);
      compare('gather', (a, i) => ck.gather(a, i, 1), (a, i) => tf.gather(a, i, 1), [x, { values: [2, 0, 2, 1], shape: [2, 2], dtype: 'int32' }]);
      compare('gather numbers', (a) => ck.gather(a, [1, 0]), (a) => tf.gather(a, [1, 0]), [x]);
      compare('gather method', (a, i) => a.gather(i, -1), (a, i) => a.gather(i, -1), [x, { values: [3, 3, 0], shape: [3], dtype: 'int32' }]);
      compare('concat', (a, b) => ck.concat([a, b], 1), (a, b) => tf.concat([a, b], 1), [x, input([2, 2, 4], 4)]);
      compare('concat int32', (a, b) => ck.concat([a, b], -1), (a, b) => tf.concat([a, b], -1), [input([2, 3], 1, 0, 9, 'int32'), input([2, 1], 2, 0, 9, 'int32')]);
      compare('concat method', (a, b) => a.concat(b, 0), (a, b) => a.concat(b, 0), [x, x]);
      compare('concat method list', (a, b) => a.concat([b, b], 2), (a, b) => a.concat([b, b], 2), [x, input([2, 3, 1], 9)]);
      compare('concat1d', (a, b) => ck.concat1d([a, b]), (a, b) => tf.concat1d([a as tf.Tensor1D, b as tf.Tensor1D]), [input([3], 1), input([2], 2)]);
      compare('concat empty', (a, b) => ck.concat([a, b]), (a, b) => tf.concat([a, b]), [input([0, 2], 1), input([3, 2], 2)]);
      compare('stack', (a, b) => ck.stack([a, b], 1), (a, b) => tf.stack([a, b], 1), [input([3, 2], 1), input([3, 2], 2)]);
      compare('stack method', (a, b) => a.stack(b), (a, b) => a.stack(b), [input([3], 1), input([3], 2)]);
      compare('stack scalars', (a, b) => ck.stack([a, b]), (a, b) => tf.stack([a, b]), [input([], 1), input([], 2)]);
      compare('unstack', (a) => ck.unstack(a, 1), (a) => tf.unstack(a, 1), [x]);
      compare('unstack method', (a) => a.unstack(), (a) => a.unstack(), [x]);
      compare('split', (a) => ck.split(a, [1, -1], 2), (a) => tf.split(a, [1, -1], 2), [x]);
      compare('split equal', (a) => a.split(2, 2), (a) => a.split(2, 2), [x]);
      compare('tile', (a) => ck.tile(a, [2, 1, 3]), (a) => tf.tile(a, [2, 1, 3]), [x]);
      compare('tile bool', (a) => ck.tile(a, [2]), (a) => tf.tile(a, [2]), [{ values: [true, false], shape: [2], dtype: 'bool' }]);
      compare('tile method', (a) => a.tile([1, 2]), (a) => a.tile([1, 2]), [input([2, 2], 1)]);
      compare('pad', (a) => ck.pad(a, [[1, 0], [0, 2], [1, 1]], 0.5), (a) => tf.pad(a, [[1, 0], [0, 2], [1, 1]], 0.5), [x]);
      compare('pad method int32', (a) => a.pad([[1, 1]], 7), (a) => a.pad([[1, 1]], 7), [input([3], 1, 0, 5, 'int32')]);
      compare('pad2d', (a) => ck.pad2d(a, [[0, 1], [2, 0]]), (a) => tf.pad2d(a as tf.Tensor2D, [[0, 1], [2, 0]]), [input([2, 2], 3)]);
      for (const mode of ['reflect', 'symmetric'] as const) {
        compare(`mirrorPad ${mode}`, (a) => ck.mirrorPad(a, [[1, 1], [2, 1], [0, 2]], mode), (a) => tf.mirrorPad(a, [[1, 1], [2, 1], [0, 2]], mode), [x]);
        compare(`mirrorPad ${mode} 1-D`, (a) => a.mirrorPad([[2, 1]], mode), (a) => a.mirrorPad([[2, 1]], mode), [input([3], 5)]);
      }
      compare('transpose', (a) => ck.transpose(a, [2, 0, 1]), (a) => tf.transpose(a, [2, 0, 1]), [x]);
      compare('transpose default', (a) => a.transpose(), (a) => a.transpose(), [x]);
      compare('transpose rank 6', (a) => ck.transpose(a, [5, 3, 1, 0, 2, 4]), (a) => tf.transpose(a, [5, 3, 1, 0, 2, 4]), [input([2, 1, 3, 1, 2, 2], 4)]);
      compare('reverse', (a) => ck.reverse(a, [0, 2]), (a) => tf.reverse(a, [0, 2]), [x]);
      compare('reverse method', (a) => a.reverse(), (a) => a.reverse(), [x]);
      compare('reverse1d', (a) => ck.reverse1d(a), (a) => tf.reverse1d(a as tf.Tensor1D), [input([4], 1)]);
      compare('broadcastTo', (a) => ck.broadcastTo(a, [2, 2, 3, 4]), (a) => tf.broadcastTo(a, [2, 2, 3, 4]), [input([1, 3, 1], 5)]);
      compare('broadcastTo method', (a) => a.broadcastTo([3, 2]), (a) => a.broadcastTo([3, 2]), [input([2], 5)]);
      compare('unsortedSegmentSum', (a, s) => ck.unsortedSegmentSum(a, s, 3), (a, s) => tf.unsortedSegmentSum(a, s as tf.Tensor1D, 3), [input([4, 2], 7), { values: [0, 2, 0, 1], shape: [4], dtype: 'int32' }]);
      compare('cast float to int32 truncates', (a) => ck.cast(a, 'int32'), (a) => tf.cast(a, 'int32'), [input([8], 7, -5, 5)]);
      compare('cast to bool', (a) => ck.cast(a, 'bool'), (a) => tf.cast(a, 'bool'), [{ values: [0, 2, -1, 0], shape: [4] }]);
      compare('cast method', (a) => a.cast('float32'), (a) => a.cast('float32'), [input([3], 1, -5, 5, 'int32')]);
      compare('toFloat', (a) => a.toFloat(), (a) => a.toFloat(), [input([3], 1, -5, 5, 'int32')]);
      compare('toInt', (a) => a.toInt(), (a) => a.toInt(), [input([3], 1, -5, 5)]);
      compare('toBool', (a) => a.toBool(), (a) => a.toBool(), [{ values: [0, 2, -1], shape: [3] }]);
      compare('asType', (a) => a.asType('int32'), (a) => a.asType('int32'), [input([3], 1, -5, 5)]);
      compare('clone', ck.clone, tf.clone, [x]);
      compare('clone method', (a) => a.clone(), (a) => a.clone(), [input([2], 1, 0, 4, 'int32')]);
    });

    test('matMul, dot, outerProduct, softmax, logSoftmax, dropout shape', () => {
      for (const [as, bs, ta, tb] of [
        [[3, 4], [4, 5], false, false], [[4, 3], [4, 5], true, false], [[3, 4], [5, 4], false, true], [[2, 3, 4], [2, 4, 2], false, false],
        [[2, 4, 3], [2, 2, 4], true, true], [[2, 3, 4], [4, 2], false, false], [[1, 2, 3, 4], [2, 4, 3], false, false], [[0, 4], [4, 3], false, false],
      ] as [number[], number[], boolean, boolean][])
        compare(`matMul ${JSON.stringify(as)} ${JSON.stringify(bs)} ${ta} ${tb}`, (a, b) => ck.matMul(a, b, ta, tb), (a, b) => tf.matMul(a, b, ta, tb), [input(as, 1), input(bs, 2)], 1e-5);
      compare('matMul method', (a, b) => a.matMul(b, false, true), (a, b) => a.matMul(b, false, true), [input([2, 3], 1), input([4, 3], 2)], 1e-5);
      compare('matMul int32', (a, b) => ck.matMul(a, b), (a, b) => tf.matMul(a, b), [input([2, 3], 1, -9, 9, 'int32'), input([3, 2], 2, -9, 9, 'int32')]);
      for (const [as, bs] of [[[3], [3]], [[2, 3], [3]], [[3], [3, 2]], [[2, 3], [3, 4]]])
        compare(`dot ${JSON.stringify(as)} ${JSON.stringify(bs)}`, (a, b) => ck.dot(a, b), (a, b) => tf.dot(a, b), [input(as, 3), input(bs, 4)], 1e-5);
      compare('dot method', (a, b) => a.dot(b), (a, b) => a.dot(b), [input([3], 3), input([3], 4)], 1e-5);
      compare('outerProduct', (a, b) => ck.outerProduct(a, b), (a, b) => tf.outerProduct(a as tf.Tensor1D, b as tf.Tensor1D), [input([3], 5), input([4], 6)]);
      compare('softmax', (a) => ck.softmax(a), (a) => tf.softmax(a), [input([2, 3, 5], 9, -5, 5)], 1e-6);
      compare('softmax 1-D method', (a) => a.softmax(), (a) => a.softmax(), [input([6], 9, -5, 5)], 1e-6);
      compare('logSoftmax', (a) => ck.logSoftmax(a), (a) => tf.logSoftmax(a), [input([3, 5], 10, -5, 5)], 2e-6);
      compare('logSoftmax method', (a) => a.logSoftmax(-1), (a) => a.logSoftmax(-1), [input([2, 2, 4], 11, -5, 5)], 2e-6);
      // Dropout masks come from each library's own random stream: compare the kept scale and shapes.
      compare('dropout rate 0', (a) => ck.dropout(a, 0), (a) => tf.dropout(a, 0), [input([3, 4], 1)]);
      const d = ck.dropout(ck.ones([1000]), 0.25, undefined, 7).dataSync();
      assert.ok(d.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6), 'dropout keeps values scaled by 1/(1 − rate)');
      const kept = d.filter((v) => v !== 0).length;
      assert.ok(kept > 700 && kept < 800, `dropout kept ${kept} of 1000 at rate 0.25`);
    });

    test('convolution and pooling with tfjs signatures and paddings', () => {
      const x = input([2, 6, 7, 3], 40), w = input([3, 2, 3, 4], 41), square = input([3, 3, 3, 4], 45);
      for (const [strides, pad] of [[1, 'valid'], [1, 'same'], [2, 'same'], [[2, 1], 'valid'], [1, 1], [2, [[0, 0], [1, 2], [0, 1], [0, 0]]]] as [number | [number, number], ck.PadArg][]) {
        // tfjs sizes a numeric pad's output with the filter's height on both axes: square windows there.
        const f = typeof pad === 'number' ? square : w, pool: [number, number] = typeof pad === 'number' ? [2, 2] : [2, 3];
        compare(`conv2d ${JSON.stringify(strides)} ${JSON.stringify(pad)}`, (a, k) => ck.conv2d(a, k, strides, pad), (a, k) => tf.conv2d(a as tf.Tensor4D, k as tf.Tensor4D, strides, pad as never), [x, f], 1e-5);
        compare(`maxPool ${JSON.stringify(strides)} ${JSON.stringify(pad)}`, (a) => ck.maxPool(a, pool, strides, pad), (a) => tf.maxPool(a as tf.Tensor4D, pool, strides, pad as never), [x]);
        compare(`avgPool ${JSON.stringify(strides)} ${JSON.stringify(pad)}`, (a) => ck.avgPool(a, 2, strides, pad), (a) => tf.avgPool(a as tf.Tensor4D, 2, strides, pad as never), [x], 1e-6);
      }
      compare('conv2d one image', (a, f) => ck.conv2d(a, f, 1, 'same'), (a, f) => tf.conv2d(a as tf.Tensor3D, f as tf.Tensor4D, 1, 'same'), [input([5, 5, 3], 42), w], 1e-5);
      compare('conv2d method', (a, f) => a.conv2d(f, 2, 'valid'), (a, f) => (a as tf.Tensor4D).conv2d(f as tf.Tensor4D, 2, 'valid'), [x, w], 1e-5);
      compare('conv1d', (a, f) => ck.conv1d(a, f, 2, 'same'), (a, f) => tf.conv1d(a as tf.Tensor3D, f as tf.Tensor3D, 2, 'same'), [input([2, 9, 3], 43), input([3, 3, 2], 44)], 1e-5);
      compare('maxPool method', (a) => a.maxPool(2, 2, 'same'), (a) => (a as tf.Tensor4D).maxPool(2, 2, 'same'), [x]);
    });

    test('image ops: resizeBilinear, resizeNearestNeighbor (alignCorners, halfPixelCenters), flipLeftRight, cropAndResize, grayscale', () => {
      const img = input([2, 5, 4, 3], 50, 0, 255);
      for (const size of [[7, 9], [3, 2], [5, 4], [1, 1]] as [number, number][])
        for (const [align, half] of [[false, false], [true, false], [false, true]]) {
          compare(`resizeBilinear ${size} ${align} ${half}`, (a) => ck.image.resizeBilinear(a, size, align, half), (a) => tf.image.resizeBilinear(a as tf.Tensor4D, size, align, half), [img], 1e-6);
          compare(`resizeNearestNeighbor ${size} ${align} ${half}`, (a) => ck.image.resizeNearestNeighbor(a, size, align, half), (a) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, align, half), [img]);
        }
      compare('resizeBilinear one image', (a) => ck.image.resizeBilinear(a, [6, 6]), (a) => tf.image.resizeBilinear(a as tf.Tensor3D, [6, 6]), [input([3, 4, 1], 51)], 1e-6);
      compare('resizeBilinear int32', (a) => ck.image.resizeBilinear(a, [6, 3]), (a) => tf.image.resizeBilinear(a as tf.Tensor3D, [6, 3]), [input([3, 4, 2], 52, 0, 255, 'int32')], 1e-6);
      compare('resizeNearestNeighbor int32', (a) => ck.image.resizeNearestNeighbor(a, [6, 3]), (a) => tf.image.resizeNearestNeighbor(a as tf.Tensor3D, [6, 3]), [input([3, 4, 2], 52, 0, 255, 'int32')]);
      compare('resizeBilinear method', (a) => a.resizeBilinear([3, 3], true), (a) => (a as tf.Tensor4D).resizeBilinear([3, 3], true), [img], 1e-6);
      compare('flipLeftRight', (a) => ck.image.flipLeftRight(a), (a) => tf.image.flipLeftRight(a as tf.Tensor4D), [img]);
      const boxes: Input = { values: [0, 0, 1, 1, 0.2, 0.1, 0.9, 0.7, -0.2, 0.5, 0.6, 1.3, 0.5, 0.5, 0.5, 0.5], shape: [4, 4] };
      const ind: Input = { values: [0, 1, 1, 0], shape: [4], dtype: 'int32' };
      for (const method of ['bilinear', 'nearest'] as const)
        for (const crop of [[3, 3], [1, 4], [5, 2]] as [number, number][])
          compare(`cropAndResize ${method} ${crop}`, (a, b, i) => ck.image.cropAndResize(a, b, i, crop, method, 7), (a, b, i) => tf.image.cropAndResize(a as tf.Tensor4D, b as tf.Tensor2D, i as tf.Tensor1D, crop, method, 7), [img, boxes, ind], 1e-6);
      compare('rgbToGrayscale', (a) => ck.image.rgbToGrayscale(a), (a) => tf.image.rgbToGrayscale(a as tf.Tensor4D), [img], 2e-6);
      compare('rgbToGrayscale int32', (a) => ck.image.rgbToGrayscale(a), (a) => tf.image.rgbToGrayscale(a as tf.Tensor4D), [input([2, 2, 3], 53, 0, 255, 'int32')]);
      compare('grayscaleToRGB', (a) => ck.image.grayscaleToRGB(a), (a) => tf.image.grayscaleToRGB(a as tf.Tensor3D), [input([2, 3, 1], 54)]);
    });

    test('tensor methods and properties: data, array, buffer, shape/rank/dtype/size, print text', async () => {
      const values = [[1.5, -2], [3.25, 1e-8], [123456.789, 0]];
      const a = ck.tensor(values), b = tf.tensor(values);
      assert.deepEqual([...a.shape], b.shape);
      assert.equal(a.rank, b.rank);
      assert.equal(a.dtype, b.dtype);
      assert.equal(a.size, b.size);
      assert.deepEqual(a.arraySync(), b.arraySync());
      assert.deepEqual(await a.array(), await b.array());
      assert.deepEqual(Array.from(await a.data()), Array.from(await b.data()));
      assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
      assert.deepEqual((await a.buffer()).values, (await b.buffer()).values);
      assert.deepEqual(Array.from(await a.bytes()), Array.from((await b.bytes()) as Uint8Array));
      const texts: [string, ck.Tensor, tf.Tensor][] = [
        ['matrix', a, b], ['scalar', ck.scalar(2.5), tf.scalar(2.5)], ['bool', ck.tensor([true, false]), tf.tensor([true, false])],
        ['int32 3-D', ck.tensor3d([[[1, 22], [333, 4]], [[5, 6], [7, 8]]], undefined, 'int32'), tf.tensor3d([[[1, 22], [333, 4]], [[5, 6], [7, 8]]], undefined, 'int32')],
        ['long', ck.range(0, 30), tf.range(0, 30)], ['long matrix', ck.ones([25, 2]), tf.ones([25, 2])], ['empty', ck.zeros([0, 2]), tf.zeros([0, 2])],
        ['rank 4', ck.range(0, 16).reshape([2, 2, 2, 2]), tf.range(0, 16).reshape([2, 2, 2, 2])],
      ];
      for (const [what, x, y] of texts) {
        assert.equal(x.toString(), y.toString(), `toString of ${what}`);
        assert.equal(x.toString(true), y.toString(true), `verbose toString of ${what}`);
      }
      const printed: string[] = [];
      const log = console.log;
      console.log = (s: string) => void printed.push(s);
      try {
        a.print();
        ck.scalar(1).print(true);
        ck.print(a, true);
      } finally {
        console.log = log;
      }
      assert.deepEqual(printed, [b.toString(), tf.scalar(1).toString(true), b.toString(true)]);
      const c = a.clone();
      a.dispose();
      assert.equal(a.isDisposed, true);
      assert.equal(c.isDisposed, false);
      assert.throws(() => a.add(1), /add: the tensor \(3, 2\) \(float32\) is disposed/);
      assert.throws(() => a.dataSync(), /disposed/);
    });
  });
}
