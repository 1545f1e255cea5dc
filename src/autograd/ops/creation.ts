/**
 * Tensor creation with tfjs names and checks: rank-checked constructors (`scalar`, `tensor1d` …
 * `tensor6d`), `zerosLike`/`onesLike`, `range`, `linspace`, `eye`, and seeded random tensors.
 * Random values come from the backend's counter-based generator: with a `seed` argument a call is
 * reproducible by itself; without one, the seed is drawn from the library generator that
 * `ck.setSeed` resets, so a whole program is reproducible. (tfjs's own random streams differ.)
 */
import { hash32 } from '../../backend/cpu/generic.js';
import { getBackend } from '../../backend/engine.js';
import { sizeOf } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { globalRandom } from '../../tensor/random.js';
import { Tensor, fill, tensor, type DType, type TensorLike } from '../../tensor/tensor.js';
import { abs, affine, cast, clipByValue, cos, floor, greater, log, mul, sqrt, where } from './elementwise.js';
import { tile } from './transform.js';
import { toTensor, type TensorInput } from './util.js';

type NumericDType = 'float32' | 'int32';
type StorageDType = 'float32' | 'int32' | 'bool';

function isFlat(values: unknown): boolean {
  return ArrayBuffer.isView(values) || (Array.isArray(values) && !values.some(Array.isArray));
}

/** Depth of nesting of plain arrays (a typed array counts as flat). */
function nesting(values: unknown): number {
  let depth = 0;
  let v: unknown = values;
  while (Array.isArray(v)) {
    depth++;
    v = v[0];
  }
  return ArrayBuffer.isView(values) ? 1 : depth;
}

/** A rank-0 tensor (tfjs `scalar`). */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new ValueError(`scalar: value must be a number or a boolean. Received ${Array.isArray(value) ? 'an array' : typeof value}`);
  return tensor(value, [], dtype);
}

function ranked(rank: number, values: TensorLike, shape: readonly number[] | undefined, dtype: DType | undefined): Tensor {
  const op = `tensor${rank}d`;
  const depth = nesting(values);
  if (rank === 1) {
    if (!isFlat(values)) throw new ValueError(`${op}: values must be a flat array or a typed array. Received an array nested ${depth} deep`);
    return tensor(values, undefined, dtype);
  }
  if (depth !== rank && depth !== 1) throw new ValueError(`${op}: values must be nested ${rank} deep or flat. Received an array nested ${depth} deep`);
  if (depth === 1 && !shape) throw new ValueError(`${op}: shape must be given when values are a flat array or a typed array`);
  if (shape && shape.length !== rank) throw new ShapeError(`${op}: shape must have rank ${rank}. Received ${fmtShape(shape)}`);
  return tensor(values, shape, dtype);
}

export const tensor1d = (values: TensorLike, dtype?: DType): Tensor => ranked(1, values, undefined, dtype);
export const tensor2d = (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => ranked(2, values, shape, dtype);
export const tensor3d = (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => ranked(3, values, shape, dtype);
export const tensor4d = (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => ranked(4, values, shape, dtype);
export const tensor5d = (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => ranked(5, values, shape, dtype);
export const tensor6d = (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => ranked(6, values, shape, dtype);

function likeDType(x: Tensor): StorageDType {
  return x.dtype === 'uint8' ? 'int32' : x.dtype;
}

/** Zeros of x's shape and dtype (tfjs `zerosLike`). */
export function zerosLike(xIn: TensorInput): Tensor {
  const x = toTensor(xIn, 'x', 'zerosLike');
  return fill(x.shape, 0, likeDType(x));
}

/** Ones of x's shape and dtype (tfjs `onesLike`). */
export function onesLike(xIn: TensorInput): Tensor {
  const x = toTensor(xIn, 'x', 'onesLike');
  return fill(x.shape, 1, likeDType(x));
}

/**
 * start, start + step, … up to (not including) stop (tfjs `range`; each value is the previous one
 * plus step, stored in `dtype`).
 */
export function range(start: number, stop: number, step = 1, dtype: NumericDType = 'float32'): Tensor {
  if (step === 0) throw new ValueError('range: step must not be 0');
  if (dtype !== 'float32' && dtype !== 'int32') throw new ValueError(`range: dtype must be 'float32' or 'int32'. Received ${JSON.stringify(dtype)}`);
  if (start === stop || (start < stop && step < 0) || (stop < start && step > 1)) return Tensor.empty([0], dtype);
  const n = Math.abs(Math.ceil((stop - start) / step));
  const values = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  if (stop < start && step === 1) step = -1;
  values[0] = start;
  for (let i = 1; i < n; i++) values[i] = values[i - 1] + step;
  return Tensor.fromValues([n], values, dtype);
}

/** `num` evenly spaced values from start to stop (tfjs `linspace`). */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num <= 0) throw new ValueError(`linspace: num must be a positive integer. Received num=${num}`);
  const values = new Float32Array(num);
  const step = (stop - start) / (num - 1);
  values[0] = start;
  for (let i = 1; i < num; i++) values[i] = values[i - 1] + step;
  return Tensor.fromValues([num], values);
}

/** An identity matrix [numRows, numColumns], tiled over `batchShape` (tfjs `eye`). */
export function eye(numRows: number, numColumns?: number, batchShape?: readonly number[], dtype: StorageDType = 'float32'): Tensor {
  const cols = numColumns ?? numRows;
  if (!Number.isInteger(numRows) || numRows < 0 || !Number.isInteger(cols) || cols < 0)
    throw new ValueError(`eye: numRows and numColumns must be non-negative integers. Received numRows=${numRows}, numColumns=${cols}`);
  if (batchShape && (batchShape.length < 1 || batchShape.length > 3)) throw new ValueError(`eye: batchShape must have 1 to 3 dimensions. Received ${fmtShape(batchShape)}`);
  const values = new Float32Array(numRows * cols);
  for (let i = 0; i < Math.min(numRows, cols); i++) values[i * cols + i] = 1;
  const m = Tensor.fromValues([numRows, cols], values, dtype);
  if (!batchShape) return m;
  return tile(m.reshape([...batchShape.map(() => 1), numRows, cols]), [...batchShape, 1, 1]);
}

// ---- random ------------------------------------------------------------------------------------

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`${op}: shape must hold non-negative integers. Received ${JSON.stringify(shape)}`);
}

/** A kernel seed: from the call's `seed`, else drawn from the library generator (`ck.setSeed`). */
function seedFor(seed: number | string | undefined, stream = 0): number {
  if (seed === undefined || seed === null) return globalRandom.nextUint32();
  let h = 0x811c9dc5;
  for (const ch of String(seed)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return hash32(h, stream);
}

function uniform01(shape: readonly number[], seed: number): Tensor {
  const be = getBackend();
  const u = Tensor.empty(shape, 'float32', be);
  if (u.size > 0) be.randomUniform(u.storage, u.size, seed);
  return u;
}

/** Standard normal values by the Box–Muller transform of two uniform streams. */
function standardNormal(shape: readonly number[], s1: number, s2: number): Tensor {
  const u1 = uniform01(shape, s1), u2 = uniform01(shape, s2);
  // 1 − u lies in (0, 1], so the logarithm is finite.
  const r = sqrt(affine(log(affine(u1, -1, 1)), -2));
  return mul(r, cos(affine(u2, 2 * Math.PI)));
}

/** Values as tfjs stores them in an int32 random tensor: rounded (half up). */
function toDType(x: Tensor, dtype: NumericDType): Tensor {
  return dtype === 'int32' ? cast(floor(affine(x, 1, 0.5)), 'int32') : x;
}

function numericDType(op: string, dtype: string | undefined): NumericDType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'int32') throw new ValueError(`${op}: dtype must be 'float32' or 'int32'. Received ${JSON.stringify(d)}`);
  return d;
}

/**
 * Uniform values in [minval, maxval) (tfjs `randomUniform`; int32 values are rounded as in tfjs).
 * @example ck.setSeed(1); ck.randomUniform([2, 3], -1, 1)
 */
export function randomUniform(shape: readonly number[], minval = 0, maxval = 1, dtype?: NumericDType, seed?: number | string): Tensor {
  checkShape('randomUniform', shape);
  const d = numericDType('randomUniform', dtype);
  return toDType(affine(uniform01(shape, seedFor(seed)), maxval - minval, minval), d);
}

/** Uniform int32 values in [minval, maxval) (tfjs `randomUniformInt`). */
export function randomUniformInt(shape: readonly number[], minval: number, maxval: number, seed?: number | string): Tensor {
  checkShape('randomUniformInt', shape);
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || maxval <= minval)
    throw new ValueError(`randomUniformInt: minval and maxval must be integers with minval < maxval. Received minval=${minval}, maxval=${maxval}`);
  return cast(floor(affine(uniform01(shape, seedFor(seed)), maxval - minval, minval)), 'int32');
}

/** Normal values N(mean, stdDev²) (tfjs `randomNormal`). */
export function randomNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype?: NumericDType, seed?: number | string): Tensor {
  checkShape('randomNormal', shape);
  const d = numericDType('randomNormal', dtype);
  const s = seedFor(seed);
  return toDType(affine(standardNormal(shape, s, hash32(s, 1)), stdDev, mean), d);
}

/** Standard normal values (tfjs `randomStandardNormal`). */
export function randomStandardNormal(shape: readonly number[], dtype?: NumericDType, seed?: number | string): Tensor {
  return randomNormal(shape, 0, 1, dtype, seed);
}

/** Rounds of redrawing for truncatedNormal: a value stays out of bounds with probability 0.0455^8 ≈ 2e-11, then is clipped. */
const TRUNCATION_ROUNDS = 8;

/**
 * Normal values with every value beyond two standard deviations redrawn (tfjs `truncatedNormal`).
 */
export function truncatedNormal(shape: readonly number[], mean = 0, stdDev = 1, dtype?: NumericDType, seed?: number | string): Tensor {
  checkShape('truncatedNormal', shape);
  const d = numericDType('truncatedNormal', dtype);
  let s = seedFor(seed);
  let z = standardNormal(shape, s, hash32(s, 1));
  for (let round = 0; round < TRUNCATION_ROUNDS; round++) {
    s = hash32(s, 2);
    z = where(greater(abs(z), 2), standardNormal(shape, s, hash32(s, 1)), z);
  }
  return toDType(affine(clipByValue(z, -2, 2), stdDev, mean), d);
}

/** Whether `shape` has this many elements (for errors of ops that take a shape and values). */
export function assertSize(op: string, shape: readonly number[], n: number): void {
  if (sizeOf(shape) !== n) throw new ShapeError(`${op}: shape ${fmtShape(shape)} needs ${sizeOf(shape)} values. Received ${n}`);
}
