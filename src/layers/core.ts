/** Dense, Flatten, Dropout (and its spatial variants) and Activation (Keras core layers). */
import { dropout as dropoutOp, matMul, reshape } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import { Random, globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { activationDef, applyBiasActivation, resolveActivation, type ActivationName } from './activations.js';
import { checkDataFormat, isNone, onlyDefault, positiveInt } from './args.js';
import type { Constraint } from './constraints.js';
import type { Initializer } from './initializers.js';
import { KERNEL_OPTION_ARGS, kernelOptions, kernelOptionsConfig, type KernelOptionArgs } from './kernel-options.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import type { Regularizer } from './regularizers.js';

export interface DenseArgs extends LayerArgs, KernelOptionArgs {
  units: number;
  /** Input features of a first layer (tfjs): same as inputShape [inputDim]. */
  inputDim?: number;
}

/** y = act(x · kernel + bias) on the last axis; kernel [in, units]. */
export class Dense extends Layer {
  static readonly className = 'Dense';
  static override readonly argNames: readonly string[] = ['units', 'inputDim', ...KERNEL_OPTION_ARGS];
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: DenseArgs) {
    const withDim = args && !isNone(args.inputDim) && isNone(args.inputShape) && isNone(args.batchInputShape);
    super(withDim ? { ...args, inputShape: [args.inputDim as number] } : args);
    const where = this.describe();
    if (!isNone(args.inputDim)) positiveInt(args.inputDim, 'inputDim', where);
    this.units = positiveInt(args.units, 'units', where);
    ({
      activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
      kernelRegularizer: this.kernelRegularizer, biasRegularizer: this.biasRegularizer, activityRegularizer: this.activityRegularizer,
      kernelConstraint: this.kernelConstraint, biasConstraint: this.biasConstraint,
    } = kernelOptions(args, where));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    const last = s[s.length - 1];
    if (s.length < 2 || last === null) throw new ShapeError(`${this.describe()}: expected input with a known last dimension. Received input ${fmtShape(s)}`);
    return [...s.slice(0, -1), this.units];
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = exactlyOneShape(inputShape, this.describe());
    this.computeOutputShape(s);
    this.kernel = this.addWeight('kernel', [s[s.length - 1] as number, this.units], 'float32', this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return this.callWithActivation(exactlyOne(inputs, this.describe()), kwargs, this.activation);
  }

  /** The layer with another activation (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, kwargs: Kwargs, act: ActivationName): Tensor {
    const kernel = (this.kernel as LayerVariable).read();
    const flat = x.rank === 2 ? x : reshape(x, [-1, kernel.shape[0]]);
    let y = matMul(flat, kernel);
    if (x.rank !== 2) y = reshape(y, [...x.shape.slice(0, -1), this.units]);
    y = applyBiasActivation(y, this.bias?.read() ?? null, act);
    // The activity penalty is taken on the layer's real output.
    if (this.activityRegularizer && kwargs.training) this.regularizeActivity(act === this.activation ? y : applyBiasActivation(y, null, this.activation), kwargs);
    return y;
  }

  override paramFormula(): string {
    const s = this.inputShape as Shape;
    return `(${s[s.length - 1]}${this.useBias ? '+1' : ''})*${this.units}`;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x0 = exactlyOne(inputs, this.describe());
    const kernel = (this.kernel as LayerVariable).read();
    const k = g.constant(`${this.name}/kernel`, kernel.shape, Float32Array.from(kernel.dataSync()));
    const b = this.bias ? g.constant(`${this.name}/bias`, [this.units], Float32Array.from(this.bias.read().dataSync())) : null;
    const outShape = this.computeOutputShape(x0.shape);
    let y: OnnxValue;
    if (x0.shape.length === 2) {
      y = g.value(g.node('Gemm', [x0.name, k, ...(b ? [b] : [])], [g.float('alpha', 1), g.float('beta', 1), g.int('transA', 0), g.int('transB', 0)]), 'plain', outShape);
    } else {
      const x = g.nhwc(x0); // Dense acts on the last (channels) axis
      y = g.value(g.node('MatMul', [x.name, k]), x.layout, outShape);
      if (b) y = g.unary('Add', y, [], [b]);
    }
    return activationDef(this.activation, this.describe()).onnx(g, y);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), units: this.units, ...kernelOptionsConfig(this),
    };
  }
}
registerClass(Dense);

export interface FlattenArgs extends LayerArgs {
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/** Flattens every dimension but the batch. */
export class Flatten extends Layer {
  static readonly className = 'Flatten';
  static override readonly argNames: readonly string[] = ['dataFormat'];

  constructor(args: FlattenArgs = {}) {
    super(args);
    checkDataFormat(args?.dataFormat, this.describe());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) throw new ShapeError(`${this.describe()}: all non-batch dimensions must be known. Received input ${fmtShape(s)}`);
    return [s[0], (rest as number[]).reduce((a, b) => a * b, 1)];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    return reshape(x, [x.shape[0], x.size / x.shape[0]]);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe())); // Keras flattens in NHWC order
    return g.value(g.node('Flatten', [x.name], [g.int('axis', 1)]), 'plain', this.computeOutputShape(x.shape));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: 'channelsLast' };
  }
}
registerClass(Flatten);

export interface DropoutArgs extends LayerArgs {
  rate: number;
  /**
   * Shape of the random mask, broadcast over the input (tfjs/Keras), batch dimension included;
   * null entries take the input's size. E.g. [null, 1, 1, null] drops whole feature maps.
   */
  noiseShape?: (number | null)[] | null;
  /** Seeds the layer's own generator (default: the global seeded generator). */
  seed?: number | null;
}

/** Inverted dropout while training; identity at inference. */
export class Dropout extends Layer {
  static readonly className: string = 'Dropout';
  static override readonly argNames: readonly string[] = ['rate', 'noiseShape', 'seed'];
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  private readonly rng: Random;

  constructor(args: DropoutArgs) {
    super(args);
    const where = this.describe();
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) throw new ValueError(`${where}: rate must be in [0, 1). Received rate=${args.rate}`);
    const ns = args.noiseShape;
    if (!isNone(ns) && (!Array.isArray(ns) || ns.length === 0 || ns.some((d) => d !== null && !(Number.isInteger(d) && (d as number) > 0))))
      throw new ValueError(`${where}: noiseShape must be a list of positive integers or nulls (one per input dimension, batch included). Received noiseShape=${JSON.stringify(ns)}`);
    if (!isNone(args.seed) && !Number.isInteger(args.seed)) throw new ValueError(`${where}: seed must be an integer or null. Received seed=${String(args.seed)}`);
    this.rate = args.rate;
    this.noiseShape = isNone(ns) ? null : [...ns];
    this.seed = args.seed ?? null;
    this.rng = this.seed === null ? globalRandom : new Random(this.seed);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    const ns = this.noiseShape;
    if (ns && (ns.length !== s.length || ns.some((d, i) => d !== null && d !== 1 && s[i] !== null && d !== s[i])))
      throw new ShapeError(`${this.describe()}: noiseShape ${JSON.stringify(ns)} must have one entry per input dimension, each null, 1 or the input's size. Received input ${fmtShape(s)}`);
    return s;
  }

  /** The mask's shape for input `x` (undefined: x's own shape). */
  protected maskShape(x: Tensor): number[] | undefined {
    return this.noiseShape?.map((d, i) => (d === null ? x.shape[i] : d));
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = exactlyOne(inputs, this.describe());
    return kwargs.training && this.rate > 0 ? dropoutOp(x, this.rate, this.rng, this.maskShape(x)) : x;
  }

  override toOnnx(_g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return exactlyOne(inputs, this.describe()); // identity at inference
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape ? [...this.noiseShape] : null, seed: this.seed };
  }
}
registerClass(Dropout);

export interface SpatialDropoutArgs extends LayerArgs {
  rate: number;
  seed?: number | null;
  /** Only 'channelsLast' (SpatialDropout2D). */
  dataFormat?: 'channelsLast';
}

/** Dropout of whole channels: one mask value per (sample, channel), shared over the other axes. */
abstract class SpatialDropout extends Dropout {
  /** Rank of the input (3 for 1-D sequences, 4 for images). */
  protected abstract readonly inputRank: number;

  constructor(args: SpatialDropoutArgs) {
    const { dataFormat, noiseShape, ...rest } = (args ?? {}) as SpatialDropoutArgs & { noiseShape?: unknown };
    super(rest as DropoutArgs);
    checkDataFormat(dataFormat, this.describe());
    onlyDefault(this.describe(), 'noiseShape', JSON.stringify(noiseShape), isNone(noiseShape), 'is fixed by the layer (one value per sample and channel); give null');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== this.inputRank) throw new ShapeError(`${this.describe()}: expected input of rank ${this.inputRank}. Received input ${fmtShape(s)}`);
    return s;
  }

  protected override maskShape(x: Tensor): number[] {
    return x.shape.map((d, i) => (i === 0 || i === x.rank - 1 ? d : 1));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), noiseShape: null };
  }
}

/** Drops whole channels of [batch, steps, channels] sequences (tfjs/Keras SpatialDropout1D). */
export class SpatialDropout1D extends SpatialDropout {
  static override readonly className = 'SpatialDropout1D';
  static override readonly argNames: readonly string[] = ['rate', 'noiseShape', 'seed'];
  protected readonly inputRank = 3;
}
registerClass(SpatialDropout1D);

/** Drops whole feature maps of NHWC images (Keras SpatialDropout2D). */
export class SpatialDropout2D extends SpatialDropout {
  static override readonly className = 'SpatialDropout2D';
  static override readonly argNames: readonly string[] = ['rate', 'noiseShape', 'seed', 'dataFormat'];
  protected readonly inputRank = 4;

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: 'channelsLast' };
  }
}
registerClass(SpatialDropout2D);

export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation function on its own. */
export class Activation extends Layer {
  static readonly className = 'Activation';
  static override readonly argNames: readonly string[] = ['activation'];
  readonly activation: ActivationName;

  constructor(args: ActivationArgs) {
    super(args);
    if (isNone(args.activation)) throw new ValueError(`${this.describe()}: activation is required, e.g. activation: 'relu'`);
    this.activation = resolveActivation(args.activation, this.describe());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return exactlyOneShape(inputShape, this.describe());
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return this.callWithActivation(exactlyOne(inputs, this.describe()), kwargs, this.activation);
  }

  /** The activation replaced by another (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, _kwargs: Kwargs, act: ActivationName): Tensor {
    return applyBiasActivation(x, null, act);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return activationDef(this.activation, this.describe()).onnx(g, exactlyOne(inputs, this.describe()));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), activation: this.activation };
  }
}
registerClass(Activation);
