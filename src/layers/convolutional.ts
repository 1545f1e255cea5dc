/** Conv2D (Keras `keras.layers.Conv2D`, channels_last, kernel [kh, kw, in, filters]). */
import { conv2d as conv2dOp, conv2dBiasActivation } from '../autograd/ops.js';
import { windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { applyBiasActivation, resolveActivation, type ActivationName } from './activations.js';
import { resolveInitializer, type InitializerName } from './initializers.js';
import { Layer, normalizeTuple, positiveInt, type LayerArgs, type Shape } from './layer.js';

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
}

export function checkPadding(p: unknown, where: string): Padding {
  if (p !== 'valid' && p !== 'same') throw new ValueError(`${where}: padding must be 'valid' or 'same'. Received padding=${JSON.stringify(p)}`);
  return p;
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(args: Conv2DArgs) {
    super(args, 'Conv2D');
    const where = this.describe();
    const { strides = 1, padding = 'valid', activation = 'linear', useBias = true, kernelInitializer = 'glorotUniform', biasInitializer = 'zeros' } = args;
    this.filters = positiveInt(args.filters, 'filters', where);
    this.kernelSize = normalizeTuple(args.kernelSize, 2, 'kernelSize', where) as [number, number];
    this.strides = normalizeTuple(strides, 2, 'strides', where) as [number, number];
    this.padding = checkPadding(padding, where);
    this.activation = resolveActivation(activation, where);
    this.useBias = useBias;
    this.kernelInitializer = resolveInitializer(kernelInitializer, where);
    this.biasInitializer = resolveInitializer(biasInitializer, where);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4)
      throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(inputShape)}`);
    const [batch, h, w] = inputShape as [number | null, number, number, number];
    const oh = windowOutput(h, this.kernelSize[0], this.strides[0], this.padding).out;
    const ow = windowOutput(w, this.kernelSize[1], this.strides[1], this.padding).out;
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(`${this.describe()}: kernelSize must fit the input with padding '${this.padding}'. Received kernelSize=[${this.kernelSize}] for input ${fmtShape(inputShape)}`);
    return [batch, oh, ow, this.filters];
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    const inC = inputShape[3] as number;
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer);
    super.build(inputShape);
  }

  call(x: Tensor, training: boolean): Tensor {
    return this.callWithActivation(x, training, this.activation);
  }

  /** The layer with another activation (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, _training: boolean, act: ActivationName): Tensor {
    const options = { strides: this.strides, padding: this.padding };
    if (act === 'softmax') return applyBiasActivation(conv2dOp(x, this.kernel as Tensor, options), this.bias, act);
    if (!this.bias && act === 'linear') return conv2dOp(x, this.kernel as Tensor, options);
    // Bias and element-wise activation ride on the convolution's output pass.
    return conv2dBiasActivation(x, this.kernel as Tensor, this.bias, act, options);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters, kernel_size: this.kernelSize, strides: this.strides, padding: this.padding,
      data_format: 'channels_last', dilation_rate: [1, 1], activation: this.activation, use_bias: this.useBias,
      kernel_initializer: { class_name: initializerClass(this.kernelInitializer), config: {} },
      bias_initializer: { class_name: initializerClass(this.biasInitializer), config: {} },
    };
  }
}

/** 'glorotUniform' → 'GlorotUniform' (Keras serialized class name). */
export function initializerClass(name: InitializerName): string {
  return name[0].toUpperCase() + name.slice(1);
}
