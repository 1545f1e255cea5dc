/**
 * Variables (tfjs `tf.variable`): tensors with their own storage whose values change in place
 * through `assign`, registered by name in one global registry as tfjs does. Trainable variables
 * are what `ck.variableGrads` and `optimizer.minimize` differentiate by default.
 */
import { getBackend } from '../backend/engine.js';
import { sizeOf } from '../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Tensor, newStorageRef, type DType } from './tensor.js';

const registry = new Map<string, Variable>();
let nextVariableId = 0;

/** A mutable tensor with a name (tfjs `Variable`). Make one with `ck.variable(initialValue)`. */
export class Variable extends Tensor {
  readonly name: string;

  /** Use `ck.variable`. Copies `initialValue` (converted to `dtype`) into the variable's own storage. */
  constructor(initialValue: Tensor, trainable: boolean, name: string, dtype: 'float32' | 'int32' | 'bool') {
    const backend = getBackend();
    super(initialValue.shape, dtype, newStorageRef(backend, sizeOf(initialValue.shape), dtype), null);
    this.name = name;
    this.trainable = trainable;
    // tidy never disposes variables (tfjs).
    this.kept = true;
    if (initialValue.size === 0) return;
    if (initialValue.isHost) backend.write(this.storage, initialValue.hostData);
    else if (initialValue.dtype === dtype) backend.copy(initialValue.storage, 0, this.storage, 0, this.size);
    else backend.cast(initialValue.storage, this.storage, this.size);
  }

  /** Whether gradients are computed for it by default (`variableGrads`, `minimize`). */
  get trainable(): boolean {
    return this.requiresGrad;
  }
  set trainable(v: boolean) {
    this.requiresGrad = v && this.dtype === 'float32';
  }

  /**
   * Writes `newValue` (same shape and dtype) into the variable, in place (tfjs `assign`).
   * @throws ShapeError or ValueError naming both shapes or dtypes.
   */
  assign(newValue: Tensor): void {
    this.throwIfDisposed();
    if (!(newValue instanceof Tensor)) throw new ValueError(`Variable '${this.name}'.assign: expects a tensor. Received ${typeof newValue}`);
    const dtype = newValue.dtype === 'uint8' ? 'int32' : newValue.dtype;
    if (dtype !== this.dtype) throw new ValueError(`Variable '${this.name}'.assign: dtype of the new value (${newValue.dtype}) and the variable (${this.dtype}) must match`);
    if (newValue.rank !== this.rank || newValue.shape.some((d, i) => d !== this.shape[i]))
      throw new ShapeError(`Variable '${this.name}'.assign: shape of the new value ${fmtShape(newValue.shape)} and the variable ${fmtShape(this.shape)} must match`);
    if (newValue === this || this.size === 0) return;
    if (newValue.isHost) this.backend.write(this.storage, newValue.hostData);
    else this.backend.copy(newValue.storage, 0, this.storage, 0, this.size);
  }

  /** Frees the storage and removes the variable from the registry. */
  override dispose(): void {
    if (registry.get(this.name) === this) registry.delete(this.name);
    super.dispose();
  }
}

/**
 * Creates a variable holding a copy of `initialValue` (tfjs `tf.variable`). Names are unique:
 * without one, the next free number is used (`'0'`, `'1'`, ...), as in tfjs.
 * @throws ValueError when a variable with that name exists.
 * @example const w = ck.variable(ck.randomNormal([3, 1])); w.assign(ck.zeros([3, 1]));
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DType): Variable {
  if (!(initialValue instanceof Tensor)) throw new ValueError(`variable: initialValue must be a tensor. Received ${typeof initialValue}`);
  initialValue.throwIfDisposed();
  const d = dtype ?? initialValue.dtype;
  if (d !== 'float32' && d !== 'int32' && d !== 'bool') throw new ValueError(`variable: dtype must be 'float32', 'int32' or 'bool'. Received ${JSON.stringify(d)}`);
  let n = name;
  if (n === undefined || n === null) {
    do n = String(nextVariableId++);
    while (registry.has(n));
  }
  if (registry.has(n)) throw new ValueError(`variable: a variable named '${n}' is already registered`);
  const v = new Variable(initialValue, trainable, n, d);
  registry.set(n, v);
  return v;
}

/** The registered variables by name (tfjs `engine().registeredVariables`). */
export function registeredVariables(): ReadonlyMap<string, Variable> {
  return registry;
}

/** Disposes every registered variable (tfjs `tf.disposeVariables`). */
export function disposeVariables(): void {
  for (const v of [...registry.values()]) v.dispose();
}
