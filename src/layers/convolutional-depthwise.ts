/**
 * DepthwiseConv2D and SeparableConv2D (Keras/tfjs; MobileNet's building blocks), channels last.
 * A depthwise kernel [kh, kw, in, depthMultiplier] gives each input channel its own filters
 * (output channel c·depthMultiplier + q); SeparableConv2D follows it with a 1x1 pointwise
 * convolution [1, 1, in·depthMultiplier, filters]. Both take strides or a dilation rate.
 */
import { conv2d as conv2dOp, conv2dBiasActivation, depthwiseConv2d } from '../autograd/ops.js';
import { dilatedSize, windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { onnxPads, toOIHW, type OnnxBuilder, type OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { activationDef, applyBiasActivation, kernelActivation, resolveActivation, type ActivationName } from './activations.js';
import { bool, checkDataFormat, checkPadding, isNone, normalizeTuple, onlyDefault, positiveInt } from './args.js';
import { resolveConstraint, serializeConstraint, type Constraint, type ConstraintSpec } from './constraints.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import { resolveRegularizer, serializeRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | number[];
  /** Filters per input channel (default 1). */
  depthMultiplier?: number;
  strides?: number | number[];
  padding?: Padding;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** Atrous rate; with a rate above 1 the strides must be 1. */
  dilationRate?: number | number[];
  activation?: ActivationName;
  useBias?: boolean;
  depthwiseInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
  activityRegularizer?: RegularizerSpec;
  depthwiseConstraint?: ConstraintSpec;
  biasConstraint?: ConstraintSpec;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerSpec;
  pointwiseRegularizer?: RegularizerSpec;
  pointwiseConstraint?: ConstraintSpec;
}

const DEPTHWISE_KEYS = [
  'kernelSize', 'depthMultiplier', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias', 'depthwiseInitializer', 'biasInitializer',
  'depthwiseRegularizer', 'biasRegularizer', 'activityRegularizer', 'depthwiseConstraint', 'biasConstraint',
];

/** The depthwise stage both layers share: its arguments, shape rule, weights and op. */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: [number, number];
  readonly depthMultiplier: number;
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  depthwiseKernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: DepthwiseConv2DArgs) {
    super(args);
    const where = this.describe();
    this.kernelSize = normalizeTuple(args.kernelSize, 2, 'kernelSize', where) as [number, number];
    this.depthMultiplier = isNone(args.depthMultiplier) ? 1 : positiveInt(args.depthMultiplier, 'depthMultiplier', where);
    this.strides = normalizeTuple(args.strides ?? 1, 2, 'strides', where) as [number, number];
    this.padding = checkPadding(args.padding ?? 'valid', where);
    checkDataFormat(args.dataFormat, where);
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, 2, 'dilationRate', where) as [number, number];
    if (this.dilationRate.some((d) => d > 1) && this.strides.some((s) => s > 1))
      throw new ValueError(`${where}: strides and dilationRate cannot both exceed 1 (TensorFlow's rule). Received strides=${JSON.stringify(this.strides)}, dilationRate=${JSON.stringify(this.dilationRate)}`);
    this.activation = resolveActivation(args.activation, where);
    this.useBias = bool(args.useBias, 'useBias', where, true);
    this.depthwiseInitializer = resolveInitializer(args.depthwiseInitializer ?? 'glorotUniform', where, 'depthwiseInitializer');
    this.biasInitializer = resolveInitializer(args.biasInitializer ?? 'zeros', where, 'biasInitializer');
    this.depthwiseRegularizer = resolveRegularizer(args.depthwiseRegularizer, where, 'depthwiseRegularizer');
    this.biasRegularizer = resolveRegularizer(args.biasRegularizer, where, 'biasRegularizer');
    this.activityRegularizer = resolveRegularizer(args.activityRegularizer, where, 'activityRegularizer');
    this.depthwiseConstraint = resolveConstraint(args.depthwiseConstraint, where, 'depthwiseConstraint');
    this.biasConstraint = resolveConstraint(args.biasConstraint, where, 'biasConstraint');
  }

  /** Output channels of the whole layer for `inC` input channels. */
  protected abstract outChannels(inC: number): number;

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 4) throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(s)}`);
    const out = [0, 1].map((i) => windowOutput(s[i + 1] as number, dilatedSize(this.kernelSize[i], this.dilationRate[i]), this.strides[i], this.padding).out);
    if (out.some((d) => d <= 0))
      throw new ShapeError(`${this.describe()}: kernelSize must fit the input with padding '${this.padding}'. Received kernelSize=[${this.kernelSize}], dilationRate=[${this.dilationRate}] for input ${fmtShape(s)}`);
    return [s[0], out[0], out[1], this.outChannels(s[3] as number)];
  }

  /** Creates the depthwise kernel for `inC` channels. */
  protected addDepthwiseKernel(inC: number): void {
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, inC, this.depthMultiplier], 'float32', this.depthwiseInitializer, this.depthwiseRegularizer, true, this.depthwiseConstraint);
  }

  /** The depthwise stage of x. */
  protected depthwise(x: Tensor): Tensor {
    return depthwiseConv2d(x, (this.depthwiseKernel as LayerVariable).read(), { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
  }

  /** Records the activity penalty of the output (training only) and returns it. */
  protected finish(y: Tensor, kwargs: Kwargs): Tensor {
    return this.activityRegularizer ? this.regularizeActivity(y, kwargs) : y;
  }

  /** The depthwise kernel as ONNX grouped-convolution weights [in·m, 1, kh, kw]. */
  protected onnxDepthwiseWeights(g: OnnxBuilder): string {
    const k = (this.depthwiseKernel as LayerVariable).read();
    const [kh, kw, inC, m] = k.shape;
    return g.constant(`${this.name}/depthwise_kernel`, [inC * m, 1, kh, kw], toOIHW(k.dataSync(), [kh, kw, 1, inC * m]));
  }

  /** ONNX attributes of the depthwise stage as a grouped Conv. */
  protected onnxDepthwiseAttrs(g: OnnxBuilder, x: OnnxValue) {
    const span = this.kernelSize.map((k, i) => dilatedSize(k, this.dilationRate[i]));
    return [
      g.ints('kernel_shape', this.kernelSize), g.ints('strides', this.strides), g.ints('dilations', this.dilationRate), g.int('group', x.shape[3] as number),
      g.ints('pads', onnxPads(x.shape, span, this.strides, this.padding)),
    ];
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, dataFormat: 'channelsLast',
      dilationRate: [...this.dilationRate], depthMultiplier: this.depthMultiplier, activation: this.activation, useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer), biasInitializer: serializeInitializer(this.biasInitializer),
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer), biasRegularizer: serializeRegularizer(this.biasRegularizer),
      activityRegularizer: serializeRegularizer(this.activityRegularizer),
      depthwiseConstraint: serializeConstraint(this.depthwiseConstraint), biasConstraint: serializeConstraint(this.biasConstraint),
    };
  }
}

/** Depthwise 2-D convolution (Keras/tfjs DepthwiseConv2D): kernel [kh, kw, in, depthMultiplier], bias [in·depthMultiplier]. */
export class DepthwiseConv2D extends DepthwiseBase {
  static readonly className = 'DepthwiseConv2D';
  static override readonly argNames: readonly string[] = DEPTHWISE_KEYS;

  constructor(args: DepthwiseConv2DArgs) {
    super(args);
  }

  protected outChannels(inC: number): number {
    return inC * this.depthMultiplier;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = exactlyOneShape(inputShape, this.describe());
    this.computeOutputShape(s);
    this.addDepthwiseKernel(s[3] as number);
    if (this.useBias) this.bias = this.addWeight('bias', [this.outChannels(s[3] as number)], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const y = this.depthwise(exactlyOne(inputs, this.describe()));
    return this.finish(applyBiasActivation(y, this.bias?.read() ?? null, this.activation), kwargs);
  }

  override paramFormula(): string {
    const inC = (this.inputShape as Shape)[3] as number;
    return `(${this.kernelSize.join('*')}${this.useBias ? '+1' : ''})*${inC}*${this.depthMultiplier}`;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const b = this.bias ? [g.constant(`${this.name}/bias`, [this.bias.shape[0]], Float32Array.from(this.bias.read().dataSync()))] : [];
    const out = g.node('Conv', [x.name, this.onnxDepthwiseWeights(g), ...b], this.onnxDepthwiseAttrs(g, x));
    return activationDef(this.activation, this.describe()).onnx(g, g.value(out, 'nchw', this.computeOutputShape(x.shape)));
  }
}
registerClass(DepthwiseConv2D);

/** Depthwise then 1x1 pointwise convolution (Keras/tfjs SeparableConv2D, MobileNet v1's block). */
export class SeparableConv2D extends DepthwiseBase {
  static readonly className = 'SeparableConv2D';
  static override readonly argNames: readonly string[] = [...DEPTHWISE_KEYS, 'filters', 'pointwiseInitializer', 'pointwiseRegularizer', 'pointwiseConstraint', 'kernelInitializer', 'kernelRegularizer', 'kernelConstraint'];
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  readonly pointwiseConstraint: Constraint | null;
  pointwiseKernel: LayerVariable | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args);
    const where = this.describe();
    this.filters = positiveInt(args.filters, 'filters', where);
    const a = args as SeparableConv2DArgs & Record<string, unknown>;
    for (const key of ['kernelInitializer', 'kernelRegularizer', 'kernelConstraint'])
      onlyDefault(where, key, JSON.stringify(a[key]), isNone(a[key]), `does not apply to SeparableConv2D: use ${key.replace('kernel', 'depthwise')} and ${key.replace('kernel', 'pointwise')}`);
    this.pointwiseInitializer = resolveInitializer(args.pointwiseInitializer ?? 'glorotUniform', where, 'pointwiseInitializer');
    this.pointwiseRegularizer = resolveRegularizer(args.pointwiseRegularizer, where, 'pointwiseRegularizer');
    this.pointwiseConstraint = resolveConstraint(args.pointwiseConstraint, where, 'pointwiseConstraint');
  }

  protected outChannels(): number {
    return this.filters;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = exactlyOneShape(inputShape, this.describe());
    this.computeOutputShape(s);
    const inC = s[3] as number;
    this.addDepthwiseKernel(inC);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inC * this.depthMultiplier, this.filters], 'float32', this.pointwiseInitializer, this.pointwiseRegularizer, true, this.pointwiseConstraint);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const z = this.depthwise(exactlyOne(inputs, this.describe()));
    const pw = (this.pointwiseKernel as LayerVariable).read(), bias = this.bias?.read() ?? null;
    const options = { strides: [1, 1] as [number, number], padding: 'valid' as const };
    const fused = kernelActivation(this.activation);
    // The pointwise convolution applies bias and the fusable activations as it writes its output.
    const y = fused ? conv2dBiasActivation(z, pw, bias, fused, options)
      : applyBiasActivation(bias ? conv2dBiasActivation(z, pw, bias, 'linear', options) : conv2dOp(z, pw, options), null, this.activation);
    return this.finish(y, kwargs);
  }

  override paramFormula(): string {
    const inC = (this.inputShape as Shape)[3] as number;
    return `${this.kernelSize.join('*')}*${inC}*${this.depthMultiplier} + (${inC}*${this.depthMultiplier}${this.useBias ? '+1' : ''})*${this.filters}`;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const mid = g.node('Conv', [x.name, this.onnxDepthwiseWeights(g)], this.onnxDepthwiseAttrs(g, x));
    const pw = (this.pointwiseKernel as LayerVariable).read();
    const w = g.constant(`${this.name}/pointwise_kernel`, [this.filters, pw.shape[2], 1, 1], toOIHW(pw.dataSync(), pw.shape));
    const b = this.bias ? [g.constant(`${this.name}/bias`, [this.filters], Float32Array.from(this.bias.read().dataSync()))] : [];
    const out = g.node('Conv', [mid, w, ...b], [g.ints('kernel_shape', [1, 1]), g.ints('strides', [1, 1]), g.int('group', 1)]);
    return activationDef(this.activation, this.describe()).onnx(g, g.value(out, 'nchw', this.computeOutputShape(x.shape)));
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, pointwiseInitializer: serializeInitializer(this.pointwiseInitializer),
      pointwiseRegularizer: serializeRegularizer(this.pointwiseRegularizer), pointwiseConstraint: serializeConstraint(this.pointwiseConstraint),
    };
  }
}
registerClass(SeparableConv2D);
