/**
 * The op functions exported at the package root under their tfjs names (`ck.add`, `ck.matMul`,
 * `ck.conv2d(x, filter, strides, pad)`, ...). The `ck.ops` namespace keeps the engine's internal
 * forms (fused kernels, options objects) as well.
 */
export {
  abs, acos, acosh, add, addN, asin, asinh, atan, atan2, atanh, cast, ceil, clipByValue, cos, cosh, div, divNoNan, elu, equal, erf, exp, expm1,
  floor, floorDiv, greater, greaterEqual, isFinite, isInf, isNaN, leakyRelu, less, lessEqual, log, log1p, logSigmoid, logicalAnd, logicalNot,
  logicalOr, logicalXor, maximum, minimum, mod, mul, neg, notEqual, pow, reciprocal, relu, relu6, round, rsqrt, selu, sigmoid, sign, sin, sinh,
  softplus, sqrt, square, squaredDifference, step, sub, tan, tanh, where,
} from './ops/elementwise.js';
export { all, any, argMax, argMin, euclideanNorm, logSumExp, max, mean, min, moments, norm, prod, sum } from './ops/reduction.js';
export type { NormOrder } from './ops/reduction.js';
export { broadcastTo, clone, concat, expandDims, gather, pad, reshape, reverse, slice, split, squeeze, stack, tile, transpose, unstack } from './ops/transform.js';
export {
  concat1d, concat2d, concat3d, concat4d, mirrorPad, pad1d, pad2d, pad3d, pad4d, reverse1d, reverse2d, reverse3d, reverse4d, slice1d, slice2d, slice3d,
  slice4d, unsortedSegmentSum,
} from './ops/layout.js';
export { stridedSlice } from './ops/strided.js';
export { dot, matMul, outerProduct } from './ops/linalg.js';
export { dropoutOp as dropout, logSoftmax, prelu, softmax } from './ops/nn.js';
export { oneHot } from './ops/encode.js';
export { cumprod, cumsum, topk } from './ops/scan.js';
export { avgPool, conv1d, conv2d, maxPool } from './ops/conv.js';
export type { PadArg } from './ops/conv.js';
export {
  eye, linspace, onesLike, randomNormal, randomStandardNormal, randomUniform, randomUniformInt, range, scalar, tensor1d, tensor2d, tensor3d, tensor4d,
  tensor5d, tensor6d, truncatedNormal, zerosLike,
} from './ops/creation.js';
export { customGrad, grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './gradients.js';
export type { CustomGradResult } from './gradients.js';
export type { TensorInput } from './ops/util.js';
