/** Dense, Flatten, Dropout, Activation and Rescaling (Keras core layers). */
import { applyBiasActivation, resolveActivation, type ActivationName } from './activations.js';
import { dropout as dropoutOp, matMul, reshape, scale } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { globalRandom } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { initializerClass } from './convolutional.js';
import { resolveInitializer, type InitializerName } from './initializers.js';
import { Layer, positiveInt, type LayerArgs, type Shape } from './layer.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: string;
  biasInitializer?: string;
}

/** y = act(x · kernel + bias) on the last axis; kernel [in, units]. */
export class Dense extends Layer {
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(args: DenseArgs) {
    super(args, 'Dense');
    const where = this.describe();
    const { activation = 'linear', useBias = true, kernelInitializer = 'glorotUniform', biasInitializer = 'zeros' } = args;
    this.units = positiveInt(args.units, 'units', where);
    this.activation = resolveActivation(activation, where);
    this.useBias = useBias;
    this.kernelInitializer = resolveInitializer(kernelInitializer, where);
    this.biasInitializer = resolveInitializer(biasInitializer, where);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const last = inputShape[inputShape.length - 1];
    if (inputShape.length < 2 || last === null) throw new ShapeError(`${this.describe()}: expected input with a known last dimension. Received input ${fmtShape(inputShape)}`);
    return [...inputShape.slice(0, -1), this.units];
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1] as number, this.units], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer);
    super.build(inputShape);
  }

  call(x: Tensor, training: boolean): Tensor {
    return this.callWithActivation(x, training, this.activation);
  }

  /** The layer with another activation (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, _training: boolean, act: ActivationName): Tensor {
    const kernel = this.kernel as Tensor;
    const flat = x.rank === 2 ? x : reshape(x, [-1, kernel.shape[0]]);
    let y = matMul(flat, kernel);
    if (x.rank !== 2) y = reshape(y, [...x.shape.slice(0, -1), this.units]);
    return applyBiasActivation(y, this.bias, act);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), units: this.units, activation: this.activation, use_bias: this.useBias,
      kernel_initializer: { class_name: initializerClass(this.kernelInitializer), config: {} },
      bias_initializer: { class_name: initializerClass(this.biasInitializer), config: {} },
    };
  }
}

/** Flattens every dimension but the batch. */
export class Flatten extends Layer {
  constructor(args: LayerArgs = {}) {
    super(args, 'Flatten');
  }
  computeOutputShape(inputShape: Shape): Shape {
    const rest = inputShape.slice(1);
    if (rest.some((d) => d === null)) throw new ShapeError(`${this.describe()}: all non-batch dimensions must be known. Received input ${fmtShape(inputShape)}`);
    return [inputShape[0], (rest as number[]).reduce((a, b) => a * b, 1)];
  }
  call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0], x.size / x.shape[0]]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
}

/** Inverted dropout while training; identity at inference. */
export class Dropout extends Layer {
  readonly rate: number;
  constructor(args: DropoutArgs) {
    super(args, 'Dropout');
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) throw new ValueError(`${this.describe()}: rate must be in [0, 1). Received rate=${args.rate}`);
    this.rate = args.rate;
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, training: boolean): Tensor {
    return training && this.rate > 0 ? dropoutOp(x, this.rate, globalRandom) : x;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: ActivationName;
}

/** Applies an activation function on its own. */
export class Activation extends Layer {
  readonly activation: ActivationName;
  constructor(args: ActivationArgs) {
    super(args, 'Activation');
    this.activation = resolveActivation(args.activation, this.describe());
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor, training: boolean): Tensor {
    return this.callWithActivation(x, training, this.activation);
  }

  /** The activation replaced by another (a model that fuses a final softmax into its loss asks for 'linear'). */
  callWithActivation(x: Tensor, _training: boolean, act: ActivationName): Tensor {
    return applyBiasActivation(x, null, act);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

export interface RescalingArgs extends LayerArgs {
  scale: number;
  offset?: number;
}

/** y = x · scale (+ offset): lets uint8 images stay uint8 and be scaled per batch. */
export class Rescaling extends Layer {
  readonly scale: number;
  readonly offset: number;
  constructor(args: RescalingArgs) {
    super(args, 'Rescaling');
    if (typeof args.scale !== 'number' || !Number.isFinite(args.scale)) throw new ValueError(`${this.describe()}: scale must be a finite number. Received scale=${args.scale}`);
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
    if (this.offset !== 0) throw new ValueError(`${this.describe()}: only offset 0 is supported. Received offset=${this.offset}`);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  call(x: Tensor): Tensor {
    return scale(x, this.scale);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
