/** MaxPooling2D and AveragePooling2D (Keras), channels_last; strides default to the pool size. */
import { avgPool2d, maxPool2d } from '../autograd/ops.js';
import { windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { onnxPads, type OnnxBuilder, type OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { checkDataFormat, checkPadding, isNone, normalizeTuple } from './args.js';
import { Layer, exactlyOne, exactlyOneShape, type LayerArgs, type Shape } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | number[];
  /** Default: the pool size. */
  strides?: number | number[] | null;
  padding?: Padding;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/** The 2-D pooling layers: a window reduced to its maximum or mean. */
export abstract class Pooling2D extends Layer {
  static override readonly argNames: readonly string[] = ['poolSize', 'strides', 'padding', 'dataFormat'];
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  /** Which reduction the layer applies. */
  abstract readonly kind: 'max' | 'avg';

  constructor(args: Pooling2DArgs = {}) {
    super(args);
    const where = this.describe();
    this.poolSize = normalizeTuple(args.poolSize ?? 2, 2, 'poolSize', where) as [number, number];
    this.strides = isNone(args.strides) ? this.poolSize : (normalizeTuple(args.strides, 2, 'strides', where) as [number, number]);
    this.padding = checkPadding(args.padding ?? 'valid', where);
    checkDataFormat(args.dataFormat, where);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 4) throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(s)}`);
    const [batch, h, w, c] = s as [number | null, number, number, number];
    const oh = windowOutput(h, this.poolSize[0], this.strides[0], this.padding).out;
    const ow = windowOutput(w, this.poolSize[1], this.strides[1], this.padding).out;
    if (oh <= 0 || ow <= 0)
      throw new ShapeError(`${this.describe()}: poolSize must fit the input with padding '${this.padding}'. Received poolSize=[${this.poolSize}] for input ${fmtShape(s)}`);
    return [batch, oh, ow, c];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const o = { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
    return this.kind === 'max' ? maxPool2d(x, o) : avgPool2d(x, o);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const attrs = [g.ints('kernel_shape', this.poolSize), g.ints('strides', this.strides), g.ints('pads', onnxPads(x.shape, this.poolSize, this.strides, this.padding))];
    // Average pooling divides by the cells inside the image, as TensorFlow does.
    const out = this.kind === 'max' ? g.node('MaxPool', [x.name], attrs) : g.node('AveragePool', [x.name], [...attrs, g.int('count_include_pad', 0)]);
    return g.value(out, 'nchw', this.computeOutputShape(x.shape));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding, dataFormat: 'channelsLast' };
  }
}

/** The maximum of each window (Keras MaxPooling2D). */
export class MaxPooling2D extends Pooling2D {
  static readonly className = 'MaxPooling2D';
  static override readonly argNames = Pooling2D.argNames;
  readonly kind = 'max' as const;
}
registerClass(MaxPooling2D);

/** The mean of each window's cells inside the image (Keras AveragePooling2D). */
export class AveragePooling2D extends Pooling2D {
  static readonly className = 'AveragePooling2D';
  static override readonly argNames = Pooling2D.argNames;
  readonly kind = 'avg' as const;
}
registerClass(AveragePooling2D);
