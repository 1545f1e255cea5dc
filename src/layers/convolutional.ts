/** Conv2D (Keras `keras.layers.Conv2D`, channels_last, kernel [kh, kw, in, filters]). */
import { conv2d as conv2dOp, conv2dBiasActivation } from '../autograd/ops.js';
import { windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { onnxPads, toOIHW, type OnnxBuilder, type OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { activationDef, applyBiasActivation, kernelActivation, type ActivationName } from './activations.js';
import { allOnes, checkDataFormat, checkPadding, isNone, normalizeTuple, onlyDefault, positiveInt } from './args.js';
import type { Initializer } from './initializers.js';
import { KERNEL_OPTION_ARGS, kernelOptions, kernelOptionsConfig, type KernelOptionArgs } from './kernel-options.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';

export interface Conv2DArgs extends LayerArgs, KernelOptionArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** Only 1 (dilated convolutions are not implemented yet). */
  dilationRate?: number | number[];
  /** Keras grouped convolutions: only 1. */
  groups?: number;
}

export class Conv2D extends Layer {
  static readonly className = 'Conv2D';
  static override readonly argNames: readonly string[] = [
    'filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', ...KERNEL_OPTION_ARGS,
  ];
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: LayerVariable | null = null;
  bias: LayerVariable | null = null;

  constructor(args: Conv2DArgs) {
    super(args);
    const where = this.describe();
    this.filters = positiveInt(args.filters, 'filters', where);
    this.kernelSize = normalizeTuple(args.kernelSize, 2, 'kernelSize', where) as [number, number];
    this.strides = normalizeTuple(args.strides ?? 1, 2, 'strides', where) as [number, number];
    this.padding = checkPadding(args.padding ?? 'valid', where);
    checkDataFormat(args.dataFormat, where);
    onlyDefault(where, 'dilationRate', args.dilationRate, allOnes(args.dilationRate), 'must be 1 (dilated convolutions are not supported yet)');
    onlyDefault(where, 'groups', args.groups, isNone(args.groups) || args.groups === 1, 'must be 1 (grouped convolutions are not supported)');
    ({ activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer } = kernelOptions(args, where));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 4)
      throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(s)}`);
    const [batch, h, w] = s as [number | null, number, number, number];
    const oh = windowOutput(h, this.kernelSize[0], this.strides[0], this.padding).out;
    const ow = windowOutput(w, this.kernelSize[1], this.strides[1], this.padding).out;
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(`${this.describe()}: kernelSize must fit the input with padding '${this.padding}'. Received kernelSize=[${this.kernelSize}] for input ${fmtShape(s)}`);
    return [batch, oh, ow, this.filters];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    const inC = (exactlyOneShape(inputShape, this.describe()))[3] as number;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', this.biasInitializer);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return this.callWithActivation(exactlyOne(inputs, this.describe()), kwargs, this.activation);
  }

  /** The layer with another activation (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, _kwargs: Kwargs, act: ActivationName): Tensor {
    const options = { strides: this.strides, padding: this.padding };
    const kernel = (this.kernel as LayerVariable).read(), bias = this.bias?.read() ?? null;
    const fused = kernelActivation(act);
    if (!fused) return applyBiasActivation(conv2dOp(x, kernel, options), bias, act);
    if (!bias && fused === 'linear') return conv2dOp(x, kernel, options);
    // Bias and element-wise activation ride on the convolution's output pass.
    return conv2dBiasActivation(x, kernel, bias, fused, options);
  }

  override paramFormula(): string {
    const inC = (this.inputShape as Shape)[3] as number;
    return `(${this.kernelSize[0]}*${this.kernelSize[1]}*${inC}${this.useBias ? '+1' : ''})*${this.filters}`;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const kernel = (this.kernel as LayerVariable).read();
    const w = g.constant(`${this.name}/kernel`, [this.filters, x.shape[3] as number, ...this.kernelSize], toOIHW(kernel.dataSync(), kernel.shape));
    const b = this.bias ? [g.constant(`${this.name}/bias`, [this.filters], Float32Array.from(this.bias.read().dataSync()))] : [];
    const out = g.node('Conv', [x.name, w, ...b], [
      g.ints('kernel_shape', this.kernelSize), g.ints('strides', this.strides), g.ints('dilations', [1, 1]), g.int('group', 1),
      g.ints('pads', onnxPads(x.shape, this.kernelSize, this.strides, this.padding)),
    ]);
    return activationDef(this.activation, this.describe()).onnx(g, g.value(out, 'nchw', this.computeOutputShape(x.shape)));
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      dataFormat: 'channelsLast', dilationRate: [1, 1], ...kernelOptionsConfig(this),
    };
  }
}
registerClass(Conv2D);
