/**
 * BatchNormalization (tfjs/Keras): normalises each channel with the batch's mean and biased
 * variance while training and with moving averages at inference, then scales by γ and shifts by β.
 *
 * The moving mean and variance are non-trainable weights updated on every training step exactly as
 * tfjs-layers does: moving ← moving − (moving − batch)·(1 − momentum). A layer with
 * `trainable: false` is frozen as in Keras: it keeps γ and β and runs in inference mode even inside
 * `fit`. Any single axis is supported (channels last is the fast path; another axis is moved last
 * around the fused kernels).
 */
import { batchNormInference, batchNormTraining, mul, sub, transpose } from '../autograd/ops.js';
import type { NormActivation } from '../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { bool, isNone, onlyDefault } from './args.js';
import { resolveConstraint, serializeConstraint, type Constraint, type ConstraintSpec } from './constraints.js';
import { numberArg } from './identifiers.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import { resolveRegularizer, serializeRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The channel axis (default -1, channels last). */
  axis?: number;
  /** Weight of the old value in the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Learn β (default true). */
  center?: boolean;
  /** Learn γ (default true). */
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
  betaRegularizer?: RegularizerSpec;
  gammaRegularizer?: RegularizerSpec;
  betaConstraint?: ConstraintSpec;
  gammaConstraint?: ConstraintSpec;
  /** Keras 3's cross-replica statistics: only false. */
  synchronized?: boolean;
}

export class BatchNormalization extends Layer {
  static readonly className = 'BatchNormalization';
  static override readonly argNames: readonly string[] = [
    'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer',
    'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint', 'synchronized',
  ];
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  gamma: LayerVariable | null = null;
  beta: LayerVariable | null = null;
  movingMean: LayerVariable | null = null;
  movingVariance: LayerVariable | null = null;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const where = this.describe();
    const axis = args?.axis ?? -1;
    if (!Number.isInteger(axis)) throw new ValueError(`${where}: axis must be one integer (several axes are not supported). Received axis=${JSON.stringify(args?.axis)}`);
    this.axis = axis;
    this.momentum = numberArg(args?.momentum, 'momentum', where, 0.99, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    this.epsilon = numberArg(args?.epsilon, 'epsilon', where, 1e-3, (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
    this.center = bool(args?.center, 'center', where, true);
    this.scale = bool(args?.scale, 'scale', where, true);
    this.betaInitializer = resolveInitializer(args?.betaInitializer ?? 'zeros', where, 'betaInitializer');
    this.gammaInitializer = resolveInitializer(args?.gammaInitializer ?? 'ones', where, 'gammaInitializer');
    this.movingMeanInitializer = resolveInitializer(args?.movingMeanInitializer ?? 'zeros', where, 'movingMeanInitializer');
    this.movingVarianceInitializer = resolveInitializer(args?.movingVarianceInitializer ?? 'ones', where, 'movingVarianceInitializer');
    this.betaRegularizer = resolveRegularizer(args?.betaRegularizer, where, 'betaRegularizer');
    this.gammaRegularizer = resolveRegularizer(args?.gammaRegularizer, where, 'gammaRegularizer');
    this.betaConstraint = resolveConstraint(args?.betaConstraint, where, 'betaConstraint');
    this.gammaConstraint = resolveConstraint(args?.gammaConstraint, where, 'gammaConstraint');
    onlyDefault(where, 'synchronized', args?.synchronized, isNone(args?.synchronized) || args?.synchronized === false, 'must be false (one device: statistics are the batch\'s own)');
  }

  /** The channel axis for an input of rank `rank`, in [1, rank). */
  private axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 1 || a >= rank) throw new ShapeError(`${this.describe()}: axis ${this.axis} is not a non-batch axis of input of rank ${rank}`);
    return a;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    const a = this.axisFor(s.length);
    if (s[a] === null) throw new ShapeError(`${this.describe()}: axis ${this.axis} of the input must have a known size. Received input ${fmtShape(s)}`);
    return s;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = this.computeOutputShape(inputShape);
    const c = [s[this.axisFor(s.length)] as number];
    if (this.scale) this.gamma = this.addWeight('gamma', c, 'float32', this.gammaInitializer, this.gammaRegularizer, true, this.gammaConstraint);
    if (this.center) this.beta = this.addWeight('beta', c, 'float32', this.betaInitializer, this.betaRegularizer, true, this.betaConstraint);
    this.movingMean = this.addWeight('moving_mean', c, 'float32', this.movingMeanInitializer, null, false);
    this.movingVariance = this.addWeight('moving_variance', c, 'float32', this.movingVarianceInitializer, null, false);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return this.callWithActivation(exactlyOne(inputs, this.describe()), kwargs, 'linear');
  }

  /**
   * The layer followed by `act` in the same kernel pass (a model fuses a following ReLU/GELU
   * Activation layer this way). Batch statistics when training a trainable layer (and the moving
   * averages updated), the moving statistics otherwise.
   */
  callWithActivation(x: Tensor, kwargs: Kwargs, act: NormActivation): Tensor {
    const a = this.axisFor(x.rank);
    if (a !== x.rank - 1) {
      // Channels moved last for the fused kernels, then back.
      const perm = x.shape.map((_, i) => i).filter((i) => i !== a).concat(a);
      const y = this.normalize(transpose(x, perm), kwargs, act);
      return transpose(y, perm.map((_, i) => perm.indexOf(i)));
    }
    return this.normalize(x, kwargs, act);
  }

  private normalize(x: Tensor, kwargs: Kwargs, act: NormActivation): Tensor {
    const gamma = this.gamma?.read() ?? null, beta = this.beta?.read() ?? null;
    const movingMean = this.movingMean as LayerVariable, movingVariance = this.movingVariance as LayerVariable;
    if (!kwargs.training || !this.trainable) return batchNormInference(x, movingMean.read(), movingVariance.read(), gamma, beta, this.epsilon, act);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, act);
    // tfjs-layers: moving ← moving − (moving − batch)·(1 − momentum), the batch variance biased.
    const decay = 1 - this.momentum;
    movingMean.write(sub(movingMean.read(), mul(sub(movingMean.read(), mean), decay)));
    movingVariance.write(sub(movingVariance.read(), mul(sub(movingVariance.read(), variance), decay)));
    return y;
  }

  override paramFormula(): string {
    const s = this.inputShape as Shape;
    return `${this.weights.length}*${s[this.axisFor(s.length)]}`;
  }

  /** At inference BN is x·k + b per channel: k = γ/√(variance + ε), b = β − mean·k. */
  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x0 = exactlyOne(inputs, this.describe());
    const a = this.axisFor(x0.shape.length);
    const x = a === x0.shape.length - 1 ? x0 : g.nhwc(x0);
    const read = (v: LayerVariable | null, dflt: number, n: number): Float32Array => (v ? Float32Array.from(v.read().dataSync()) : new Float32Array(n).fill(dflt));
    const mean = read(this.movingMean, 0, 0), n = mean.length;
    const variance = read(this.movingVariance, 1, n), gamma = read(this.gamma, 1, n), beta = read(this.beta, 0, n);
    const k = gamma.map((gm, c) => gm / Math.sqrt(variance[c] + this.epsilon));
    const b = beta.map((bt, c) => bt - mean[c] * k[c]);
    // The constants broadcast along the channel axis of the value's layout.
    const rank = x.shape.length;
    const dims = x.layout === 'nchw' ? [n, 1, 1] : Array.from({ length: rank - 1 }, (_, i) => (i + 1 === a ? n : 1));
    const scaled = g.unary('Mul', x, [], [g.constant(`${this.name}/scale`, dims, k)]);
    return g.unary('Add', scaled, [], [g.constant(`${this.name}/shift`, dims, b)]);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer), gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer), movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: serializeRegularizer(this.betaRegularizer), gammaRegularizer: serializeRegularizer(this.gammaRegularizer),
      betaConstraint: serializeConstraint(this.betaConstraint), gammaConstraint: serializeConstraint(this.gammaConstraint),
    };
  }
}
registerClass(BatchNormalization);
