/**
 * What the layer protocol (layer.ts) builds on: the weight variable, Keras-style unique names, and
 * helpers for one-or-several inputs and shapes.
 */
import { ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { toSnakeCase } from '../util/serialization.js';
import type { Constraint } from './constraints.js';
import type { Regularizer } from './regularizers.js';

/** A shape with `null` for the batch dimension, as Keras prints it. */
type Shape = (number | null)[];

/** A named weight of a layer, e.g. `conv2d/kernel` (tfjs `LayerVariable`). */
export class LayerVariable {
  constructor(
    /** Full name as Keras/tfjs writes it: `<layer>/<weight>`. */
    readonly name: string,
    private readonly value: Tensor | null,
    /** Whether the optimizer updates it (moving statistics are not trainable). */
    readonly trainable: boolean,
    /** Its penalty added to the training loss (kernelRegularizer, ...), or null. */
    readonly regularizer: Regularizer | null = null,
    /** The projection applied after each optimizer update (kernelConstraint, ...), or null. */
    readonly constraint: Constraint | null = null,
  ) {}

  /** The weight's tensor (updated in place by training). */
  read(): Tensor {
    if (!this.value) throw new StateError(`weight '${this.name}' has no values: it was only counted (countParamsFor), not created`);
    return this.value;
  }

  get tensor(): Tensor {
    return this.read();
  }

  get shape(): readonly number[] {
    return this.read().shape;
  }

  /** Copies `values` (same shape) into the weight. */
  write(values: Tensor): void {
    assignValues(this.read(), values);
  }
}

const nameCounts = new Map<string, number>();

/**
 * Keras-style unique names per prefix, for the whole session: conv2d, conv2d_1, conv2d_2, ...
 * (`zeroBased` false, as Keras names inputs: input_1, input_2, ...).
 */
export function uniqueLayerName(prefix: string, zeroBased = true): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  if (!zeroBased) return `${prefix}_${n + 1}`;
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Runs `fn` without consuming layer names: the counters are restored afterwards. */
export function withoutNaming<T>(fn: () => T): T {
  const saved = new Map(nameCounts);
  try {
    return fn();
  } finally {
    nameCounts.clear();
    for (const [k, v] of saved) nameCounts.set(k, v);
  }
}

/** Resets the name counters (Keras's `clear_session`). */
export function clearSession(): void {
  nameCounts.clear();
}

/** 'MaxPooling2D' → 'max_pooling2d' (Keras's to_snake_case). */
export function snakeCase(className: string): string {
  return toSnakeCase(className);
}

/** Short description of a non-tensor value for error messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : `${typeof v} ${String(v)}`;
}

/** Copies the values of `src` (same size, any dtype) into the float32 tensor `dst` on the backend. */
export function assignValues(dst: Tensor, src: Tensor): void {
  const be = dst.backend;
  if (src.isHost) be.write(dst.storage, src.hostData);
  else if (src.dtype !== 'float32' || src.backend !== be) be.write(dst.storage, src.dataSync());
  else be.copy(src.storage, 0, dst.storage, 0, dst.size);
}

/** The only element of a one-element list, or the value itself (tfjs `getExactlyOneTensor`). */
export function exactlyOne<T>(x: T | readonly T[], where: string, what = 'input'): T {
  if (!Array.isArray(x)) return x as T;
  if (x.length !== 1) throw new ValueError(`${where}: expects one ${what}. Received ${x.length}`);
  return x[0] as T;
}

/** The one shape of a single-input layer (a list of one shape is accepted too). */
export function exactlyOneShape(s: Shape | Shape[], where: string): Shape {
  if (!isShapeList(s)) return s;
  if (s.length !== 1) throw new ShapeError(`${where}: expects one input. Received ${s.length} input shapes`);
  return s[0];
}

/** Whether `s` is a list of shapes rather than one shape. */
export function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

/** Equal shapes, ignoring the batch dimension. */
export function sameShapes(a: Shape | Shape[], b: Shape | Shape[]): boolean {
  const la = isShapeList(a) ? a : [a], lb = isShapeList(b) ? b : [b];
  return la.length === lb.length && la.every((s, i) => s.length === lb[i].length && s.every((d, j) => j === 0 || d === lb[i][j]));
}

export function fmtShapes(s: Shape | Shape[]): string {
  return isShapeList(s) ? `[${s.map(fmtShape).join(', ')}]` : fmtShape(s);
}

