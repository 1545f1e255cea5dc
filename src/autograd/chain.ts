/**
 * Chainable tensor methods, as TensorFlow.js has them (`a.add(b).relu().sum()`): each method is
 * the op of the same name with the tensor as its first argument. They are installed on
 * `Tensor.prototype` here (tfjs does the same in `chained_ops`), so the Tensor class itself stays
 * free of the op modules; this module is loaded by `autograd/ops.ts`, i.e. wherever ops exist.
 */
import { StateError, ValueError, fmtShape } from '../errors.js';
import { TensorBuffer } from '../tensor/buffer.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { variable, type Variable } from '../tensor/variable.js';
import { avgPool, conv1d, conv2d, maxPool } from './ops/conv.js';
import { onesLike, zerosLike } from './ops/creation.js';
import * as ew from './ops/elementwise.js';
import { oneHot } from './ops/encode.js';
import { resizeBilinear, resizeNearestNeighbor } from './ops/image.js';
import { flatten, mirrorPad, reshapeAs, unsortedSegmentSum } from './ops/layout.js';
import { dot, matMul } from './ops/linalg.js';
import { dropoutOp, logSoftmax, prelu, softmax } from './ops/nn.js';
import * as red from './ops/reduction.js';
import { cumprod, cumsum, topk } from './ops/scan.js';
import { stridedSlice } from './ops/strided.js';
import * as tr from './ops/transform.js';
import type { TensorInput } from './ops/util.js';

/** An op as a method: its first parameter becomes `this`. */
type Method<F> = F extends (x: never, ...rest: infer R) => infer O ? (...rest: R) => O : never;

/** The ops that become methods unchanged (tfjs method name = op name). */
const SAME = {
  abs: ew.abs, acos: ew.acos, acosh: ew.acosh, add: ew.add, asin: ew.asin, asinh: ew.asinh, atan: ew.atan, atan2: ew.atan2, atanh: ew.atanh,
  cast: ew.cast, ceil: ew.ceil, clipByValue: ew.clipByValue, cos: ew.cos, cosh: ew.cosh, div: ew.div, divNoNan: ew.divNoNan, elu: ew.elu,
  equal: ew.equal, erf: ew.erf, exp: ew.exp, expm1: ew.expm1, floor: ew.floor, floorDiv: ew.floorDiv, greater: ew.greater,
  greaterEqual: ew.greaterEqual, isFinite: ew.isFinite, isInf: ew.isInf, isNaN: ew.isNaN, leakyRelu: ew.leakyRelu, less: ew.less,
  lessEqual: ew.lessEqual, log: ew.log, log1p: ew.log1p, logSigmoid: ew.logSigmoid, logicalAnd: ew.logicalAnd, logicalNot: ew.logicalNot,
  logicalOr: ew.logicalOr, logicalXor: ew.logicalXor, maximum: ew.maximum, minimum: ew.minimum, mod: ew.mod, mul: ew.mul, neg: ew.neg,
  notEqual: ew.notEqual, pow: ew.pow, reciprocal: ew.reciprocal, relu: ew.relu, relu6: ew.relu6, round: ew.round, rsqrt: ew.rsqrt,
  selu: ew.selu, sigmoid: ew.sigmoid, sign: ew.sign, sin: ew.sin, sinh: ew.sinh, softplus: ew.softplus, sqrt: ew.sqrt, square: ew.square,
  squaredDifference: ew.squaredDifference, step: ew.step, sub: ew.sub, tan: ew.tan, tanh: ew.tanh,
  all: red.all, any: red.any, argMax: red.argMax, argMin: red.argMin, euclideanNorm: red.euclideanNorm, logSumExp: red.logSumExp,
  max: red.max, mean: red.mean, min: red.min, norm: red.norm, prod: red.prod, sum: red.sum,
  broadcastTo: tr.broadcastTo, clone: tr.clone, expandDims: tr.expandDims, gather: tr.gather, pad: tr.pad, reshape: tr.reshape,
  reverse: tr.reverse, slice: tr.slice, split: tr.split, squeeze: tr.squeeze, tile: tr.tile, transpose: tr.transpose, unstack: tr.unstack,
  flatten, mirrorPad, reshapeAs, unsortedSegmentSum, stridedSlice, matMul, dot, softmax, logSoftmax, prelu, oneHot, cumsum, cumprod, topk,
  zerosLike, onesLike, conv1d, conv2d, maxPool, avgPool, resizeBilinear, resizeNearestNeighbor, dropout: dropoutOp,
};

type Same = { [K in keyof typeof SAME]: Method<(typeof SAME)[K]> };

/** Methods that are not the op with `this` first. */
interface Extra {
  /** `concat([this, ...others], axis)`. */
  concat(x: TensorInput | readonly TensorInput[], axis?: number): Tensor;
  /** `stack([this, x], axis)`. */
  stack(x: TensorInput, axis?: number): Tensor;
  /** `where(condition, this, x)` (tfjs's argument order). */
  where(condition: TensorInput, x: TensorInput): Tensor;
  toFloat(): Tensor;
  toInt(): Tensor;
  toBool(): Tensor;
  asType(dtype: 'float32' | 'int32' | 'bool'): Tensor;
  asScalar(): Tensor;
  as1D(): Tensor;
  as2D(rows: number, columns: number): Tensor;
  as3D(rows: number, columns: number, depth: number): Tensor;
  as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
  as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor;
  /** The values as a TensorBuffer (a copy). */
  buffer(): Promise<TensorBuffer>;
  bufferSync(): TensorBuffer;
  /** The raw bytes of the values (little-endian). */
  bytes(): Promise<Uint8Array>;
  /** A variable initialised with this tensor (tfjs `tensor.variable`). */
  variable(trainable?: boolean, name?: string, dtype?: DType): Variable;
}

declare module '../tensor/tensor.js' {
  // The chained methods, typed from their ops (declaration merging with the class).
  interface Tensor extends Same, Extra {}
}

function toBuffer(t: Tensor, values: ArrayLike<number>): TensorBuffer {
  const dtype = t.dtype === 'uint8' ? 'int32' : t.dtype;
  return new TensorBuffer(t.shape, dtype, Array.from(values));
}

function asRank(t: Tensor, shape: number[]): Tensor {
  if (shape.reduce((a, b) => a * b, 1) !== t.size) throw new ValueError(`as${shape.length}D: shape ${fmtShape(shape)} does not hold the ${t.size} values of ${fmtShape(t.shape)}`);
  return tr.reshape(t, shape);
}

const EXTRA: Extra & ThisType<Tensor> = {
  concat(this: Tensor, x, axis = 0) {
    const rest = Array.isArray(x) ? (x as TensorInput[]) : [x as TensorInput];
    return tr.concat([this, ...rest], axis);
  },
  stack(this: Tensor, x, axis = 0) {
    return tr.stack([this, x], axis);
  },
  where(this: Tensor, condition, x) {
    return ew.where(condition, this, x);
  },
  toFloat(this: Tensor) {
    return ew.cast(this, 'float32');
  },
  toInt(this: Tensor) {
    return ew.cast(this, 'int32');
  },
  toBool(this: Tensor) {
    return ew.cast(this, 'bool');
  },
  asType(this: Tensor, dtype) {
    return ew.cast(this, dtype);
  },
  asScalar(this: Tensor) {
    if (this.size !== 1) throw new ValueError(`asScalar: the tensor must hold exactly one value. Received shape ${fmtShape(this.shape)}`);
    return tr.reshape(this, []);
  },
  as1D(this: Tensor) {
    return tr.reshape(this, [this.size]);
  },
  as2D(this: Tensor, r, c) {
    return asRank(this, [r, c]);
  },
  as3D(this: Tensor, r, c, d) {
    return asRank(this, [r, c, d]);
  },
  as4D(this: Tensor, r, c, d, d2) {
    return asRank(this, [r, c, d, d2]);
  },
  as5D(this: Tensor, r, c, d, d2, d3) {
    return asRank(this, [r, c, d, d2, d3]);
  },
  async buffer(this: Tensor) {
    return toBuffer(this, await this.data());
  },
  bufferSync(this: Tensor) {
    return toBuffer(this, this.dataSync());
  },
  async bytes(this: Tensor) {
    const v = await this.data();
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  },
  variable(this: Tensor, trainable = true, name?: string, dtype?: DType) {
    return variable(this, trainable, name, dtype);
  },
};

function install(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const [name, op] of Object.entries(SAME)) {
    const f = op as (x: Tensor, ...rest: unknown[]) => unknown;
    proto[name] = function (this: Tensor, ...rest: unknown[]) {
      if (this.isDisposed) throw new StateError(`${name}: the tensor ${fmtShape(this.shape)} (${this.dtype}) is disposed`);
      return f(this, ...rest);
    };
  }
  for (const [name, f] of Object.entries(EXTRA)) proto[name] = f;
}

install();
