/**
 * Tensor: a shape and a dtype over storage. float32, int32 and bool tensors live in backend
 * storage, an opaque handle: values are read with `dataSync()`/`data()` and written by kernels.
 * uint8 tensors (images) stay in host memory and are converted one batch at a time, so 50,000
 * CIFAR-10 images cost 150 MB rather than 600 MB; ops take them as int32 would be read.
 *
 * Memory is managed for the user: a FinalizationRegistry frees storage that is no longer
 * referenced, `dispose()` frees it early, and `tidy()` frees everything a block created.
 */
import type { Backend, DType as StorageDType, Storage, TypedArray } from '../backend/backend.js';
// Registers the built-in backends wherever tensors can be made, whichever module is imported first.
import '../backend/index.js';
import { getBackend, inStep, stepGeneration, track } from '../backend/engine.js';
import { sizeOf } from '../backend/shape.js';
import { ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { formatTensor } from './format.js';

/** tfjs's dtypes, plus uint8 for image data kept on the host. */
export type DType = StorageDType | 'uint8';
/** The host array of a tensor's values. */
export type HostArray = Float32Array | Int32Array | Uint8Array;
/** A nested array of numbers (or booleans), as returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];
/** What `ck.tensor` accepts. */
export type TensorLike = NestedArray | HostArray | readonly number[] | readonly boolean[] | Uint8ClampedArray;

/** Shared, reference-counted owner of one backend storage (several reshaped tensors may share it). Internal. */
export class StorageRef {
  refs = 0;
  /** Its entry in the live counts (see `count`). */
  counted: Counted | null = null;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    /** Step generation it was allocated in, or -1 for persistent storage. */
    readonly generation: number,
  ) {}
}

/** Bytes per element as TensorFlow.js counts them (bool and uint8 take one byte). */
function bytesPer(dtype: DType): number {
  return dtype === 'bool' || dtype === 'uint8' ? 1 : 4;
}

/**
 * Live counts for `ck.memory()`: tensors not yet disposed (or collected), and the data buffers
 * and bytes they hold. Step-arena tensors count only while their step runs.
 */
const live = { tensors: 0, buffers: 0, bytes: 0, stepGen: -1, stepTensors: 0, stepBuffers: 0, stepBytes: 0 };

/** What a tensor or buffer counted in `live` when it was made (to uncount it exactly once). */
interface Counted {
  /** -1 for persistent and host data, else the step generation. */
  readonly gen: number;
  readonly bytes: number;
  done: boolean;
}

function count(kind: 'tensor' | 'buffer', gen: number, bytes: number): Counted {
  if (gen >= 0 && live.stepGen !== gen) {
    live.stepGen = gen;
    live.stepTensors = live.stepBuffers = live.stepBytes = 0;
  }
  if (kind === 'tensor') {
    if (gen < 0) live.tensors++;
    else live.stepTensors++;
  } else if (gen < 0) {
    live.buffers++;
    live.bytes += bytes;
  } else {
    live.stepBuffers++;
    live.stepBytes += bytes;
  }
  return { gen, bytes, done: false };
}

function uncount(kind: 'tensor' | 'buffer', c: Counted): void {
  if (c.done) return;
  c.done = true;
  if (c.gen >= 0 && c.gen !== live.stepGen) return;
  if (kind === 'tensor') {
    if (c.gen < 0) live.tensors--;
    else live.stepTensors--;
  } else if (c.gen < 0) {
    live.buffers--;
    live.bytes -= c.bytes;
  } else {
    live.stepBuffers--;
    live.stepBytes -= c.bytes;
  }
}

/** Tensors, data buffers and bytes alive now (see `ck.memory()`). */
export function liveCounts(): { numTensors: number; numDataBuffers: number; numBytes: number } {
  const step = live.stepGen === stepGeneration() && inStep();
  return {
    numTensors: live.tensors + (step ? live.stepTensors : 0),
    numDataBuffers: live.buffers + (step ? live.stepBuffers : 0),
    numBytes: live.bytes + (step ? live.stepBytes : 0),
  };
}

const finalizer = new FinalizationRegistry<{ backend: Backend; storage: Storage; step: boolean; counted: Counted }>((h) => {
  uncount('buffer', h.counted);
  if (!h.step) h.backend.free(h.storage);
});

/** Uncounts tensors collected without `dispose()`. */
const tensorFinalizer = new FinalizationRegistry<Counted>((c) => uncount('tensor', c));

let nextId = 0;

export class Tensor {
  /** A unique id (tfjs `tensor.id`). */
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  private ref: StorageRef | null;
  private host: Uint8Array | null;
  private disposed = false;
  /** Autograd: set on tensors an op produced while recording (see autograd/tape.ts). */
  node: import('../autograd/tape.js').GradNode | null = null;
  /** Autograd: true for trainable variables and anything computed from them while recording. */
  requiresGrad = false;
  /** Kept by `keep()`: an enclosing `tidy` does not dispose it. */
  kept = false;
  private readonly counted: Counted;
  /** The host data's accounting when this tensor brought it in (views of host data share it). */
  private hostCounted: Counted | null = null;

  protected constructor(shape: readonly number[], dtype: DType, buffer: StorageRef | null, host: Uint8Array | null) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.ref = buffer;
    this.host = host;
    if (buffer) buffer.refs++;
    this.counted = count('tensor', buffer ? buffer.generation : -1, 0);
    // Step tensors stop counting when their step ends; only persistent ones need the collector's help.
    if (this.counted.gen < 0) tensorFinalizer.register(this, this.counted, this);
    track(this);
  }

  /** A tensor over freshly allocated, zeroed backend storage (float32 by default). */
  static empty(shape: readonly number[], dtype: StorageDType = 'float32', backend: Backend = getBackend()): Tensor {
    return new Tensor(shape, dtype, newStorageRef(backend, sizeOf(shape), dtype), null);
  }

  /**
   * A tensor over host data: a uint8 tensor that keeps `data` (not copied), or, for an Int32Array,
   * an int32 tensor whose values are written into backend storage.
   */
  static host(shape: readonly number[], data: Int32Array | Uint8Array): Tensor {
    const dtype: DType = data instanceof Uint8Array ? 'uint8' : 'int32';
    if (data.length !== sizeOf(shape)) throw new ShapeError(`tensor: ${dtype} data has ${data.length} values but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    if (data instanceof Uint8Array) {
      const t = new Tensor(shape, 'uint8', null, data);
      t.hostCounted = count('buffer', -1, data.length);
      return t;
    }
    return Tensor.fromValues(shape, data, 'int32');
  }

  /** A backend tensor holding `values` (converted to `dtype`). */
  static fromValues(shape: readonly number[], values: ArrayLike<number>, dtype: StorageDType = 'float32', backend: Backend = getBackend()): Tensor {
    const t = Tensor.empty(shape, dtype, backend);
    if (values.length) backend.write(t.storage, values);
    return t;
  }

  /** A tensor sharing `source`'s storage in another shape (same size). */
  static view(source: Tensor, shape: readonly number[]): Tensor {
    if (sizeOf(shape) !== source.size) throw new ShapeError(`reshape: cannot view ${fmtShape(source.shape)} (${source.size} values) as ${fmtShape(shape)}`);
    if (source.host) return new Tensor(shape, source.dtype, null, source.host);
    void source.storage; // throws if the tensor is disposed or its step has ended
    return new Tensor(shape, source.dtype, source.ref, null);
  }

  /** The backend storage (float32, int32, bool). Throws for uint8 host tensors and for step tensors whose step ended. */
  get storage(): Storage {
    const b = this.ref;
    if (this.disposed || !b) {
      if (this.disposed) throw new StateError(`Tensor ${fmtShape(this.shape)} (${this.dtype}) is disposed`);
      throw new StateError(`Tensor ${fmtShape(this.shape)} of dtype ${this.dtype} holds host data, not backend storage; cast it first (ck.cast(x, 'float32'))`);
    }
    if (b.generation >= 0 && b.generation !== stepGeneration())
      throw new StateError(`Tensor ${fmtShape(this.shape)} was created inside a training step that has ended; copy its values out (dataSync) inside the step`);
    return b.storage;
  }

  get backend(): Backend {
    return this.ref?.backend ?? getBackend();
  }

  /** Whether the values live in host memory (uint8 image data). */
  get isHost(): boolean {
    return this.host !== null;
  }

  /** The host array of a uint8 tensor. */
  get hostData(): Uint8Array {
    if (this.disposed) throw new StateError(`Tensor ${fmtShape(this.shape)} (${this.dtype}) is disposed`);
    if (!this.host) throw new StateError(`Tensor ${fmtShape(this.shape)} is ${this.dtype} and lives in backend storage; read it with dataSync() or data()`);
    return this.host;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A copy of the values (Float32Array, Int32Array, or Uint8Array for bool and uint8). */
  dataSync(): HostArray {
    if (this.host || this.disposed) return this.hostData.slice();
    const be = this.backend;
    if (!be.canReadSync) throw new StateError(`dataSync: the '${be.name}' backend reads asynchronously; use 'await tensor.data()'`);
    return be.readSync(this.storage, 0, this.size) as TypedArray;
  }

  /** Resolves to a copy of the values. */
  async data(): Promise<HostArray> {
    if (this.host || this.disposed) return this.hostData.slice();
    return (await this.backend.read(this.storage, 0, this.size)) as TypedArray;
  }

  /** The values as nested arrays in the tensor's shape (booleans for bool tensors). */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype === 'bool');
  }

  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype === 'bool');
  }

  /** A tensor with the same values in a new shape (one dimension may be -1); shares storage. */
  reshape(shape: readonly number[]): Tensor {
    return Tensor.view(this, resolveShape(shape, this.size, this.shape));
  }

  /** Frees the storage (once every tensor sharing it is disposed). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const b = this.ref;
    this.ref = null;
    this.host = null;
    uncount('tensor', this.counted);
    if (this.counted.gen < 0) tensorFinalizer.unregister(this);
    if (this.hostCounted) uncount('buffer', this.hostCounted);
    if (b && --b.refs === 0) {
      if (b.counted) uncount('buffer', b.counted);
      finalizer.unregister(b);
      if (b.generation < 0) b.backend.free(b.storage);
    }
  }

  /** Throws when the tensor is disposed (tfjs `throwIfDisposed`). */
  throwIfDisposed(): void {
    if (this.disposed) throw new StateError(`Tensor ${fmtShape(this.shape)} (${this.dtype}) is disposed`);
  }

  /**
   * The values as TensorFlow.js prints them: `Tensor` and the nested values (`verbose` adds dtype,
   * rank and shape). Reads the values synchronously.
   */
  toString(verbose = false): string {
    this.throwIfDisposed();
    return formatTensor(this.dataSync(), this.shape, this.dtype, verbose);
  }

  /** Prints `toString(verbose)` to the console (tfjs `print`). */
  print(verbose = false): void {
    console.log(this.toString(verbose));
  }
}

export function newStorageRef(backend: Backend, size: number, dtype: StorageDType): StorageRef {
  const storage = backend.alloc(size, dtype);
  const step = inStep();
  const buf = new StorageRef(backend, storage, step ? stepGeneration() : -1);
  const counted = count('buffer', buf.generation, size * bytesPer(dtype));
  buf.counted = counted;
  finalizer.register(buf, { backend, storage, step, counted }, buf);
  return buf;
}

function nest(flat: ArrayLike<number>, shape: readonly number[], bool: boolean): NestedArray {
  const strides: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  const build = (dim: number, offset: number): NestedArray => {
    if (dim === shape.length) return bool ? flat[offset] !== 0 : flat[offset];
    return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, offset + i * strides[dim]));
  };
  return build(0, 0);
}

/** Resolves a -1 in `shape` from the element count; throws a ShapeError naming both shapes. */
export function resolveShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) throw new ShapeError(`reshape: only one dimension may be -1. Received ${fmtShape(shape)}`);
  const known = sizeOf(out.filter((d) => d !== -1));
  if (unknown >= 0) out[unknown] = known === 0 ? 0 : size / known;
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} values) into ${fmtShape(shape)}`);
  return out;
}

// ---- creation helpers ------------------------------------------------------------------------

function flatten(values: NestedArray | readonly boolean[] | readonly number[], shapeOut: number[], depth = 0, out: number[] = []): number[] {
  if (typeof values === 'number' || typeof values === 'boolean') {
    if (depth < shapeOut.length) throw new ShapeError(`tensor: ragged nested array (a number where an array of ${shapeOut[depth]} was expected at depth ${depth})`);
    out.push(+values);
    return out;
  }
  if (!Array.isArray(values)) throw new ValueError(`tensor: values must be numbers, booleans, nested arrays of them or a typed array. Received ${Object.prototype.toString.call(values)}`);
  if (shapeOut.length <= depth) shapeOut.push(values.length);
  else if (shapeOut[depth] !== values.length) throw new ShapeError(`tensor: ragged nested array (length ${values.length} where ${shapeOut[depth]} was expected at depth ${depth})`);
  for (const v of values) flatten(v as NestedArray, shapeOut, depth + 1, out);
  return out;
}

/** The dtype tfjs infers for values (typed arrays by type, booleans as bool, else float32). */
function inferDType(values: unknown): StorageDType {
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  let v: unknown = values;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

const DTYPES: readonly DType[] = ['float32', 'int32', 'bool', 'uint8'];

/**
 * Creates a tensor from numbers, booleans, nested arrays or a typed array (tfjs `tf.tensor`): the
 * dtype is inferred as tfjs does (Int32Array and Uint8Array give int32, booleans give bool) unless
 * given. `dtype: 'uint8'` keeps a Uint8Array on the host as image data (not copied).
 * @example ck.tensor([[1, 2], [3, 4]]); ck.tensor(pixels, [n, 32, 32, 3], 'uint8') // pixels: Uint8Array
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && !DTYPES.includes(dtype)) throw new ValueError(`tensor: unknown dtype ${JSON.stringify(dtype)}. Expected one of ${DTYPES.join(', ')}`);
  let flat: ArrayLike<number>;
  let inferred: number[] = [];
  if (ArrayBuffer.isView(values)) {
    flat = values as ArrayLike<number>;
    inferred = [flat.length];
  } else flat = flatten(values as NestedArray, inferred);
  const finalShape = shape ? [...shape] : inferred;
  for (const d of finalShape) if (!Number.isInteger(d) || d < 0) throw new ShapeError(`tensor: shape must hold non-negative integers. Received ${fmtShape(finalShape)}`);
  if (sizeOf(finalShape) !== flat.length) {
    // tfjs fills a shape from a single value.
    if (flat.length === 1 && shape) return fill(finalShape, flat[0], dtype ?? inferDType(values));
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} values)`);
  }
  const kind = dtype ?? inferDType(values);
  if (kind === 'uint8') return Tensor.host(finalShape, values instanceof Uint8Array ? values : Uint8Array.from(flat));
  return Tensor.fromValues(finalShape, flat, kind);
}

export function zeros(shape: readonly number[], dtype: StorageDType = 'float32'): Tensor {
  return Tensor.empty(shape, dtype);
}

/** A tensor of `shape` filled with `value` (tfjs `fill`; dtype bool for a boolean value, else float32). */
export function fill(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  const d = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const v = +value;
  if (d === 'uint8') return Tensor.host(shape, new Uint8Array(sizeOf(shape)).fill(v));
  const t = Tensor.empty(shape, d);
  if (v !== 0 && t.size > 0) t.backend.fill(t.storage, v, t.size);
  return t;
}

export function ones(shape: readonly number[], dtype: StorageDType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** A float32 tensor with values drawn by `sample` on the host (used by initializers). */
export function fromFunction(shape: readonly number[], sample: (i: number) => number): Tensor {
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = sample(i);
  return Tensor.fromValues(shape, values);
}
