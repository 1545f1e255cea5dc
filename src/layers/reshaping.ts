/**
 * Layers that move values without weights (Keras `layers/reshaping`): Reshape, Permute,
 * ZeroPadding2D and UpSampling2D (nearest or bilinear, with tfjs's sampling positions).
 */
import { pad, reshape, resizeBilinear, resizeNearestNeighbor, transpose } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { checkDataFormat, isNone, normalizeTuple } from './args.js';
import { Layer, exactlyOne, exactlyOneShape, type LayerArgs, type Shape } from './layer.js';

/** The layout of a value whose logical shape is `shape`: 4-D values are NHWC, others plain. */
function logicalLayout(shape: Shape): 'nhwc' | 'plain' {
  return shape.length === 4 ? 'nhwc' : 'plain';
}

export interface ReshapeArgs extends LayerArgs {
  /** The shape of one sample; one entry may be -1 (or null) and is inferred. */
  targetShape: (number | null)[];
}

/** Gives each sample a new shape (tfjs/Keras Reshape). */
export class Reshape extends Layer {
  static readonly className = 'Reshape';
  static override readonly argNames: readonly string[] = ['targetShape'];
  /** The target shape with the unknown entry as null (as tfjs stores it). */
  readonly targetShape: (number | null)[];

  constructor(args: ReshapeArgs) {
    super(args);
    const where = this.describe();
    const t = args?.targetShape;
    if (!Array.isArray(t) || t.some((d) => d !== null && !(Number.isInteger(d) && (d === -1 || (d as number) > 0))))
      throw new ValueError(`${where}: targetShape must be a list of positive integers with at most one -1 (or null). Received targetShape=${JSON.stringify(t)}`);
    this.targetShape = t.map((d) => (d === null || d < 0 ? null : d));
    if (this.targetShape.filter((d) => d === null).length > 1) throw new ValueError(`${where}: targetShape may have one unknown (-1 or null) entry. Received targetShape=${JSON.stringify(t)}`);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.slice(1).some((d) => d === null)) throw new ShapeError(`${this.describe()}: all non-batch input dimensions must be known. Received input ${fmtShape(s)}`);
    const size = (s.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const unknown = this.targetShape.indexOf(null);
    const out = [...this.targetShape];
    if (unknown >= 0 && known > 0 && size % known === 0) out[unknown] = size / known;
    if (out.includes(null) || (out as number[]).reduce((a, b) => a * b, 1) !== size)
      throw new ShapeError(`${this.describe()}: cannot reshape input ${fmtShape(s)} (${size} values per sample) into ${JSON.stringify(this.targetShape)}; the total size must be unchanged`);
    return [s[0], ...out];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    return reshape(x, [x.shape[0], ...(this.computeOutputShape([null, ...x.shape.slice(1)]).slice(1) as number[])]);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe())); // Keras reshapes in NHWC order
    const out = this.computeOutputShape(x.shape);
    const shape = g.int64Constant(`${this.name}/shape`, [0, ...(out.slice(1) as number[])]);
    return g.value(g.node('Reshape', [x.name, shape]), logicalLayout(out), out);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}
registerClass(Reshape);

export interface PermuteArgs extends LayerArgs {
  /** The new order of the non-batch dimensions, 1-based (e.g. [2, 1] swaps them). */
  dims: number[];
}

/** Permutes the non-batch dimensions (tfjs/Keras Permute). */
export class Permute extends Layer {
  static readonly className = 'Permute';
  static override readonly argNames: readonly string[] = ['dims'];
  readonly dims: number[];

  constructor(args: PermuteArgs) {
    super(args);
    const d = args?.dims;
    if (!Array.isArray(d) || d.length === 0 || [...d].sort((a, b) => a - b).some((v, i) => v !== i + 1))
      throw new ValueError(`${this.describe()}: dims must be a permutation of 1..n (the non-batch dimensions, 1-based). Received dims=${JSON.stringify(d)}`);
    this.dims = [...d];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== this.dims.length + 1) throw new ShapeError(`${this.describe()}: dims ${JSON.stringify(this.dims)} need input of rank ${this.dims.length + 1}. Received input ${fmtShape(s)}`);
    return [s[0], ...this.dims.map((d) => s[d])];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(exactlyOne(inputs, this.describe()), [0, ...this.dims]);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe()));
    const out = this.computeOutputShape(x.shape);
    return g.value(g.node('Transpose', [x.name], [g.ints('perm', [0, ...this.dims])]), logicalLayout(out), out);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}
registerClass(Permute);

export interface ZeroPadding2DArgs extends LayerArgs {
  /** n (all sides), [rows, cols] (each side of each axis) or [[top, bottom], [left, right]]; default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/** Adds rows and columns of zeros around NHWC images (tfjs/Keras ZeroPadding2D). */
export class ZeroPadding2D extends Layer {
  static readonly className = 'ZeroPadding2D';
  static override readonly argNames: readonly string[] = ['padding', 'dataFormat'];
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    const where = this.describe();
    checkDataFormat(args?.dataFormat, where);
    const p = args?.padding ?? 1;
    const nonNeg = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const bad = (): never => {
      throw new ValueError(`${where}: padding must be a non-negative integer, [rows, cols] or [[top, bottom], [left, right]]. Received padding=${JSON.stringify(p)}`);
    };
    if (nonNeg(p)) this.padding = [[p, p], [p, p]];
    else if (Array.isArray(p) && p.length === 2 && p.every(nonNeg)) this.padding = [[p[0], p[0]], [p[1], p[1]]] as [[number, number], [number, number]];
    else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2 && q.every(nonNeg)))
      this.padding = (p as [number, number][]).map((q) => [...q]) as [[number, number], [number, number]];
    else this.padding = bad();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 4) throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(s)}`);
    const [[t, b], [l, r]] = this.padding;
    return [s[0], (s[1] as number) + t + b, (s[2] as number) + l + r, s[3]];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const [[t, b], [l, r]] = this.padding;
    return pad(exactlyOne(inputs, this.describe()), [[0, 0], [t, b], [l, r], [0, 0]]);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = exactlyOne(inputs, this.describe());
    const [[t, b], [l, r]] = this.padding;
    const pads = x.layout === 'nchw' ? [0, 0, t, l, 0, 0, b, r] : [0, t, l, 0, 0, b, r, 0];
    return g.value(g.node('Pad', [x.name, g.int64Constant(`${this.name}/pads`, pads)]), x.layout, this.computeOutputShape(x.shape));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), padding: this.padding.map((q) => [...q]), dataFormat: 'channelsLast' };
  }
}
registerClass(ZeroPadding2D);

export interface UpSampling2DArgs extends LayerArgs {
  /** Integer factors [rows, cols] (or one for both); default [2, 2]. */
  size?: number | [number, number];
  /** 'nearest' (default) or 'bilinear', sampled as tfjs does (no half-pixel centres). */
  interpolation?: 'nearest' | 'bilinear';
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/**
 * Enlarges NHWC images by integer factors (tfjs/Keras UpSampling2D). 'bilinear' samples as tfjs's
 * `resizeBilinear` (source row = output row · in/out); TensorFlow's Keras uses half-pixel centres
 * instead, so its bilinear outputs differ from tfjs's (and cnnkit's) near the edges.
 */
export class UpSampling2D extends Layer {
  static readonly className = 'UpSampling2D';
  static override readonly argNames: readonly string[] = ['size', 'interpolation', 'dataFormat'];
  readonly size: [number, number];
  readonly interpolation: 'nearest' | 'bilinear';

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const where = this.describe();
    this.size = normalizeTuple(args?.size ?? 2, 2, 'size', where) as [number, number];
    const i = args?.interpolation;
    if (!isNone(i) && i !== 'nearest' && i !== 'bilinear') throw new ValueError(`${where}: interpolation must be 'nearest' or 'bilinear'. Received interpolation=${JSON.stringify(i)}`);
    this.interpolation = i ?? 'nearest';
    checkDataFormat(args?.dataFormat, where);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    if (s.length !== 4) throw new ShapeError(`${this.describe()}: expected input of rank 4 (batch, height, width, channels). Received input ${fmtShape(s)}`);
    return [s[0], (s[1] as number) * this.size[0], (s[2] as number) * this.size[1], s[3]];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const size: [number, number] = [x.shape[1] * this.size[0], x.shape[2] * this.size[1]];
    return this.interpolation === 'nearest' ? resizeNearestNeighbor(x, size) : resizeBilinear(x, size);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nchw(exactlyOne(inputs, this.describe()));
    const scales = g.constant(`${this.name}/scales`, [4], Float32Array.of(1, 1, this.size[0], this.size[1]));
    // tfjs samples output o at o·in/out ('asymmetric'), the nearest pixel by flooring.
    const attrs = this.interpolation === 'nearest'
      ? [g.string('mode', 'nearest'), g.string('coordinate_transformation_mode', 'asymmetric'), g.string('nearest_mode', 'floor')]
      : [g.string('mode', 'linear'), g.string('coordinate_transformation_mode', 'asymmetric')];
    return g.value(g.node('Resize', [x.name, '', scales], attrs), 'nchw', this.computeOutputShape(x.shape));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), size: [...this.size], dataFormat: 'channelsLast', interpolation: this.interpolation };
  }
}
registerClass(UpSampling2D);
