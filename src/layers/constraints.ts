/**
 * Weight constraints (tfjs `tf.constraints`, Keras `keras.constraints`): projections applied to a
 * weight after every optimizer update, as Keras does. (tfjs attaches them to its variables but
 * applies them only when a weight is written through `LayerVariable.write`, e.g. `setWeights`,
 * never after an optimizer step; cnnkit applies them after each step and leaves `setWeights` and
 * loading exact.) Norms are taken along `axis` (default 0: for a Dense kernel [in, out], each
 * unit's incoming weights; for a conv kernel pass [0, 1, 2]) with tfjs's epsilon 1e-7.
 */
import { add, clipByValue, div, mul, relu, sqrt, sum } from '../autograd/ops.js';
import { ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Serializable, registerClass, type ConfigDict } from '../util/serialization.js';
import { checkArgs, isNone } from './args.js';
import { numberArg, resolveIdentifier, serializeObject } from './identifiers.js';

/** The epsilon of tfjs's constraints (`backend().epsilon()`, Keras's `K.epsilon()`). */
const EPSILON = 1e-7;

/** A projection of a weight's values. */
export abstract class Constraint extends Serializable {
  /** The constrained values of `w` (same shape). */
  abstract apply(w: Tensor): Tensor;
  getConfig(): ConfigDict {
    return {};
  }
}

type Axis = number | number[];

function axisArg(v: unknown, where: string): Axis {
  if (isNone(v)) return 0;
  if ((typeof v === 'number' && Number.isInteger(v)) || (Array.isArray(v) && v.length > 0 && v.every((a) => Number.isInteger(a)))) return v as Axis;
  throw new ValueError(`${where}: axis must be an integer or a list of integers. Received axis=${JSON.stringify(v)}`);
}

/** √Σ w² along the constraint's axes, kept as size-1 dimensions. */
function norms(w: Tensor, axis: Axis, where: string): Tensor {
  const axes = Array.isArray(axis) ? axis : [axis];
  if (axes.some((a) => a < -w.rank || a >= w.rank)) throw new ValueError(`${where}: axis ${JSON.stringify(axis)} is out of range for a weight of shape ${fmtShape(w.shape)}`);
  return sqrt(sum(mul(w, w), axes, true));
}

const nonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v);

/** Rescales slices whose norm exceeds `maxValue` (default 2) down to it. */
export class MaxNorm extends Constraint {
  static readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: Axis;
  constructor(args: { maxValue?: number; axis?: Axis } = {}) {
    super();
    const where = 'MaxNorm constraint';
    checkArgs(where, args, ['maxValue', 'axis']);
    this.maxValue = numberArg(args?.maxValue, 'maxValue', where, 2, nonNegative, 'a non-negative number');
    this.axis = axisArg(args?.axis, where);
  }
  apply(w: Tensor): Tensor {
    const n = norms(w, this.axis, 'MaxNorm constraint');
    return mul(w, div(clipByValue(n, 0, this.maxValue), add(n, EPSILON)));
  }
  override getConfig(): ConfigDict {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}
registerClass(MaxNorm);

/** Scales every slice to unit norm. */
export class UnitNorm extends Constraint {
  static readonly className = 'UnitNorm';
  readonly axis: Axis;
  constructor(args: { axis?: Axis } = {}) {
    super();
    checkArgs('UnitNorm constraint', args, ['axis']);
    this.axis = axisArg(args?.axis, 'UnitNorm constraint');
  }
  apply(w: Tensor): Tensor {
    return div(w, add(norms(w, this.axis, 'UnitNorm constraint'), EPSILON));
  }
  override getConfig(): ConfigDict {
    return { axis: this.axis };
  }
}
registerClass(UnitNorm);

/** Sets negative values to zero. */
export class NonNeg extends Constraint {
  static readonly className = 'NonNeg';
  constructor(args: ConfigDict = {}) {
    super();
    checkArgs('NonNeg constraint', args, []);
  }
  apply(w: Tensor): Tensor {
    return relu(w);
  }
}
registerClass(NonNeg);

/** Moves slice norms towards [minValue, maxValue]: rate 1 clips them, smaller rates go part of the way. */
export class MinMaxNorm extends Constraint {
  static readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: Axis;
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {}) {
    super();
    const where = 'MinMaxNorm constraint';
    checkArgs(where, args, ['minValue', 'maxValue', 'rate', 'axis']);
    this.minValue = numberArg(args?.minValue, 'minValue', where, 0, nonNegative, 'a non-negative number');
    this.maxValue = numberArg(args?.maxValue, 'maxValue', where, 1, nonNegative, 'a non-negative number');
    if (this.maxValue < this.minValue) throw new ValueError(`${where}: maxValue must be at least minValue. Received minValue=${this.minValue}, maxValue=${this.maxValue}`);
    this.rate = numberArg(args?.rate, 'rate', where, 1, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    this.axis = axisArg(args?.axis, where);
  }
  apply(w: Tensor): Tensor {
    const n = norms(w, this.axis, 'MinMaxNorm constraint');
    const desired = add(mul(clipByValue(n, this.minValue, this.maxValue), this.rate), mul(n, 1 - this.rate));
    return mul(w, div(desired, add(n, EPSILON)));
  }
  override getConfig(): ConfigDict {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}
registerClass(MinMaxNorm);

/** tfjs identifiers (Keras's 'max_norm', 'non_neg', ... map onto them). */
const BY_NAME: Record<string, () => Constraint> = {
  maxNorm: () => new MaxNorm(), unitNorm: () => new UnitNorm(), nonNeg: () => new NonNeg(), minMaxNorm: () => new MinMaxNorm(),
};

/** What layers accept as a constraint. */
export type ConstraintSpec = Constraint | 'maxNorm' | 'unitNorm' | 'nonNeg' | 'minMaxNorm' | string | { className: string; config?: ConfigDict } | null;

/** A constraint from its spec (null/undefined: none); a bad one is refused naming `where` and `argName`. */
export function resolveConstraint(spec: unknown, where: string, argName: string): Constraint | null {
  if (spec === null || spec === undefined) return null;
  return resolveIdentifier(spec, Constraint, BY_NAME, 'constraint', where, argName);
}

/** `{ className, config }` of a constraint, or null. */
export function serializeConstraint(c: Constraint | null): ConfigDict | null {
  return serializeObject(c);
}

/** Constraint factories with tfjs names (`ck.constraints.maxNorm({ maxValue: 3, axis: [0, 1, 2] })`). */
export const constraints = {
  maxNorm: (args?: { maxValue?: number; axis?: Axis }): Constraint => new MaxNorm(args),
  unitNorm: (args?: { axis?: Axis }): Constraint => new UnitNorm(args),
  nonNeg: (): Constraint => new NonNeg(),
  minMaxNorm: (args?: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis }): Constraint => new MinMaxNorm(args),
};
