/**
 * Weight initializers (tfjs `tf.initializers`, Keras `keras.initializers`): classes registered by
 * name, each with its config, drawing from the seeded global generator (or from their own
 * generator when given a `seed`). Layers accept them as objects, as tfjs names
 * (`'glorotUniform'`), as Keras names (`'glorot_uniform'`) or as `{ className, config }`.
 */
import { ValueError } from '../errors.js';
import { Random, globalRandom } from '../tensor/random.js';
import { Tensor, fromFunction, zeros } from '../tensor/tensor.js';
import { Serializable, deserialize, registerClass, toCamelCase, type ConfigDict } from '../util/serialization.js';
import { checkArgs, isNone } from './args.js';

/** Creates a weight's initial values. */
export abstract class Initializer extends Serializable {
  /** Values of `shape` (float32). */
  abstract apply(shape: readonly number[]): Tensor;

  getConfig(): ConfigDict {
    return {};
  }
}

/** All zeros. */
export class Zeros extends Initializer {
  static readonly className = 'Zeros';
  constructor(config: ConfigDict = {}) {
    super();
    checkArgs('Zeros initializer', config, []);
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
    checkArgs('Ones initializer', config, []);
  }
  apply(shape: readonly number[]): Tensor {
    return fromFunction(shape, () => 1);
  }
}
registerClass(Ones);

/**
 * Fan-in and fan-out as Keras computes them: for a conv kernel [kh, kw, in, out] the receptive
 * field kh·kw multiplies both; for a dense kernel [in, out] they are the two dimensions.
 */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Standard deviation of a unit normal truncated at ±2 (Keras's correction). */
const TRUNCATED_STD = 0.87962566103423978;

type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'normal' | 'uniform';

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode;
  /** 'normal' is 'truncatedNormal' (Keras). */
  distribution?: Distribution;
  seed?: number | null;
}

/**
 * Keras VarianceScaling: values with variance scale / n (n the fan-in, fan-out or their mean),
 * uniform in ±sqrt(3·scale/n) or normal truncated at two standard deviations.
 */
export class VarianceScaling extends Initializer {
  static readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  readonly seed: number | null;

  constructor(args: VarianceScalingArgs = {}) {
    super();
    const where = `${(new.target as unknown as { className: string }).className} initializer`;
    // Presets (GlorotUniform, ...) check their own arguments.
    if (new.target === VarianceScaling) checkArgs(where, args, ['scale', 'mode', 'distribution', 'seed']);
    const { scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed = null } = args;
    if (typeof scale !== 'number' || !(scale > 0)) throw new ValueError(`${where}: scale must be a positive number. Received scale=${String(scale)}`);
    const m = toCamelCase(String(mode)), d = toCamelCase(String(distribution));
    if (!['fanIn', 'fanOut', 'fanAvg'].includes(m)) throw new ValueError(`${where}: mode must be 'fanIn', 'fanOut' or 'fanAvg'. Received mode=${JSON.stringify(mode)}`);
    if (!['truncatedNormal', 'untruncatedNormal', 'normal', 'uniform'].includes(d))
      throw new ValueError(`${where}: distribution must be 'truncatedNormal', 'untruncatedNormal', 'normal' or 'uniform'. Received distribution=${JSON.stringify(distribution)}`);
    if (!isNone(seed) && !Number.isInteger(seed)) throw new ValueError(`${where}: seed must be an integer or null. Received seed=${String(seed)}`);
    this.scale = scale;
    this.mode = m as FanMode;
    this.distribution = d as Distribution;
    this.seed = seed ?? null;
  }

  apply(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = fans(shape);
    const n = Math.max(1, this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    // Each bound is one division (scale and n are exact), so presets draw the same values as before.
    const rng = this.seed === null ? globalRandom : new Random(this.seed);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt((3 * this.scale) / n);
      return fromFunction(shape, () => (2 * rng.uniform() - 1) * limit);
    }
    if (this.distribution === 'untruncatedNormal') {
      const std = Math.sqrt(this.scale / n);
      return fromFunction(shape, () => rng.normal() * std);
    }
    const std = Math.sqrt(this.scale / n) / TRUNCATED_STD;
    return fromFunction(shape, () => {
      for (;;) {
        const v = rng.normal();
        if (Math.abs(v) <= 2) return v * std;
      }
    });
  }

  override getConfig(): ConfigDict {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed };
  }
}
registerClass(VarianceScaling);

/** A VarianceScaling preset (Glorot, He): its config is only the seed. */
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

/** tfjs identifiers (camelCase) of the initializers above. */
const BY_NAME: Record<string, () => Initializer> = {
  zeros: () => new Zeros(), ones: () => new Ones(), glorotUniform: () => new GlorotUniform(), glorotNormal: () => new GlorotNormal(),
  heUniform: () => new HeUniform(), heNormal: () => new HeNormal(), varianceScaling: () => new VarianceScaling(),
};

/** What a layer accepts as an initializer. */
export type InitializerIdentifier = 'zeros' | 'ones' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'varianceScaling';
export type InitializerSpec = Initializer | InitializerIdentifier | string | { className: string; config?: ConfigDict };

/**
 * Resolves an initializer given as an object, a tfjs or Keras name, a class name or
 * `{ className, config }`; anything else is refused naming `where` and `argName`.
 */
export function resolveInitializer(spec: unknown, where: string, argName: string): Initializer {
  if (spec instanceof Initializer) return spec;
  try {
    if (typeof spec === 'string') {
      const make = BY_NAME[toCamelCase(spec)];
      if (make && Object.prototype.hasOwnProperty.call(BY_NAME, toCamelCase(spec))) return make();
      return deserialize(spec, {}, Initializer, 'initializer');
    }
    if (typeof spec === 'object' && spec !== null && typeof (spec as { className?: unknown }).className === 'string') {
      const { className, config } = spec as { className: string; config?: unknown };
      if (!isNone(config) && (typeof config !== 'object' || Array.isArray(config))) throw new ValueError(`the config of '${className}' must be an object`);
      return deserialize(className, (config ?? {}) as ConfigDict, Initializer, 'initializer');
    }
  } catch (e) {
    throw new ValueError(`${where}: ${argName}: ${(e as Error).message}`);
  }
  throw new ValueError(`${where}: ${argName} must be an initializer name (${Object.keys(BY_NAME).join(', ')}), { className, config } or an Initializer. Received ${argName}=${JSON.stringify(spec)}`);
}

/** `{ className, config }` of an initializer, as configs hold it. */
export function serializeInitializer(init: Initializer): ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}

/** Initializer factories with tfjs names (`ck.initializers.heNormal({ seed })`). */
export const initializers = {
  zeros: (): Initializer => new Zeros(),
  ones: (): Initializer => new Ones(),
  glorotUniform: (args?: { seed?: number }): Initializer => new GlorotUniform(args),
  glorotNormal: (args?: { seed?: number }): Initializer => new GlorotNormal(args),
  heUniform: (args?: { seed?: number }): Initializer => new HeUniform(args),
  heNormal: (args?: { seed?: number }): Initializer => new HeNormal(args),
  varianceScaling: (args?: VarianceScalingArgs): Initializer => new VarianceScaling(args),
};
