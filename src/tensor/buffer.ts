/**
 * TensorBuffer (tfjs `tf.buffer`): a mutable host array with a shape, filled element by element
 * and turned into a tensor with `toTensor()`.
 */
import { sizeOf, stridesOf } from '../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { tensor, type Tensor } from './tensor.js';

type BufferDType = 'float32' | 'int32' | 'bool';
type Values = Float32Array | Int32Array | Uint8Array;

function arrayOf(dtype: BufferDType, size: number): Values {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}

export class TensorBuffer {
  readonly shape: number[];
  readonly dtype: BufferDType;
  readonly size: number;
  /** Row-major strides of every axis but the last (tfjs). */
  readonly strides: number[];
  readonly values: Values;

  constructor(shape: readonly number[], dtype: BufferDType, values?: Values | ArrayLike<number>) {
    if (!['float32', 'int32', 'bool'].includes(dtype)) throw new ValueError(`buffer: dtype must be 'float32', 'int32' or 'bool'. Received ${JSON.stringify(dtype)}`);
    for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new ShapeError(`buffer: shape must hold non-negative integers. Received ${fmtShape(shape)}`);
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.strides = stridesOf(shape).slice(0, -1);
    if (values !== undefined && values.length !== this.size)
      throw new ShapeError(`buffer: ${values.length} values do not fill shape ${fmtShape(shape)} (${this.size} values)`);
    const own = arrayOf(dtype, this.size);
    if (values !== undefined) {
      // The typed array of the right kind is used as given (tfjs shares it); anything else is copied.
      if (values.constructor === own.constructor) this.values = values as Values;
      else {
        own.set(Array.from(values, Number));
        this.values = own;
      }
    } else this.values = own;
  }

  get rank(): number {
    return this.shape.length;
  }

  private check(locs: number[]): void {
    if (locs.length !== this.rank) throw new ValueError(`TensorBuffer: ${locs.length} coordinates for a rank-${this.rank} buffer ${fmtShape(this.shape)}`);
    locs.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= this.shape[i])
        throw new ValueError(`TensorBuffer: coordinate ${l} on axis ${i} is outside shape ${fmtShape(this.shape)}. Received [${locs.join(', ')}]`);
    });
  }

  /** Sets the value at the coordinates: `buf.set(value, i, j)`. */
  set(value: number | boolean, ...locs: number[]): void {
    this.check(locs);
    this.values[this.locToIndex(locs)] = +value;
  }

  /** The value at the coordinates (a number; 0/1 for bool). */
  get(...locs: number[]): number {
    if (this.rank === 0 && (locs.length === 0 || (locs.length === 1 && locs[0] === 0))) return this.values[0];
    this.check(locs);
    return this.values[this.locToIndex(locs)];
  }

  /** The flat index of coordinates. */
  locToIndex(locs: number[]): number {
    if (this.rank === 0) return 0;
    if (this.rank === 1) return locs[0];
    let index = locs[locs.length - 1];
    for (let i = 0; i < locs.length - 1; i++) index += this.strides[i] * locs[i];
    return index;
  }

  /** The coordinates of a flat index. */
  indexToLoc(index: number): number[] {
    if (this.rank === 0) return [];
    if (this.rank === 1) return [index];
    const locs = new Array<number>(this.rank);
    for (let i = 0; i < locs.length - 1; i++) {
      locs[i] = Math.floor(index / this.strides[i]);
      index -= locs[i] * this.strides[i];
    }
    locs[locs.length - 1] = index;
    return locs;
  }

  /** A tensor with a copy of the values. */
  toTensor(): Tensor {
    return tensor(this.values, this.shape, this.dtype);
  }
}

/**
 * A TensorBuffer of `shape` (tfjs `tf.buffer`), zero-filled or over `values`.
 * @example const b = ck.buffer([2, 2]); b.set(5, 0, 1); b.toTensor();
 */
export function buffer(shape: readonly number[], dtype: BufferDType = 'float32', values?: Values | ArrayLike<number>): TensorBuffer {
  return new TensorBuffer(shape, dtype, values);
}
