/**
 * Weight initializers (tfjs `tf.initializers`, Keras `keras.initializers`) drawing constant or
 * random values: registered classes, each with its config. Random ones draw from the seeded global
 * generator (`ck.setSeed`), or from their own generator when given a `seed` (then every call gives
 * the same values, as in tfjs and Keras).
 */
import { ValueError } from '../../errors.js';
import { Random, globalRandom } from '../../tensor/random.js';
import { Tensor, fill, fromFunction, zeros } from '../../tensor/tensor.js';
import { Serializable, registerClass, toCamelCase, type ConfigDict } from '../../util/serialization.js';
import { checkArgs } from '../args.js';
import { numberArg, seedArg } from '../identifiers.js';

/** Creates a weight's initial values. */
export abstract class Initializer extends Serializable {
  /** Values of `shape` (float32). */
  abstract apply(shape: readonly number[]): Tensor;

  getConfig(): ConfigDict {
    return {};
  }
}

/** `where` for an initializer's messages: 'RandomNormal initializer'. */
function named(cls: { className: string }): string {
  return `${cls.className} initializer`;
}

/** The generator of an initializer: its own, seeded, or the global one. */
function generator(seed: number | null): Random {
  return seed === null ? globalRandom : new Random(seed);
}

/** Standard normal values re-drawn until within two standard deviations (tfjs/Keras truncatedNormal). */
function truncated(rng: Random): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return v;
  }
}

/** All zeros. */
export class Zeros extends Initializer {
  static readonly className = 'Zeros';
  constructor(config: ConfigDict = {}) {
    super();
    checkArgs(named(Zeros), config, []);
  }
  apply(shape: readonly number[]): Tensor {
    return zeros(shape);
  }
}
registerClass(Zeros);

/** All ones. */
export class Ones extends Initializer {
  static readonly className = 'Ones';
  constructor(config: ConfigDict = {}) {
    super();
    checkArgs(named(Ones), config, []);
  }
  apply(shape: readonly number[]): Tensor {
    return fill(shape, 1);
  }
}
registerClass(Ones);

/** Every value `value` (tfjs requires it; Keras's default is 0). */
export class Constant extends Initializer {
  static readonly className = 'Constant';
  readonly value: number;
  constructor(args: { value?: number } = {}) {
    super();
    const where = named(Constant);
    checkArgs(where, args, ['value']);
    this.value = numberArg(args?.value, 'value', where, 0);
  }
  apply(shape: readonly number[]): Tensor {
    return fill(shape, this.value);
  }
  override getConfig(): ConfigDict {
    return { value: this.value };
  }
}
registerClass(Constant);

/** Uniform values in [minval, maxval) (defaults ±0.05, as tfjs and Keras). */
export class RandomUniform extends Initializer {
  static readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | null;
  constructor(args: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    super();
    const where = named(RandomUniform);
    checkArgs(where, args, ['minval', 'maxval', 'seed']);
    this.minval = numberArg(args?.minval, 'minval', where, -0.05);
    this.maxval = numberArg(args?.maxval, 'maxval', where, 0.05);
    if (!(this.maxval >= this.minval)) throw new ValueError(`${where}: maxval must be at least minval. Received minval=${this.minval}, maxval=${this.maxval}`);
    this.seed = seedArg(args?.seed, where);
  }
  apply(shape: readonly number[]): Tensor {
    const rng = generator(this.seed), span = this.maxval - this.minval;
    return fromFunction(shape, () => this.minval + span * rng.uniform());
  }
  override getConfig(): ConfigDict {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed };
  }
}
registerClass(RandomUniform);

/** Normal values (mean 0, stddev 0.05 by default); `truncated`: re-drawn beyond two standard deviations. */
abstract class NormalInitializer extends Initializer {
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | null;
  protected abstract readonly truncated: boolean;
  constructor(args: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super();
    const where = named(new.target as unknown as { className: string });
    checkArgs(where, args, ['mean', 'stddev', 'seed']);
    this.mean = numberArg(args?.mean, 'mean', where, 0);
    this.stddev = numberArg(args?.stddev, 'stddev', where, 0.05, (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
    this.seed = seedArg(args?.seed, where);
  }
  apply(shape: readonly number[]): Tensor {
    const rng = generator(this.seed);
    return fromFunction(shape, () => this.mean + this.stddev * (this.truncated ? truncated(rng) : rng.normal()));
  }
  override getConfig(): ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed };
  }
}

/** Normal values N(mean, stddev²). */
export class RandomNormal extends NormalInitializer {
  static readonly className = 'RandomNormal';
  protected readonly truncated = false;
}
registerClass(RandomNormal);

/** Normal values N(mean, stddev²) re-drawn beyond two standard deviations from the mean. */
export class TruncatedNormal extends NormalInitializer {
  static readonly className = 'TruncatedNormal';
  protected readonly truncated = true;
}
registerClass(TruncatedNormal);

/**
 * Fan-in and fan-out as Keras and tfjs compute them: for a conv kernel [kh, kw, in, out] the
 * receptive field kh·kw multiplies both; for a dense kernel [in, out] they are the two dimensions;
 * other ranks use √size for both.
 */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length >= 3 && shape.length <= 5) {
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
  }
  const root = Math.sqrt(shape.reduce((a, b) => a * b, 1));
  return [root, root];
}

/** Standard deviation of a unit normal truncated at ±2 (Keras's correction). */
const TRUNCATED_STD = 0.87962566103423978;

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'normal' | 'uniform';

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode;
  /** 'normal' is 'truncatedNormal' (Keras). */
  distribution?: Distribution;
  seed?: number | null;
}

/**
 * Keras VarianceScaling: values with variance scale / n (n the fan-in, fan-out or their mean),
 * uniform in ±sqrt(3·scale/n), normal ('untruncatedNormal') or normal truncated at two standard
 * deviations ('normal' = 'truncatedNormal', with Keras's correction so the variance is scale / n;
 * tfjs draws its truncated normal without the correction, a variance 0.77 times smaller).
 */
export class VarianceScaling extends Initializer {
  static readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  readonly seed: number | null;

  constructor(args: VarianceScalingArgs = {}) {
    super();
    const where = named(new.target as unknown as { className: string });
    // Presets (GlorotUniform, ...) check their own arguments.
    if (new.target === VarianceScaling) checkArgs(where, args, ['scale', 'mode', 'distribution', 'seed']);
    const { scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed = null } = args ?? {};
    if (typeof scale !== 'number' || !(scale > 0)) throw new ValueError(`${where}: scale must be a positive number. Received scale=${String(scale)}`);
    const m = toCamelCase(String(mode)), d = toCamelCase(String(distribution));
    if (!['fanIn', 'fanOut', 'fanAvg'].includes(m)) throw new ValueError(`${where}: mode must be 'fanIn', 'fanOut' or 'fanAvg'. Received mode=${JSON.stringify(mode)}`);
    if (!['truncatedNormal', 'untruncatedNormal', 'normal', 'uniform'].includes(d))
      throw new ValueError(`${where}: distribution must be 'truncatedNormal', 'untruncatedNormal', 'normal' or 'uniform'. Received distribution=${JSON.stringify(distribution)}`);
    this.scale = scale;
    this.mode = m as FanMode;
    this.distribution = d as Distribution;
    this.seed = seedArg(seed, where);
  }

  apply(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = fans(shape);
    const n = Math.max(1, this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    // Each bound is one division (scale and n are exact), so presets draw the same values as before.
    const rng = generator(this.seed);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt((3 * this.scale) / n);
      return fromFunction(shape, () => (2 * rng.uniform() - 1) * limit);
    }
    if (this.distribution === 'untruncatedNormal') {
      const std = Math.sqrt(this.scale / n);
      return fromFunction(shape, () => rng.normal() * std);
    }
    const std = Math.sqrt(this.scale / n) / TRUNCATED_STD;
    return fromFunction(shape, () => truncated(rng) * std);
  }

  override getConfig(): ConfigDict {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}
registerClass(VarianceScaling);

/** A VarianceScaling preset (Glorot, He, LeCun): its config is only the seed. */
function preset(className: string, scale: number, mode: FanMode, distribution: Distribution) {
  const cls = class extends VarianceScaling {
    static override readonly className = className;
    constructor(args: { seed?: number | null } = {}) {
      checkArgs(`${className} initializer`, args, ['seed']);
      super({ scale, mode, distribution, seed: args?.seed });
    }
    override getConfig(): ConfigDict {
      return this.seed === null ? {} : { seed: this.seed };
    }
  };
  return registerClass(cls);
}

export const GlorotUniform = preset('GlorotUniform', 1, 'fanAvg', 'uniform');
export const GlorotNormal = preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal');
export const HeUniform = preset('HeUniform', 2, 'fanIn', 'uniform');
export const HeNormal = preset('HeNormal', 2, 'fanIn', 'truncatedNormal');
export const LeCunUniform = preset('LeCunUniform', 1, 'fanIn', 'uniform');
export const LeCunNormal = preset('LeCunNormal', 1, 'fanIn', 'truncatedNormal');
// Keras spells these class names 'LecunNormal' / 'LecunUniform'.
registerClass(LeCunUniform, undefined, 'LecunUniform');
registerClass(LeCunNormal, undefined, 'LecunNormal');
