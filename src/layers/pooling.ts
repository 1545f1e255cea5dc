/** MaxPooling2D and AveragePooling2D (Keras), channels_last; strides default to the pool size. */
import { avgPool2d, maxPool2d } from '../autograd/ops.js';
import { windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPadding } from './convolutional.js';
import { Layer, normalizeTuple, type LayerArgs, type Shape } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number] | null;
  padding?: Padding;
}

export class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: Pooling2DArgs, readonly kind: 'max' | 'avg') {
    super(args, kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D');
    const where = this.describe();
    const { poolSize = 2, strides = null, padding = 'valid' } = args;
    this.poolSize = normalizeTuple(poolSize, 2, 'poolSize', where) as [number, number];
    this.strides = strides === null ? this.poolSize : (normalizeTuple(strides, 2, 'strides', where) as [number, number]);
    this.padding = checkPadding(padding, where);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 4) throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(inputShape)}`);
    const [batch, h, w, c] = inputShape as [number | null, number, number, number];
    const oh = windowOutput(h, this.poolSize[0], this.strides[0], this.padding).out;
    const ow = windowOutput(w, this.poolSize[1], this.strides[1], this.padding).out;
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(`${this.describe()}: poolSize must fit the input with padding '${this.padding}'. Received poolSize=[${this.poolSize}] for input ${fmtShape(inputShape)}`);
    return [batch, oh, ow, c];
  }

  call(x: Tensor): Tensor {
    const o = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.kind === 'max' ? maxPool2d(x, o) : avgPool2d(x, o);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pool_size: this.poolSize, strides: this.strides, padding: this.padding, data_format: 'channels_last' };
  }
}
