/**
 * Conv2D and Conv1D (Keras `keras.layers.Conv2D`/`Conv1D`, channels_last; kernels
 * [kh, kw, in, filters] and [k, in, filters]), with strides or dilation, weight regularizers,
 * constraints and an activity regularizer. Conv1D runs as a Conv2D over a height-1 image (exact);
 * its 'causal' padding pads (k − 1)·dilation steps on the left only (Keras; tfjs refuses it).
 */
import { conv2d as conv2dOp, conv2dBiasActivation, pad, reshape } from '../autograd/ops.js';
import { dilatedSize, windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { onnxPads, toOIHW, type OnnxBuilder, type OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { activationDef, applyBiasActivation, kernelActivation, type ActivationName } from './activations.js';
import { checkDataFormat, isNone, normalizeTuple, onlyDefault, positiveInt } from './args.js';
import type { Constraint } from './constraints.js';
import type { Initializer } from './initializers.js';
import { KERNEL_OPTION_ARGS, kernelOptions, kernelOptionsConfig, type KernelOptionArgs } from './kernel-options.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import type { Regularizer } from './regularizers.js';

export interface ConvArgs extends LayerArgs, KernelOptionArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** 'valid' or 'same'; Conv1D also takes 'causal'. */
  padding?: Padding | 'causal';
  /** Only 'channelsLast' (cnnkit computes NHWC). */
  dataFormat?: 'channelsLast';
  /** Atrous rate; with a rate above 1 the strides must be 1 (TensorFlow's rule). */
  dilationRate?: number | number[];
  /** Keras grouped convolutions: only 1. */
  groups?: number;
}

export type Conv2DArgs = ConvArgs;
export type Conv1DArgs = ConvArgs;

/** What Conv1D and Conv2D share: arguments, weights, shape rule, config. */
export abstract class Conv extends Layer {
  static override readonly argNames: readonly string[] = [
    'filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', ...KERNEL_OPTION_ARGS,
  ];
  /** Spatial dimensions: 1 or 2. */
  abstract readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding | 'causal';
  readonly dilationRate: number[];
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

  constructor(args: ConvArgs, rank: number) {
    super(args);
    const where = this.describe();
    this.filters = positiveInt(args.filters, 'filters', where);
    this.kernelSize = normalizeTuple(args.kernelSize, rank, 'kernelSize', where);
    this.strides = normalizeTuple(args.strides ?? 1, rank, 'strides', where);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same' && !(padding === 'causal' && rank === 1))
      throw new ValueError(`${where}: padding must be 'valid' or 'same'${rank === 1 ? " or 'causal'" : ''}. Received padding=${JSON.stringify(padding)}`);
    this.padding = padding;
    checkDataFormat(args.dataFormat, where);
    this.dilationRate = normalizeTuple(args.dilationRate ?? 1, rank, 'dilationRate', where);
    if (this.dilationRate.some((d) => d > 1) && this.strides.some((s) => s > 1))
      throw new ValueError(`${where}: strides and dilationRate cannot both exceed 1 (TensorFlow's rule). Received strides=${JSON.stringify(this.strides)}, dilationRate=${JSON.stringify(this.dilationRate)}`);
    onlyDefault(where, 'groups', args.groups, isNone(args.groups) || args.groups === 1, 'must be 1 (grouped convolutions are not supported; DepthwiseConv2D covers groups = channels)');
    ({
      activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
      kernelRegularizer: this.kernelRegularizer, biasRegularizer: this.biasRegularizer, activityRegularizer: this.activityRegularizer,
      kernelConstraint: this.kernelConstraint, biasConstraint: this.biasConstraint,
    } = kernelOptions(args, where));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== this.rank + 2)
      throw new ShapeError(`${this.describe()}: expected input of rank ${this.rank + 2} (batch, ${this.rank === 2 ? 'height, width' : 'steps'}, channels). Received input ${fmtShape(s)}`);
    const out = this.kernelSize.map((k, i) => {
      const size = s[i + 1] as number, span = dilatedSize(k, this.dilationRate[i]);
      // 'causal' pads span − 1 steps before the sequence, then slides a 'valid' window.
      return this.padding === 'causal' ? windowOutput(size + span - 1, span, this.strides[i], 'valid').out : windowOutput(size, span, this.strides[i], this.padding).out;
    });
    if (out.some((d) => d <= 0))
      throw new ShapeError(`${this.describe()}: kernelSize must fit the input with padding '${this.padding}'${this.dilationRate.some((d) => d > 1) ? ` and dilationRate [${this.dilationRate}]` : ''}. Received kernelSize=[${this.kernelSize}] for input ${fmtShape(s)}`);
    return [s[0], ...out, this.filters];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    const s = exactlyOneShape(inputShape, this.describe());
    const inC = s[s.length - 1] as number;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], 'float32', this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', this.biasInitializer, this.biasRegularizer, true, this.biasConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return this.callWithActivation(exactlyOne(inputs, this.describe()), kwargs, this.activation);
  }

  /** The layer with another activation (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, kwargs: Kwargs, act: ActivationName): Tensor {
    const y = this.convolve(x, act);
    // The activity penalty is taken on the layer's real output.
    if (this.activityRegularizer && kwargs.training) this.regularizeActivity(act === this.activation ? y : applyBiasActivation(y, null, this.activation), kwargs);
    return y;
  }

  /** act(conv(x) + bias) on an input of this layer's rank. */
  protected abstract convolve(x: Tensor, act: ActivationName): Tensor;

  /** act(conv2d(x, kernel) + bias) on NHWC x with a 4-D kernel; bias and the fusable activations ride on the convolution's output pass. */
  protected conv2dActivation(x: Tensor, kernel: Tensor, strides: number[], dilations: number[], padding: Padding, act: ActivationName): Tensor {
    const options = { strides: strides as [number, number], padding, dilations: dilations as [number, number] };
    const bias = this.bias?.read() ?? null;
    const fused = kernelActivation(act);
    // The bias always rides on the output pass; an activation without a kernel form follows.
    if (!fused) return applyBiasActivation(bias ? conv2dBiasActivation(x, kernel, bias, 'linear', options) : conv2dOp(x, kernel, options), null, act);
    if (!bias && fused === 'linear') return conv2dOp(x, kernel, options);
    return conv2dBiasActivation(x, kernel, bias, fused, options);
  }

  override paramFormula(): string {
    const s = this.inputShape as Shape;
    return `(${this.kernelSize.join('*')}*${s[s.length - 1]}${this.useBias ? '+1' : ''})*${this.filters}`;
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      dataFormat: 'channelsLast', dilationRate: [...this.dilationRate], ...kernelOptionsConfig(this),
    };
  }
}

/** 2-D convolution over NHWC images (Keras Conv2D). */
export class Conv2D extends Conv {
  static readonly className = 'Conv2D';
  static override readonly argNames = Conv.argNames;
  readonly rank = 2;
  declare readonly kernelSize: [number, number];
  declare readonly strides: [number, number];
  declare readonly padding: Padding;

  constructor(args: Conv2DArgs) {
    super(args, 2);
  }

  protected convolve(x: Tensor, act: ActivationName): Tensor {
    return this.conv2dActivation(x, (this.kernel as LayerVariable).read(), this.strides, this.dilationRate, this.padding, act);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const kernel = (this.kernel as LayerVariable).read();
    const w = g.constant(`${this.name}/kernel`, [this.filters, x.shape[3] as number, ...this.kernelSize], toOIHW(kernel.dataSync(), kernel.shape));
    const b = this.bias ? [g.constant(`${this.name}/bias`, [this.filters], Float32Array.from(this.bias.read().dataSync()))] : [];
    const span = this.kernelSize.map((k, i) => dilatedSize(k, this.dilationRate[i]));
    const out = g.node('Conv', [x.name, w, ...b], [
      g.ints('kernel_shape', this.kernelSize), g.ints('strides', this.strides), g.ints('dilations', this.dilationRate), g.int('group', 1),
      g.ints('pads', onnxPads(x.shape, span, this.strides, this.padding)),
    ]);
    return activationDef(this.activation, this.describe()).onnx(g, g.value(out, 'nchw', this.computeOutputShape(x.shape)));
  }
}
registerClass(Conv2D);

/** 1-D convolution over [batch, steps, channels] (Keras Conv1D), run as a height-1 Conv2D. */
export class Conv1D extends Conv {
  static readonly className = 'Conv1D';
  static override readonly argNames = Conv.argNames;
  readonly rank = 1;

  constructor(args: Conv1DArgs) {
    super(args, 1);
  }

  protected convolve(x: Tensor, act: ActivationName): Tensor {
    const k = (this.kernel as LayerVariable).read();
    const [batch, , inC] = x.shape;
    let x4 = reshape(x, [batch, 1, x.shape[1], inC]);
    let padding = this.padding as Padding;
    if (this.padding === 'causal') {
      x4 = pad(x4, [[0, 0], [0, 0], [this.causalPad(), 0], [0, 0]]);
      padding = 'valid';
    }
    const y = this.conv2dActivation(x4, reshape(k, [1, ...k.shape]), [1, this.strides[0]], [1, this.dilationRate[0]], padding, act);
    return reshape(y, [batch, y.shape[2], this.filters]);
  }

  /** Steps of zeros before the sequence for 'causal' padding. */
  private causalPad(): number {
    return dilatedSize(this.kernelSize[0], this.dilationRate[0]) - 1;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = exactlyOne(inputs, this.describe());
    const kernel = (this.kernel as LayerVariable).read();
    const [k, inC] = kernel.shape;
    // Keras [k, in, filters] → ONNX [filters, in, k], on an NCW view of the NWC input.
    const w = g.constant(`${this.name}/kernel`, [this.filters, inC, k], toOIHW(kernel.dataSync(), [1, k, inC, this.filters]));
    const b = this.bias ? [g.constant(`${this.name}/bias`, [this.filters], Float32Array.from(this.bias.read().dataSync()))] : [];
    const span = dilatedSize(k, this.dilationRate[0]);
    const pads = this.padding === 'causal' ? [span - 1, 0] : (([, l, , r]) => [l, r])(onnxPads([null, 1, x.shape[1], inC], [1, span], [1, this.strides[0]], this.padding as Padding));
    const ncw = g.node('Transpose', [x.name], [g.ints('perm', [0, 2, 1])]);
    const conv = g.node('Conv', [ncw, w, ...b], [g.ints('kernel_shape', [k]), g.ints('strides', this.strides), g.ints('dilations', this.dilationRate), g.int('group', 1), g.ints('pads', pads)]);
    const y = g.value(g.node('Transpose', [conv], [g.ints('perm', [0, 2, 1])]), 'plain', this.computeOutputShape(x.shape));
    return activationDef(this.activation, this.describe()).onnx(g, y);
  }

  override getConfig(): ConfigDict {
    // tfjs's Conv1D config has no dataFormat.
    const { dataFormat: _dataFormat, ...config } = super.getConfig();
    return config;
  }
}
registerClass(Conv1D);
