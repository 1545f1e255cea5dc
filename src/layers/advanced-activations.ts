/**
 * Activation layers with options (tfjs/Keras `advanced_activations`): ReLU (maxValue, and Keras's
 * negativeSlope and threshold), LeakyReLU, PReLU (a learned slope per unit), ELU (alpha),
 * ThresholdedReLU and Softmax over any axis or axes.
 */
import { cast, clipByValue, elu, greater, leakyRelu, mul, relu, reshape, softmax, sub, transpose, where } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { isNone } from './args.js';
import { resolveConstraint, serializeConstraint, type Constraint, type ConstraintSpec } from './constraints.js';
import { numberArg } from './identifiers.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { Layer, exactlyOne, exactlyOneShape, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import { resolveRegularizer, serializeRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

const nonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v);

/** A layer whose output has its input's shape. */
abstract class ElementwiseLayer extends Layer {
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return exactlyOneShape(inputShape, this.describe());
  }
}

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (tfjs); none by default. */
  maxValue?: number | null;
  /** Slope below the threshold (Keras); default 0. */
  negativeSlope?: number;
  /** Inputs up to it give negativeSlope·(x − threshold) (Keras); default 0. */
  threshold?: number;
}

/**
 * Rectified linear unit (tfjs ReLU: min(max(x, 0), maxValue); Keras's negativeSlope and threshold
 * too): maxValue for x ≥ maxValue, x for threshold < x < maxValue, negativeSlope·(x − threshold) below.
 */
export class ReLU extends ElementwiseLayer {
  static readonly className = 'ReLU';
  static override readonly argNames: readonly string[] = ['maxValue', 'negativeSlope', 'threshold'];
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs = {}) {
    super(args);
    const where = this.describe();
    this.maxValue = isNone(args?.maxValue) ? null : numberArg(args.maxValue, 'maxValue', where, 0, nonNegative, 'a non-negative number');
    this.negativeSlope = numberArg(args?.negativeSlope, 'negativeSlope', where, 0, nonNegative, 'a non-negative number');
    this.threshold = numberArg(args?.threshold, 'threshold', where, 0);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    // Keras's backend.relu, step by step.
    let y = this.threshold !== 0 ? mul(x, cast(greater(x, this.threshold), 'float32')) : relu(x);
    if (this.maxValue !== null) y = clipByValue(y, 0, this.maxValue);
    if (this.negativeSlope !== 0) y = sub(y, mul(relu(sub(this.threshold, x)), this.negativeSlope));
    return y;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = exactlyOne(inputs, this.describe());
    if (this.negativeSlope !== 0 || this.threshold !== 0) throw new ValueError(`exportOnnx: ${this.describe()} with negativeSlope or threshold has no ONNX mapping (only maxValue)`);
    const y = g.unary('Relu', x);
    if (this.maxValue === null) return y;
    const lo = g.constant(`${this.name}/min`, [], Float32Array.of(0)), hi = g.constant(`${this.name}/max`, [], Float32Array.of(this.maxValue));
    return g.unary('Clip', y, [], [lo, hi]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}
registerClass(ReLU);

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (default 0.3, as tfjs and Keras 2). */
  alpha?: number;
  /** Keras 3's name for alpha. */
  negativeSlope?: number;
}

/** x for x ≥ 0, alpha·x below (tfjs/Keras LeakyReLU). */
export class LeakyReLU extends ElementwiseLayer {
  static readonly className = 'LeakyReLU';
  static override readonly argNames: readonly string[] = ['alpha', 'negativeSlope'];
  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    const where = this.describe();
    if (!isNone(args?.alpha) && !isNone(args?.negativeSlope) && args.alpha !== args.negativeSlope)
      throw new ValueError(`${where}: alpha and negativeSlope name the same slope; give one. Received alpha=${args.alpha}, negativeSlope=${args.negativeSlope}`);
    this.alpha = numberArg(args?.alpha ?? args?.negativeSlope, isNone(args?.alpha) ? 'negativeSlope' : 'alpha', where, 0.3);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(exactlyOne(inputs, this.describe()), this.alpha);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return g.unary('LeakyRelu', exactlyOne(inputs, this.describe()), [g.float('alpha', this.alpha)]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
registerClass(LeakyReLU);

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerSpec;
  alphaRegularizer?: RegularizerSpec;
  alphaConstraint?: ConstraintSpec;
  /** Axes (1-based, batch excluded) along which one slope is shared, e.g. [1, 2] for one slope per channel of an image. */
  sharedAxes?: number | number[] | null;
}

/** x for x > 0, alpha·x below, with a learned alpha per unit (tfjs/Keras PReLU). */
export class PReLU extends ElementwiseLayer {
  static readonly className = 'PReLU';
  static override readonly argNames: readonly string[] = ['alphaInitializer', 'alphaRegularizer', 'alphaConstraint', 'sharedAxes'];
  readonly alphaInitializer: Initializer;
  readonly alphaRegularizer: Regularizer | null;
  readonly alphaConstraint: Constraint | null;
  readonly sharedAxes: number[] | null;
  alpha: LayerVariable | null = null;

  constructor(args: PReLUArgs = {}) {
    super(args);
    const where = this.describe();
    this.alphaInitializer = resolveInitializer(args?.alphaInitializer ?? 'zeros', where, 'alphaInitializer');
    this.alphaRegularizer = resolveRegularizer(args?.alphaRegularizer, where, 'alphaRegularizer');
    this.alphaConstraint = resolveConstraint(args?.alphaConstraint, where, 'alphaConstraint');
    const s = args?.sharedAxes;
    const axes = isNone(s) ? null : typeof s === 'number' ? [s] : s;
    if (axes !== null && (!Array.isArray(axes) || axes.some((a) => !Number.isInteger(a) || a < 1)))
      throw new ValueError(`${where}: sharedAxes must be positive integers (axes after the batch, 1-based). Received sharedAxes=${JSON.stringify(s)}`);
    this.sharedAxes = axes ? [...axes] : null;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (this.sharedAxes?.some((a) => a >= s.length)) throw new ShapeError(`${this.describe()}: sharedAxes ${JSON.stringify(this.sharedAxes)} do not fit input ${fmtShape(s)}`);
    return s;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.computeOutputShape(inputShape);
    const shape = s.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : (d as number)));
    this.alpha = this.addWeight('alpha', shape, 'float32', this.alphaInitializer, this.alphaRegularizer, true, this.alphaConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    // tfjs's prelu: x < 0 ? alpha·x : x.
    return where(greater(x, 0), x, mul(x, (this.alpha as LayerVariable).read()));
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe()));
    const a = (this.alpha as LayerVariable).read();
    return g.unary('PRelu', x, [], [g.constant(`${this.name}/alpha`, a.shape, Float32Array.from(a.dataSync()))]);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), alphaInitializer: serializeInitializer(this.alphaInitializer), alphaRegularizer: serializeRegularizer(this.alphaRegularizer),
      alphaConstraint: serializeConstraint(this.alphaConstraint), sharedAxes: this.sharedAxes ? [...this.sharedAxes] : null,
    };
  }
}
registerClass(PReLU);

export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part (default 1; tfjs accepts only 1, Keras any). */
  alpha?: number;
}

/** x for x > 0, alpha·(eˣ − 1) below (Keras/tfjs ELU). */
export class ELU extends ElementwiseLayer {
  static readonly className = 'ELU';
  static override readonly argNames: readonly string[] = ['alpha'];
  readonly alpha: number;

  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = numberArg(args?.alpha, 'alpha', this.describe(), 1);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return elu(exactlyOne(inputs, this.describe()), this.alpha);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return g.unary('Elu', exactlyOne(inputs, this.describe()), [g.float('alpha', this.alpha)]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
registerClass(ELU);

export interface ThresholdedReLUArgs extends LayerArgs {
  /** Inputs above it pass, the rest become 0 (default 1). */
  theta?: number;
}

/** x for x > theta, 0 otherwise (tfjs/Keras ThresholdedReLU). */
export class ThresholdedReLU extends ElementwiseLayer {
  static readonly className = 'ThresholdedReLU';
  static override readonly argNames: readonly string[] = ['theta'];
  readonly theta: number;

  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    this.theta = numberArg(args?.theta, 'theta', this.describe(), 1);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    return mul(x, cast(greater(x, this.theta), 'float32'));
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return g.unary('ThresholdedRelu', exactlyOne(inputs, this.describe()), [g.float('alpha', this.theta)]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), theta: this.theta };
  }
}
registerClass(ThresholdedReLU);

export interface SoftmaxArgs extends LayerArgs {
  /** The axis (or axes) normalised over; default -1 (the last; tfjs writes 1, the last axis of a 2-D input). */
  axis?: number | number[];
}

/** Softmax over an axis or several axes together (tfjs/Keras Softmax layer). */
export class Softmax extends ElementwiseLayer {
  static readonly className = 'Softmax';
  static override readonly argNames: readonly string[] = ['axis'];
  readonly axis: number | number[];

  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const a = args?.axis ?? -1;
    if (!(Number.isInteger(a) || (Array.isArray(a) && a.length > 0 && a.every((v) => Number.isInteger(v)))))
      throw new ValueError(`${this.describe()}: axis must be an integer or a list of integers. Received axis=${JSON.stringify(args?.axis)}`);
    this.axis = Array.isArray(a) ? [...a] : a;
  }

  /** The axes normalised for an input of rank `rank`, checked (the batch axis cannot be one of them). */
  private axesFor(rank: number): number[] {
    const axes = (Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a));
    if (axes.some((a) => a < 1 || a >= rank) || new Set(axes).size !== axes.length)
      throw new ShapeError(`${this.describe()}: axis ${JSON.stringify(this.axis)} must name distinct non-batch axes of input of rank ${rank}`);
    return axes.sort((p, q) => p - q);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    this.axesFor(s.length);
    return s;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const axes = this.axesFor(x.rank);
    const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    if (axes.length === 1 && axes[0] === x.rank - 1) return softmax(x);
    // Softmax over the chosen axes moved last and flattened into one row per position.
    const perm = [...rest, ...axes];
    const moved = transpose(x, perm);
    const inner = axes.reduce((n, a) => n * x.shape[a], 1);
    const y = reshape(softmax(reshape(moved, [-1, inner])), moved.shape);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return transpose(y, inverse);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe()));
    const axes = this.axesFor(x.shape.length);
    if (axes.length !== 1) throw new ValueError(`exportOnnx: ${this.describe()} over several axes has no ONNX mapping (one axis only)`);
    return g.unary('Softmax', x, [g.int('axis', axes[0])]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: Array.isArray(this.axis) ? [...this.axis] : this.axis };
  }
}
registerClass(Softmax);
