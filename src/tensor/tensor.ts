/**
 * Tensor: a shape over storage. float32 tensors live in backend storage (WASM memory for the fast
 * backend); uint8 and int32 tensors (images, labels) stay in host typed arrays and are converted
 * one batch at a time, so 50,000 CIFAR-10 images cost 150 MB rather than 600 MB.
 *
 * Memory is managed for the user: a FinalizationRegistry frees storage that is no longer
 * referenced, `dispose()` frees it early, and `tidy()` frees everything a block created.
 */
import type { Backend, Storage } from '../backend/backend.js';
// Registers the built-in backends wherever tensors can be made, whichever module is imported first.
import '../backend/index.js';
import { getBackend, inStep, stepGeneration, track } from '../backend/engine.js';
import { sizeOf } from '../backend/shape.js';
import { DataError, ShapeError, StateError, ValueError, fmtShape } from '../errors.js';

export type DType = 'float32' | 'int32' | 'uint8';
export type HostArray = Float32Array | Int32Array | Uint8Array;
/** A nested array of numbers, as returned by `array()`. */
export type NestedArray = number | NestedArray[];

/** Shared, reference-counted owner of one backend storage (several reshaped tensors may share it). */
class Buffer {
  refs = 0;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    /** Step generation it was allocated in, or -1 for persistent storage. */
    readonly generation: number,
  ) {}
}

const finalizer = new FinalizationRegistry<{ backend: Backend; storage: Storage; step: boolean }>((h) => {
  if (!h.step) h.backend.free(h.storage);
});

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  private buffer: Buffer | null;
  private host: Int32Array | Uint8Array | null;
  private disposed = false;
  /** Autograd: set on tensors an op produced while recording (see autograd/tape.ts). */
  node: import('../autograd/tape.js').GradNode | null = null;
  /** Autograd: true for trainable variables and anything computed from them while recording. */
  requiresGrad = false;

  private constructor(shape: readonly number[], dtype: DType, buffer: Buffer | null, host: Int32Array | Uint8Array | null) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.buffer = buffer;
    this.host = host;
    if (buffer) buffer.refs++;
    track(this);
  }

  /** A float32 tensor over freshly allocated (zeroed) backend storage. */
  static empty(shape: readonly number[], backend: Backend = getBackend()): Tensor {
    const storage = backend.alloc(sizeOf(shape));
    const step = inStep();
    const buf = new Buffer(backend, storage, step ? stepGeneration() : -1);
    const t = new Tensor(shape, 'float32', buf, null);
    finalizer.register(buf, { backend, storage, step }, buf);
    return t;
  }

  /** A host-side uint8 or int32 tensor over `data` (not copied). */
  static host(shape: readonly number[], data: Int32Array | Uint8Array): Tensor {
    const dtype: DType = data instanceof Uint8Array ? 'uint8' : 'int32';
    if (data.length !== sizeOf(shape)) throw new ShapeError(`tensor: ${dtype} data has ${data.length} values but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`);
    return new Tensor(shape, dtype, null, data);
  }

  /** The backend storage of a float32 tensor. Throws for host tensors and for step tensors whose step ended. */
  get storage(): Storage {
    const b = this.buffer;
    if (this.disposed || !b) {
      if (this.disposed) throw new StateError(`Tensor ${fmtShape(this.shape)} is disposed`);
      throw new StateError(`Tensor ${fmtShape(this.shape)} of dtype ${this.dtype} has no backend storage`);
    }
    if (b.generation >= 0 && b.generation !== stepGeneration())
      throw new StateError(`Tensor ${fmtShape(this.shape)} was created inside a training step that has ended; copy its values out (dataSync) inside the step`);
    return b.storage;
  }

  get backend(): Backend {
    return this.buffer?.backend ?? getBackend();
  }

  /** The host array of a uint8/int32 tensor. */
  get hostData(): Int32Array | Uint8Array {
    if (!this.host) throw new StateError(`Tensor ${fmtShape(this.shape)} is float32 and lives in backend storage; use dataSync()`);
    return this.host;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A copy of the values. */
  dataSync(): HostArray {
    if (this.host) return this.host.slice();
    return this.storage.data.slice(0, this.size);
  }

  async data(): Promise<HostArray> {
    return this.dataSync();
  }

  /** The values as nested arrays in the tensor's shape. */
  arraySync(): NestedArray {
    const flat = this.dataSync();
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return flat[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** A tensor with the same values in a new shape (one dimension may be -1); shares storage. */
  reshape(shape: readonly number[]): Tensor {
    const resolved = resolveShape(shape, this.size, this.shape);
    if (this.host) return new Tensor(resolved, this.dtype, null, this.host);
    void this.storage; // throws if the tensor is disposed or its step has ended
    return new Tensor(resolved, this.dtype, this.buffer, null);
  }

  /** Frees the storage (once every tensor sharing it is disposed). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const b = this.buffer;
    this.buffer = null;
    this.host = null;
    if (b && --b.refs === 0) {
      finalizer.unregister(b);
      if (b.generation < 0) b.backend.free(b.storage);
    }
  }

  toString(): string {
    return `Tensor ${this.dtype} ${fmtShape(this.shape)}`;
  }
}

function resolveShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  const known = sizeOf(out.filter((d) => d !== -1));
  if (unknown >= 0) out[unknown] = size / known;
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} values) into ${fmtShape(shape)}`);
  return out;
}

// ---- creation helpers ------------------------------------------------------------------------

function flatten(values: NestedArray, shapeOut: number[], depth = 0): number[] {
  if (typeof values === 'number') return [values];
  if (shapeOut.length <= depth) shapeOut.push(values.length);
  else if (shapeOut[depth] !== values.length) throw new ShapeError(`tensor: ragged nested array (length ${values.length} where ${shapeOut[depth]} was expected at depth ${depth})`);
  return values.flatMap((v) => flatten(v, shapeOut, depth + 1));
}

/**
 * Creates a tensor from numbers, nested arrays or a typed array. Uint8Array/Int32Array values make
 * uint8/int32 host tensors (images, labels) unless `dtype` says 'float32'.
 * @example ck.tensor([[1, 2], [3, 4]]); ck.tensor(pixels, [n, 32, 32, 3]) // pixels: Uint8Array
 */
export function tensor(values: NestedArray | HostArray | readonly number[], shape?: readonly number[], dtype?: DType): Tensor {
  let flat: ArrayLike<number>;
  let inferred: number[] = [];
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
  } else flat = flatten(values as NestedArray, inferred);
  const finalShape = shape ? [...shape] : inferred;
  if (sizeOf(finalShape) !== flat.length) throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} values)`);
  const kind: DType = dtype ?? (values instanceof Uint8Array ? 'uint8' : values instanceof Int32Array ? 'int32' : 'float32');
  if (kind === 'uint8') return Tensor.host(finalShape, values instanceof Uint8Array ? values : Uint8Array.from(flat));
  if (kind === 'int32') return Tensor.host(finalShape, values instanceof Int32Array ? values : Int32Array.from(flat));
  const t = Tensor.empty(finalShape);
  t.storage.data.set(flat);
  return t;
}

export function zeros(shape: readonly number[]): Tensor {
  return Tensor.empty(shape);
}

export function fill(shape: readonly number[], value: number): Tensor {
  const t = Tensor.empty(shape);
  t.backend.fill(t.storage, value, t.size);
  return t;
}

export function ones(shape: readonly number[]): Tensor {
  return fill(shape, 1);
}

/** A float32 tensor with values drawn by `sample` (used by initializers). */
export function fromFunction(shape: readonly number[], sample: (i: number) => number): Tensor {
  const t = Tensor.empty(shape);
  const d = t.storage.data;
  for (let i = 0; i < t.size; i++) d[i] = sample(i);
  return t;
}

/** Throws a DataError naming `what` if `t` (float32) holds NaN or ±Infinity. */
export function assertFinite(t: Tensor, what: string): void {
  const d = t.dtype === 'float32' ? t.storage.data : t.hostData;
  for (let i = 0; i < t.size; i++)
    if (!Number.isFinite(d[i])) throw new DataError(`${what} contains ${d[i]} at flat index ${i} (shape ${fmtShape(t.shape)}); inputs must be finite numbers`);
}

/** Validates a rank and returns the shape, with a message naming `where`. */
export function expectRank(t: Tensor, rank: number, where: string): readonly number[] {
  if (t.rank !== rank) throw new ValueError(`${where}: expected a rank-${rank} tensor. Received shape ${fmtShape(t.shape)}`);
  return t.shape;
}
