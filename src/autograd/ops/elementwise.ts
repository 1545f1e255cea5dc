/**
 * Element-wise ops with NumPy broadcasting (tfjs names and dtype rules), each with its gradient
 * beside it. Gradients of broadcast operands are summed back to their shapes.
 */
import type { BinaryOp, DifferentiableUnaryOp, DType as StorageDType, UnaryOp } from '../../backend/backend.js';
import { broadcastAxes, broadcastShapes, broadcastStrides } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { sum } from './reduction.js';
import { asStorage, storageType, toTensor, upcast, type TensorInput } from './util.js';

// ---- unary ---------------------------------------------------------------------------------------

/** Ops whose output keeps an int32 input's dtype (tfjs); the others compute in float32. */
const KEEPS_INT = new Set<UnaryOp>(['neg', 'abs', 'sign', 'square', 'relu', 'relu6', 'clip', 'affine']);
/** Ops that write bool. */
const TO_BOOL = new Set<UnaryOp>(['isNaN', 'isInf', 'isFinite', 'logicalNot']);
/** Ops whose gradient is zero almost everywhere (no backward kernel needed). */
const PIECEWISE_CONSTANT = new Set<UnaryOp>(['sign', 'floor', 'ceil', 'round', 'step']);

/** y = op(x) element-wise, differentiable where the op is. */
export function unaryOp(op: UnaryOp, xIn: TensorInput, params?: readonly number[], name: string = op): Tensor {
  const x0 = toTensor(xIn, 'x', name);
  if (op === 'logicalNot' && x0.dtype !== 'bool') throw new ValueError(`${name}: argument 'x' must have dtype bool. Received ${x0.dtype}`);
  const inType = storageType(x0);
  const outType: StorageDType = TO_BOOL.has(op) ? 'bool' : KEEPS_INT.has(op) && inType !== 'float32' ? (inType === 'bool' ? 'int32' : inType) : 'float32';
  // Kernels read float32 except bool/int passthroughs of the int-preserving ops.
  const x = outType === 'float32' || TO_BOOL.has(op) ? asStorage(x0, op === 'logicalNot' ? 'bool' : 'float32') : asStorage(x0, outType);
  const be = x.backend;
  const y = Tensor.empty(x.shape, outType, be);
  be.unary(op, x.storage, y.storage, x.size, params);
  if (outType !== 'float32' || PIECEWISE_CONSTANT.has(op)) return y;
  return record(y, name, [x0], (dy, grads) => {
    if (!x0.requiresGrad) return;
    const s = grads.slot(x0);
    be.unaryBackward(op as DifferentiableUnaryOp, x.storage, y.storage, dy.storage, s.grad.storage, x.size, s.accumulate, params);
  });
}

export const neg = (x: TensorInput): Tensor => unaryOp('neg', x);
export const abs = (x: TensorInput): Tensor => unaryOp('abs', x);
export const sign = (x: TensorInput): Tensor => unaryOp('sign', x);
export const square = (x: TensorInput): Tensor => unaryOp('square', x);
export const sqrt = (x: TensorInput): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: TensorInput): Tensor => unaryOp('rsqrt', x);
export const reciprocal = (x: TensorInput): Tensor => unaryOp('reciprocal', x);
export const exp = (x: TensorInput): Tensor => unaryOp('exp', x);
export const expm1 = (x: TensorInput): Tensor => unaryOp('expm1', x);
export const log = (x: TensorInput): Tensor => unaryOp('log', x);
export const log1p = (x: TensorInput): Tensor => unaryOp('log1p', x);
export const sin = (x: TensorInput): Tensor => unaryOp('sin', x);
export const cos = (x: TensorInput): Tensor => unaryOp('cos', x);
export const tan = (x: TensorInput): Tensor => unaryOp('tan', x);
export const asin = (x: TensorInput): Tensor => unaryOp('asin', x);
export const acos = (x: TensorInput): Tensor => unaryOp('acos', x);
export const atan = (x: TensorInput): Tensor => unaryOp('atan', x);
export const sinh = (x: TensorInput): Tensor => unaryOp('sinh', x);
export const cosh = (x: TensorInput): Tensor => unaryOp('cosh', x);
export const tanh = (x: TensorInput): Tensor => unaryOp('tanh', x);
export const asinh = (x: TensorInput): Tensor => unaryOp('asinh', x);
export const acosh = (x: TensorInput): Tensor => unaryOp('acosh', x);
export const atanh = (x: TensorInput): Tensor => unaryOp('atanh', x);
export const floor = (x: TensorInput): Tensor => unaryOp('floor', x);
export const ceil = (x: TensorInput): Tensor => unaryOp('ceil', x);
export const round = (x: TensorInput): Tensor => unaryOp('round', x);
export const erf = (x: TensorInput): Tensor => unaryOp('erf', x);
export const relu = (x: TensorInput): Tensor => unaryOp('relu', x);
export const relu6 = (x: TensorInput): Tensor => unaryOp('relu6', x);
export const elu = (x: TensorInput, alpha = 1): Tensor => unaryOp('elu', x, [alpha]);
export const selu = (x: TensorInput): Tensor => unaryOp('selu', x);
export const sigmoid = (x: TensorInput): Tensor => unaryOp('sigmoid', x);
export const logSigmoid = (x: TensorInput): Tensor => unaryOp('logSigmoid', x);
export const softplus = (x: TensorInput): Tensor => unaryOp('softplus', x);
export const softsign = (x: TensorInput): Tensor => unaryOp('softsign', x);
/** GELU, exact (x·Φ(x)) by default or with the tanh approximation. */
export const gelu = (x: TensorInput, approximate = false): Tensor => unaryOp(approximate ? 'geluTanh' : 'gelu', x, undefined, 'gelu');
export const swish = (x: TensorInput): Tensor => unaryOp('swish', x);
export const mish = (x: TensorInput): Tensor => unaryOp('mish', x);
export const hardSigmoid = (x: TensorInput): Tensor => unaryOp('hardSigmoid', x);
export const leakyRelu = (x: TensorInput, alpha = 0.2): Tensor => unaryOp('leakyRelu', x, [alpha], 'leakyRelu');
export const step = (x: TensorInput, alpha = 0): Tensor => unaryOp('step', x, [alpha]);
export const isNaN = (x: TensorInput): Tensor => unaryOp('isNaN', x);
export const isInf = (x: TensorInput): Tensor => unaryOp('isInf', x);
export const isFinite = (x: TensorInput): Tensor => unaryOp('isFinite', x);
export const logicalNot = (x: TensorInput): Tensor => unaryOp('logicalNot', x);

/** Clips every value into [min, max] (tfjs `clipByValue`). */
export function clipByValue(x: TensorInput, clipValueMin: number, clipValueMax: number): Tensor {
  if (!(clipValueMin <= clipValueMax)) throw new ValueError(`clipByValue: clipValueMin must be <= clipValueMax. Received clipValueMin=${clipValueMin}, clipValueMax=${clipValueMax}`);
  return unaryOp('clip', x, [clipValueMin, clipValueMax], 'clipByValue');
}

/** x · scale + offset in one pass (a tensor times a number). */
export function affine(x: TensorInput, scale: number, offset = 0): Tensor {
  return unaryOp('affine', x, [scale, offset], 'affine');
}

/** x · alpha. */
export const scale = (x: TensorInput, alpha: number): Tensor => affine(x, alpha, 0);

// ---- cast ----------------------------------------------------------------------------------------

/** Converts to a dtype (tfjs `cast`); the gradient flows through float-to-float casts only. */
export function cast(xIn: TensorInput, dtype: StorageDType): Tensor {
  const x = toTensor(xIn, 'x', 'cast');
  if (!['float32', 'int32', 'bool'].includes(dtype)) throw new ValueError(`cast: dtype must be 'float32', 'int32' or 'bool'. Received ${JSON.stringify(dtype)}`);
  if (x.dtype !== dtype) return asStorage(x, dtype);
  const y = Tensor.view(x, x.shape);
  return record(y, 'cast', [x], (dy, grads) => grads.add(x, dy));
}

// ---- binary --------------------------------------------------------------------------------------

const COMPARISON = new Set<BinaryOp>(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);
const LOGICAL = new Set<BinaryOp>(['logicalAnd', 'logicalOr', 'logicalXor']);

/** The broadcast output shape of two operands, or a ShapeError naming the op and both shapes. */
export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const out = broadcastShapes(a, b);
  if (!out) throw new ShapeError(`${op}: operands could not be broadcast together: ${fmtShape(a)} and ${fmtShape(b)} (each pair of trailing dimensions must be equal or 1)`);
  return out;
}

/** Sums a gradient of the broadcast shape back to `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const axes = broadcastAxes(shape, g.shape);
  if (axes.length === 0) return g;
  return sum(g, axes).reshape(shape);
}

/** out = op(a, b) with broadcasting, no gradient. Inputs are converted to `inType` first. */
function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, inType: StorageDType, outType: StorageDType, name: string): Tensor {
  const shape = broadcastShape(name, a.shape, b.shape);
  const A = asStorage(a, inType), B = asStorage(b, inType);
  const be = A.backend;
  const y = Tensor.empty(shape, outType, be);
  be.binary(op, A.storage, B.storage, y.storage, { shape, strides: [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)] });
  return y;
}

/** The pair as tensors of a common dtype, as tfjs's makeTypesMatch upcasts. */
function operands(aIn: TensorInput, bIn: TensorInput, name: string): [Tensor, Tensor, StorageDType] {
  const a = toTensor(aIn, 'a', name), b = toTensor(bIn, 'b', name);
  return [a, b, upcast(a.dtype, b.dtype)];
}

type BinaryGrad = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

/** A differentiable binary op: `grad` gives the gradients of the broadcast operands (summed back here). */
function binaryOp(op: BinaryOp, aIn: TensorInput, bIn: TensorInput, grad: BinaryGrad | null, name: string = op): Tensor {
  const [a, b, type] = operands(aIn, bIn, name);
  let outType: StorageDType = type;
  let kernelOp = op;
  if (COMPARISON.has(op)) outType = 'bool';
  if (LOGICAL.has(op)) {
    if (a.dtype !== 'bool' || b.dtype !== 'bool') throw new ValueError(`${name}: both arguments must have dtype bool. Received ${a.dtype} and ${b.dtype}`);
    outType = 'bool';
  }
  // tfjs divides int32 by int32 with floor division.
  if (op === 'div' && type === 'int32') kernelOp = 'floorDiv';
  if (type === 'bool' && !COMPARISON.has(op) && !LOGICAL.has(op)) outType = 'int32';
  // tfjs's floorDiv always writes int32.
  if (op === 'floorDiv') outType = 'int32';
  const inType: StorageDType = type === 'bool' && outType === 'int32' ? 'int32' : type;
  const y = binaryRaw(kernelOp, a, b, inType, outType, name);
  if (!grad || outType !== 'float32') return y;
  return record(y, name, [a, b], (dy, grads) => {
    const [ga, gb] = grad(dy, a, b, y);
    if (ga && a.requiresGrad) grads.add(a, sumToShape(ga, a.shape));
    if (gb && b.requiresGrad) grads.add(b, sumToShape(gb, b.shape));
  });
}

export const add = (a: TensorInput, b: TensorInput): Tensor => binaryOp('add', a, b, (dy) => [dy, dy]);
export const sub = (a: TensorInput, b: TensorInput): Tensor => binaryOp('sub', a, b, (dy) => [dy, neg(dy)]);
export const mul = (a: TensorInput, b: TensorInput): Tensor => binaryOp('mul', a, b, (dy, x, z) => [mul(dy, z), mul(dy, x)]);
export const div = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('div', a, b, (dy, x, z) => [div(dy, z), neg(div(mul(dy, x), square(z)))]);
/** a / b, 0 where b is 0 (int32 operands divide with floor division, as tfjs's `div`). */
export function divNoNan(aIn: TensorInput, bIn: TensorInput): Tensor {
  const [a, b, type] = operands(aIn, bIn, 'divNoNan');
  if (type === 'int32') return where(equal(b, 0), Tensor.fromValues([], [0], 'int32'), floorDiv(a, b));
  return binaryOp('divNoNan', a, b, (dy, x, z) => [divNoNan(dy, z), neg(divNoNan(mul(dy, x), square(z)))]);
}
export const floorDiv = (a: TensorInput, b: TensorInput): Tensor => binaryOp('floorDiv', a, b, null);
export const mod = (a: TensorInput, b: TensorInput): Tensor => binaryOp('mod', a, b, (dy, x, z) => [dy, mul(dy, neg(floor(div(x, z))))]);
export const pow = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('pow', a, b, (dy, x, z, y) => {
    // d/da = b·a^(b−1); d/db = a^b·log(a), taken as 0 where a ≤ 0 (as TensorFlow does).
    const ga = mul(dy, mul(z, pow(x, sub(z, 1))));
    const logx = where(greater(x, 0), log(x), 0);
    return [ga, mul(dy, mul(y, logx))];
  });
export const maximum = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('maximum', a, b, (dy, x, z) => [mul(dy, cast(greaterEqual(x, z), 'float32')), mul(dy, cast(less(x, z), 'float32'))]);
export const minimum = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('minimum', a, b, (dy, x, z) => [mul(dy, cast(lessEqual(x, z), 'float32')), mul(dy, cast(greater(x, z), 'float32'))]);
export const squaredDifference = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('squaredDifference', a, b, (dy, x, z) => {
    const d = mul(dy, scale(sub(x, z), 2));
    return [d, neg(d)];
  });
export const atan2 = (a: TensorInput, b: TensorInput): Tensor =>
  binaryOp('atan2', a, b, (dy, x, z) => {
    const den = add(square(x), square(z));
    return [div(mul(dy, z), den), div(mul(dy, neg(x)), den)];
  });

export const equal = (a: TensorInput, b: TensorInput): Tensor => binaryOp('equal', a, b, null);
export const notEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('notEqual', a, b, null);
export const less = (a: TensorInput, b: TensorInput): Tensor => binaryOp('less', a, b, null);
export const lessEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('lessEqual', a, b, null);
export const greater = (a: TensorInput, b: TensorInput): Tensor => binaryOp('greater', a, b, null);
export const greaterEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('greaterEqual', a, b, null);
export const logicalAnd = (a: TensorInput, b: TensorInput): Tensor => binaryOp('logicalAnd', a, b, null);
export const logicalOr = (a: TensorInput, b: TensorInput): Tensor => binaryOp('logicalOr', a, b, null);
export const logicalXor = (a: TensorInput, b: TensorInput): Tensor => binaryOp('logicalXor', a, b, null);

/** condition ? a : b element-wise, with broadcasting (tfjs `where`); the gradient goes to the chosen side. */
export function where(conditionIn: TensorInput, aIn: TensorInput, bIn: TensorInput): Tensor {
  const c = toTensor(conditionIn, 'condition', 'where');
  if (c.dtype !== 'bool') throw new ValueError(`where: argument 'condition' must have dtype bool. Received ${c.dtype}`);
  const [a, b, type] = operands(aIn, bIn, 'where');
  const shape = broadcastShape('where', broadcastShape('where', c.shape, a.shape), b.shape);
  const C = asStorage(c), A = asStorage(a, type), B = asStorage(b, type);
  const be = A.backend;
  const y = Tensor.empty(shape, type, be);
  be.where(C.storage, A.storage, B.storage, y.storage, { shape, strides: [c.shape, a.shape, b.shape].map((s) => broadcastStrides(s, shape)) });
  if (type !== 'float32') return y;
  return record(y, 'where', [a, b], (dy, grads) => {
    const zero = Tensor.empty([], 'float32', be);
    if (a.requiresGrad) grads.add(a, sumToShape(where(c, dy, zero), a.shape));
    if (b.requiresGrad) grads.add(b, sumToShape(where(c, zero, dy), b.shape));
  });
}

/** The element-wise sum of same-shape tensors (tfjs `addN`). */
export function addN(tensors: readonly TensorInput[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError('addN: expects a non-empty list of tensors');
  const xs = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'addN'));
  for (const t of xs)
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => d !== xs[0].shape[i]))
      throw new ShapeError(`addN: all tensors must have the same shape. Received ${xs.map((u) => fmtShape(u.shape)).join(', ')}`);
  return xs.slice(1).reduce((acc, t) => add(acc, t), xs[0].dtype === 'bool' ? cast(xs[0], 'int32') : xs.length === 1 ? reshapeView(xs[0]) : xs[0]);
}

/** A differentiable view of x in its own shape (an op's result that is not its input). */
function reshapeView(x: Tensor): Tensor {
  const y = Tensor.view(x, x.shape);
  return record(y, 'identity', [x], (dy, grads) => grads.add(x, dy));
}
