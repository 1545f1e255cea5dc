/**
 * Pooling layers (Keras/tfjs), channels last: MaxPooling2D/AveragePooling2D and their 1-D forms
 * (strides default to the pool size; 1-D pooling runs as 2-D pooling of a height-1 image, exactly),
 * and global average/max pooling over all positions (one pooling window as large as the input).
 */
import { avgPool2d, maxPool2d, reshape } from '../autograd/ops.js';
import { windowOutput, type Padding } from '../backend/shape.js';
import { ShapeError, fmtShape } from '../errors.js';
import { onnxPads, type OnnxBuilder, type OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { bool, checkDataFormat, checkPadding, isNone, normalizeTuple } from './args.js';
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

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  /** Default: the pool size. */
  strides?: number | [number] | null;
  padding?: Padding;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/** The 1-D pooling layers over [batch, steps, channels]. */
export abstract class Pooling1D extends Layer {
  static override readonly argNames: readonly string[] = ['poolSize', 'strides', 'padding', 'dataFormat'];
  readonly poolSize: [number];
  readonly strides: [number];
  readonly padding: Padding;
  abstract readonly kind: 'max' | 'avg';

  constructor(args: Pooling1DArgs = {}) {
    super(args);
    const where = this.describe();
    this.poolSize = normalizeTuple(args?.poolSize ?? 2, 1, 'poolSize', where) as [number];
    this.strides = isNone(args?.strides) ? this.poolSize : (normalizeTuple(args.strides, 1, 'strides', where) as [number]);
    this.padding = checkPadding(args?.padding ?? 'valid', where);
    checkDataFormat(args?.dataFormat, where);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 3) throw new ShapeError(`${this.describe()}: expected input of rank 3 (batch, steps, channels). Received input ${fmtShape(s)}`);
    const out = windowOutput(s[1] as number, this.poolSize[0], this.strides[0], this.padding).out;
    if (out <= 0) throw new ShapeError(`${this.describe()}: poolSize must fit the input with padding '${this.padding}'. Received poolSize=[${this.poolSize}] for input ${fmtShape(s)}`);
    return [s[0], out, s[2]];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const [batch, steps, c] = x.shape;
    const o = { poolSize: [1, this.poolSize[0]] as [number, number], strides: [1, this.strides[0]] as [number, number], padding: this.padding };
    const x4 = reshape(x, [batch, 1, steps, c]);
    const y = this.kind === 'max' ? maxPool2d(x4, o) : avgPool2d(x4, o);
    return reshape(y, [batch, y.shape[2], c]);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = exactlyOne(inputs, this.describe());
    const [, l, , r] = onnxPads([null, 1, x.shape[1], x.shape[2]], [1, this.poolSize[0]], [1, this.strides[0]], this.padding);
    const attrs = [g.ints('kernel_shape', this.poolSize), g.ints('strides', this.strides), g.ints('pads', [l, r])];
    const ncw = g.node('Transpose', [x.name], [g.ints('perm', [0, 2, 1])]);
    const pooled = this.kind === 'max' ? g.node('MaxPool', [ncw], attrs) : g.node('AveragePool', [ncw], [...attrs, g.int('count_include_pad', 0)]);
    return g.value(g.node('Transpose', [pooled], [g.ints('perm', [0, 2, 1])]), 'plain', this.computeOutputShape(x.shape));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), poolSize: [...this.poolSize], padding: this.padding, strides: [...this.strides] };
  }
}

/** The maximum of each window of steps (Keras MaxPooling1D). */
export class MaxPooling1D extends Pooling1D {
  static readonly className = 'MaxPooling1D';
  static override readonly argNames = Pooling1D.argNames;
  readonly kind = 'max' as const;
}
registerClass(MaxPooling1D);

/** The mean of each window of steps inside the sequence (Keras AveragePooling1D). */
export class AveragePooling1D extends Pooling1D {
  static readonly className = 'AveragePooling1D';
  static override readonly argNames = Pooling1D.argNames;
  readonly kind = 'avg' as const;
}
registerClass(AveragePooling1D);

export interface GlobalPoolingArgs extends LayerArgs {
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** Keep the pooled axes as size 1 (Keras). Default false. */
  keepdims?: boolean;
}

/** Global pooling: every position of a sample reduced to one value per channel. */
export abstract class GlobalPooling extends Layer {
  static override readonly argNames: readonly string[] = ['dataFormat', 'keepdims'];
  /** Spatial dimensions pooled: 1 (sequences) or 2 (images). */
  abstract readonly rank: 1 | 2;
  abstract readonly kind: 'max' | 'avg';
  readonly keepdims: boolean;

  constructor(args: GlobalPoolingArgs = {}) {
    super(args);
    checkDataFormat(args?.dataFormat, this.describe());
    this.keepdims = bool(args?.keepdims, 'keepdims', this.describe(), false);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== this.rank + 2) throw new ShapeError(`${this.describe()}: expected input of rank ${this.rank + 2} (batch, ${this.rank === 2 ? 'height, width' : 'steps'}, channels). Received input ${fmtShape(s)}`);
    return this.keepdims ? [s[0], ...s.slice(1, -1).map(() => 1), s[s.length - 1]] : [s[0], s[s.length - 1]];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const c = x.shape[x.rank - 1], batch = x.shape[0];
    const x4 = this.rank === 2 ? x : reshape(x, [batch, 1, x.shape[1], c]);
    // One window covering the whole image: the pooling kernels' reduction.
    const o = { poolSize: [x4.shape[1], x4.shape[2]] as [number, number], strides: [1, 1] as [number, number], padding: 'valid' as const };
    const y = this.kind === 'max' ? maxPool2d(x4, o) : avgPool2d(x4, o);
    return reshape(y, this.computeOutputShape([null, ...x.shape.slice(1)]).map((d, i) => (i === 0 ? batch : (d as number))));
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x0 = exactlyOne(inputs, this.describe());
    const op = this.kind === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool';
    const out = this.computeOutputShape(x0.shape);
    if (this.rank === 2) {
      const x = g.nchw(x0);
      const pooled = g.value(g.node(op, [x.name]), 'nchw', [x.shape[0], 1, 1, x.shape[3]]);
      return this.keepdims ? pooled : g.value(g.node('Flatten', [pooled.name], [g.int('axis', 1)]), 'plain', out);
    }
    const pooled = g.node(op, [g.node('Transpose', [x0.name], [g.ints('perm', [0, 2, 1])])]);
    return this.keepdims ? g.value(g.node('Transpose', [pooled], [g.ints('perm', [0, 2, 1])]), 'plain', out) : g.value(g.node('Flatten', [pooled], [g.int('axis', 1)]), 'plain', out);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: 'channelsLast', keepdims: this.keepdims };
  }
}

/** The mean over every position of each image, per channel (Keras GlobalAveragePooling2D). */
export class GlobalAveragePooling2D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling2D';
  static override readonly argNames = GlobalPooling.argNames;
  readonly rank = 2;
  readonly kind = 'avg' as const;
}
registerClass(GlobalAveragePooling2D);

/** The maximum over every position of each image, per channel (Keras GlobalMaxPooling2D). */
export class GlobalMaxPooling2D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling2D';
  static override readonly argNames = GlobalPooling.argNames;
  readonly rank = 2;
  readonly kind = 'max' as const;
}
registerClass(GlobalMaxPooling2D);

/** The mean over the steps of each sequence, per channel (Keras GlobalAveragePooling1D). */
export class GlobalAveragePooling1D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling1D';
  static override readonly argNames = GlobalPooling.argNames;
  readonly rank = 1;
  readonly kind = 'avg' as const;
}
registerClass(GlobalAveragePooling1D);

/** The maximum over the steps of each sequence, per channel (Keras GlobalMaxPooling1D). */
export class GlobalMaxPooling1D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling1D';
  static override readonly argNames = GlobalPooling.argNames;
  readonly rank = 1;
  readonly kind = 'max' as const;
}
registerClass(GlobalMaxPooling1D);
