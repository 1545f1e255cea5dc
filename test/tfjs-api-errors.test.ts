/**
 * Misuse of the tfjs API gets an error that names the op, the argument and the shapes or values
 * involved (a typed ValueError or ShapeError), rather than a wrong result or a message from deep
 * inside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';

ck.setBackendSync('reference');

const cases: [string, () => unknown, RegExp, 'ValueError' | 'ShapeError' | 'StateError'][] = [
  ['broadcasting', () => ck.add(ck.ones([3, 4]), ck.ones([5])), /^add: operands could not be broadcast together: \(3, 4\) and \(5,\)/, 'ShapeError'],
  ['broadcasting, method', () => ck.ones([2, 3]).mul(ck.ones([2])), /^mul: operands could not be broadcast together: \(2, 3\) and \(2,\)/, 'ShapeError'],
  ['an argument of the wrong kind', () => ck.sub(ck.ones([3]), 'x' as never), /^sub: argument 'b' must be a tensor or numbers/, 'ValueError'],
  ['matMul inner dimensions', () => ck.matMul(ck.ones([3, 4]), ck.ones([5, 2])), /^matMul: inner dimensions must agree\. Received \(3, 4\) · \(5, 2\) \(4 vs 5\)/, 'ShapeError'],
  ['dot inner dimensions', () => ck.dot(ck.ones([2, 3]), ck.ones([2])), /^dot: inner dimensions must match\. Received \(2, 3\) and \(2,\)/, 'ShapeError'],
  ['reshape size', () => ck.ones([2, 3]).reshape([4, 2]), /^reshape: cannot reshape \(2, 3\) \(6 values\) into \(4, 2\)/, 'ShapeError'],
  ['concat shapes', () => ck.concat([ck.ones([2, 3]), ck.ones([2, 4])]), /^concat: shapes must match except along axis 0\. Received \(2, 3\), \(2, 4\)/, 'ShapeError'],
  ['stack shapes', () => ck.stack([ck.ones([2]), ck.ones([3])]), /^stack: all tensors must have the same shape\. Received \(2,\), \(3,\)/, 'ShapeError'],
  ['slice bounds', () => ck.slice(ck.ones([2, 3]), [1, 2], [2, 2]), /^slice: begin \[1,2\] and size \[2,2\] do not fit in shape \(2, 3\)/, 'ShapeError'],
  ['reduction axis', () => ck.sum(ck.ones([2, 3]), 2), /^sum: axis 2 is out of range for a rank-2 tensor/, 'ValueError'],
  ['expandDims axis', () => ck.expandDims(ck.ones([2]), 3), /^expandDims: axis 3 is out of range for a rank-1 tensor \(2,\) \(expected \[-2, 1\]\)/, 'ValueError'],
  ['transpose perm', () => ck.transpose(ck.ones([2, 3]), [0, 0]), /^transpose: perm must be a permutation of \[0, 2\)\. Received perm=\[0,0\] for shape \(2, 3\)/, 'ValueError'],
  ['gather indices dtype', () => ck.gather(ck.ones([2, 3]), ck.tensor([0.5])), /^gather: argument 'indices' must have dtype int32\. Received float32 \(1,\)/, 'ValueError'],
  ['squeeze axis', () => ck.squeeze(ck.ones([2, 3]), [1]), /^squeeze: axis 1 of shape \(2, 3\) is not 1/, 'ShapeError'],
  ['split sizes', () => ck.split(ck.ones([5]), 2), /^split: the axis of size 5 cannot be split into 2 equal parts/, 'ValueError'],
  ['topk k', () => ck.topk(ck.ones([3]), 4), /^topk: k must be an integer in \[0, 3\] for x of shape \(3,\)\. Received k=4/, 'ValueError'],
  ['tile reps', () => ck.tile(ck.ones([2]), [2, 2]), /^tile: reps must hold 1 non-negative integers\. Received \[2,2\] for shape \(2,\)/, 'ValueError'],
  ['pad pairs', () => ck.pad(ck.ones([2]), [[1, 1], [0, 0]]), /^pad: paddings must be 1 pairs/, 'ValueError'],
  ['mirrorPad size', () => ck.mirrorPad(ck.ones([2]), [[2, 0]], 'reflect'), /^mirrorPad: paddings of axis 0 must be integers in \[0, 1\] for mode 'reflect'/, 'ValueError'],
  ['stridedSlice index', () => ck.stridedSlice(ck.ones([2, 3]), [5], [6], [1], 0, 0, 0, 0, 1), /^stridedSlice: index 5 is out of bounds for axis 0 of size 2/, 'ValueError'],
  ['conv2d channels', () => ck.conv2d(ck.ones([1, 4, 4, 3]), ck.ones([3, 3, 2, 1]), 1, 'same'), /^conv2d: x \(1, 4, 4, 3\) has 3 channels but filter \(3, 3, 2, 1\) expects 2/, 'ShapeError'],
  ['conv2d dilations', () => ck.conv2d(ck.ones([1, 4, 4, 1]), ck.ones([3, 3, 1, 1]), 1, 'same', 'NHWC', 2), /^conv2d: dilations other than 1 are not supported\. Received 2/, 'ValueError'],
  ['resize rank', () => ck.image.resizeBilinear(ck.ones([4, 4]), [2, 2]), /^resizeBilinear: images must have rank 3 \[h, w, c\] or 4 \[n, h, w, c\]\. Received \(4, 4\)/, 'ShapeError'],
  ['cropAndResize boxes', () => ck.image.cropAndResize(ck.ones([1, 4, 4, 1]), ck.ones([2, 3]), ck.tensor1d([0, 0], 'int32'), [2, 2]), /^cropAndResize: boxes must have shape \[numBoxes, 4\]\. Received \(2, 3\)/, 'ShapeError'],
  ['where condition', () => ck.where(ck.ones([2]), ck.ones([2]), ck.ones([2])), /^where: argument 'condition' must have dtype bool\. Received float32/, 'ValueError'],
  ['logical dtypes', () => ck.logicalAnd(ck.ones([2]), ck.ones([2])), /^logicalAnd: both arguments must have dtype bool\. Received float32 and float32/, 'ValueError'],
  ['ragged values', () => ck.tensor([[1, 2], [3]]), /^tensor: ragged nested array/, 'ShapeError'],
  ['tensor2d from a flat array', () => ck.tensor2d([1, 2, 3]), /^tensor2d: shape must be given when values are a flat array/, 'ValueError'],
  ['loss shapes', () => ck.losses.meanSquaredError(ck.ones([2, 3]), ck.ones([3, 2])), /^meanSquaredError: labels and predictions must have the same shape\. Received \(2, 3\) and \(3, 2\)/, 'ShapeError'],
  ['cast dtype', () => ck.cast(ck.ones([2]), 'string' as never), /^cast: dtype must be 'float32', 'int32' or 'bool'\. Received "string"/, 'ValueError'],
  ['softmax axis', () => ck.softmax(ck.ones([2, 3]), 0), /^softmax: only the last axis is supported \(as in tfjs\)\. Received axis 0 for shape \(2, 3\)/, 'ValueError'],
  ['disposed tensor', () => {
    const t = ck.ones([2]);
    t.dispose();
    return ck.add(t, 1);
  }, /^add: argument 'a' is a disposed tensor/, 'ValueError'],
  ['variable from values', () => ck.variable([1, 2] as never), /^variable: initialValue must be a tensor/, 'ValueError'],
  ['unknown gradient target', () => ck.train.sgd(0.1).applyGradients({ nope: ck.ones([1]) }), /^SGD\.applyGradients: no variable named 'nope' is registered/, 'ValueError'],
  ['unknown loss', () => ck.losses.get('focal'), /^losses\.get: unknown loss "focal"/, 'ValueError'],
  ['unknown metric', () => ck.metrics.get('f1'), /^metrics\.get: unknown metric "f1"/, 'ValueError'],
  ['tidy without a function', () => ck.tidy('name' as never), /^tidy: 'name' expects a function/, 'ValueError'],
];

test('misuse names the op, the argument and the shapes', () => {
  for (const [what, f, message, kind] of cases)
    assert.throws(f, (e: Error) => {
      assert.equal(e.name, kind, `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      return true;
    }, what);
});
