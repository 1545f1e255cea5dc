/**
 * Image augmentation layers (Keras preprocessing `RandomFlip`, `RandomTranslation`): random per
 * image while training (`fit`), the identity at inference (`predict`, `evaluate`), as in Keras.
 * Inputs are channels-last images [n, h, w, c]. Both move whole pixels, so each is one gather of
 * the input's pixels through an index map drawn per batch from the layer's seeded generator.
 */
import { gather, mul, add, reshape } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import { Random, globalRandom } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { isNone } from './args.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type Shape } from './layer.js';

/** The pixels [n·h·w, c] of x gathered through `map` (−1: the fill value). */
function remap(x: Tensor, map: Int32Array, fill: number): Tensor {
  const [n, h, w, c] = x.shape;
  const flat = reshape(x, [n * h * w, c]);
  let holes = false;
  for (const i of map) if (i < 0) holes = true;
  const picked = gather(flat, Tensor.fromValues([map.length], holes ? map.map((i) => Math.max(i, 0)) : map, 'int32'));
  if (!holes) return reshape(picked, [n, h, w, c]);
  const keep = Float32Array.from(map, (i) => (i < 0 ? 0 : 1));
  const mask = Tensor.fromValues([map.length, 1], keep);
  let y = mul(picked, mask);
  if (fill !== 0) y = add(y, Tensor.fromValues([map.length, 1], keep.map((k) => (1 - k) * fill)));
  return reshape(y, [n, h, w, c]);
}

function checkImages(shape: readonly (number | null)[], where: string): void {
  if (shape.length !== 4) throw new ShapeError(`${where}: expects images [batch, height, width, channels]. Received input ${fmtShape(shape)}`);
}

function seedArg(seed: unknown, where: string): number | null {
  if (!isNone(seed) && !Number.isInteger(seed)) throw new ValueError(`${where}: seed must be an integer or null. Received seed=${String(seed)}`);
  return isNone(seed) ? null : (seed as number);
}

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';

export interface RandomFlipArgs extends LayerArgs {
  /** Which flips (default 'horizontal_and_vertical', as Keras); each is applied with probability ½ per image. */
  mode?: FlipMode;
  seed?: number | null;
}

/** Keras `RandomFlip`: mirrors each image left-right and/or top-bottom with probability ½, while training. */
export class RandomFlip extends Layer {
  static readonly className = 'RandomFlip';
  static override readonly argNames: readonly string[] = ['mode', 'seed'];
  readonly mode: FlipMode;
  readonly seed: number | null;
  private readonly rng: Random;

  constructor(args: RandomFlipArgs = {}) {
    super(args);
    const where = this.describe();
    const mode = args.mode ?? 'horizontal_and_vertical';
    if (!['horizontal', 'vertical', 'horizontal_and_vertical'].includes(mode)) throw new ValueError(`${where}: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical'. Received mode=${JSON.stringify(mode)}`);
    this.mode = mode;
    this.seed = seedArg(args.seed, where);
    this.rng = this.seed === null ? globalRandom : new Random(this.seed);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    checkImages(s, this.describe());
    return s;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = exactlyOne(inputs, this.describe());
    checkImages(x.shape, this.describe());
    if (!kwargs.training) return x;
    const [n, h, w] = x.shape;
    const map = new Int32Array(n * h * w);
    for (let b = 0; b < n; b++) {
      const lr = this.mode !== 'vertical' && this.rng.uniform() < 0.5;
      const ud = this.mode !== 'horizontal' && this.rng.uniform() < 0.5;
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) map[(b * h + y) * w + xx] = (b * h + (ud ? h - 1 - y : y)) * w + (lr ? w - 1 - xx : xx);
    }
    return remap(x, map, 0);
  }

  /** The identity: augmentation does not run at inference. */
  override toOnnx(_g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return exactlyOne(inputs, this.describe());
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), mode: this.mode, seed: this.seed };
  }
}
registerClass(RandomFlip);

export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';

export interface RandomTranslationArgs extends LayerArgs {
  /** Fraction of the height: a shift drawn uniformly from [−f, f]·h, or from [lo, hi]·h for [lo, hi]. */
  heightFactor: number | [number, number];
  widthFactor: number | [number, number];
  /** How pixels beyond the edge are filled (Keras default 'reflect': d c b a | a b c d | d c b a). */
  fillMode?: FillMode;
  /** Only 'nearest' (Keras's default 'bilinear' is refused: pass interpolation: 'nearest'). */
  interpolation?: 'nearest' | 'bilinear';
  seed?: number | null;
  /** The value of 'constant' filling (default 0). */
  fillValue?: number;
}

function factorArg(f: unknown, name: string, where: string): [number, number] {
  const pair = typeof f === 'number' ? [-f, f] : f;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => typeof v === 'number' && v >= -1 && v <= 1) || pair[0] > pair[1])
    throw new ValueError(`${where}: ${name} must be a number in [0, 1] or [lower, upper] within [−1, 1]. Received ${name}=${JSON.stringify(f)}`);
  return [pair[0], pair[1]];
}

/** An input coordinate brought inside [0, len) the way TensorFlow's image transforms fill (integer coordinates). */
export function fillCoordinate(i: number, len: number, mode: FillMode): number {
  if (i >= 0 && i < len) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : len - 1;
    case 'wrap':
      return ((i % len) + len) % len;
    case 'reflect': {
      const period = 2 * len;
      const k = ((i % period) + period) % period;
      return k < len ? k : period - 1 - k;
    }
    default:
      return mode satisfies never;
  }
}

/** Keras `RandomTranslation` with nearest-pixel sampling: each image shifted by its own random (dy, dx) while training. */
export class RandomTranslation extends Layer {
  static readonly className = 'RandomTranslation';
  static override readonly argNames: readonly string[] = ['heightFactor', 'widthFactor', 'fillMode', 'interpolation', 'seed', 'fillValue'];
  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  readonly fillMode: FillMode;
  readonly fillValue: number;
  readonly seed: number | null;
  private readonly rng: Random;

  constructor(args: RandomTranslationArgs) {
    super(args);
    const where = this.describe();
    this.heightFactor = factorArg(args?.heightFactor, 'heightFactor', where);
    this.widthFactor = factorArg(args?.widthFactor, 'widthFactor', where);
    const fillMode = args.fillMode ?? 'reflect';
    if (!['reflect', 'wrap', 'constant', 'nearest'].includes(fillMode)) throw new ValueError(`${where}: fillMode must be 'reflect', 'wrap', 'constant' or 'nearest'. Received fillMode=${JSON.stringify(fillMode)}`);
    this.fillMode = fillMode;
    const interpolation = args.interpolation ?? 'bilinear';
    if (interpolation !== 'nearest') throw new ValueError(`${where}: only interpolation 'nearest' is supported (whole-pixel shifts). Received interpolation=${JSON.stringify(interpolation)}; pass interpolation: 'nearest'`);
    this.fillValue = args.fillValue ?? 0;
    if (typeof this.fillValue !== 'number' || !Number.isFinite(this.fillValue)) throw new ValueError(`${where}: fillValue must be a finite number. Received fillValue=${String(args.fillValue)}`);
    this.seed = seedArg(args.seed, where);
    this.rng = this.seed === null ? globalRandom : new Random(this.seed);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    checkImages(s, this.describe());
    return s;
  }

  /** A shift drawn uniformly from [lo, hi]·len, rounded to the nearest pixel (TensorFlow rounds half away from zero). */
  private shift([lo, hi]: [number, number], len: number): number {
    const t = (lo + (hi - lo) * this.rng.uniform()) * len;
    return Math.sign(t) * Math.round(Math.abs(t));
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = exactlyOne(inputs, this.describe());
    checkImages(x.shape, this.describe());
    if (!kwargs.training) return x;
    const [n, h, w] = x.shape;
    const map = new Int32Array(n * h * w);
    for (let b = 0; b < n; b++) {
      const dy = this.shift(this.heightFactor, h), dx = this.shift(this.widthFactor, w);
      for (let y = 0; y < h; y++) {
        const sy = fillCoordinate(y - dy, h, this.fillMode);
        for (let xx = 0; xx < w; xx++) {
          const sx = fillCoordinate(xx - dx, w, this.fillMode);
          map[(b * h + y) * w + xx] = sy < 0 || sx < 0 ? -1 : (b * h + sy) * w + sx;
        }
      }
    }
    return remap(x, map, this.fillValue);
  }

  /** The identity: augmentation does not run at inference. */
  override toOnnx(_g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return exactlyOne(inputs, this.describe());
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), heightFactor: [...this.heightFactor], widthFactor: [...this.widthFactor], fillMode: this.fillMode,
      interpolation: 'nearest', seed: this.seed, fillValue: this.fillValue,
    };
  }
}
registerClass(RandomTranslation);
