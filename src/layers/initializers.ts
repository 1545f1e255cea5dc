/**
 * Weight initializers (tfjs `tf.initializers`, Keras `keras.initializers`): the registered classes
 * (init/random.ts, init/matrix.ts), how layers accept them, and the tfjs-named factories. Layers
 * take them as objects, as tfjs names (`'glorotUniform'`), as Keras names (`'glorot_uniform'`),
 * as class names or as `{ className, config }`.
 */
import type { ConfigDict } from '../util/serialization.js';
import { resolveIdentifier } from './identifiers.js';
import { Dirac, Identity, Orthogonal } from './init/matrix.js';
import {
  Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Initializer, LeCunNormal, LeCunUniform, Ones, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros,
  type VarianceScalingArgs,
} from './init/random.js';

export {
  Constant, Dirac, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, Initializer, LeCunNormal, LeCunUniform, Ones, Orthogonal, RandomNormal, RandomUniform,
  TruncatedNormal, VarianceScaling, Zeros,
};
export type { VarianceScalingArgs, FanMode, Distribution } from './init/random.js';

/** tfjs identifiers (camelCase; Keras's snake_case names map onto them), plus cnnkit's 'dirac'. */
const BY_NAME: Record<string, () => Initializer> = {
  zeros: () => new Zeros(), ones: () => new Ones(), constant: () => new Constant(),
  randomUniform: () => new RandomUniform(), randomNormal: () => new RandomNormal(), truncatedNormal: () => new TruncatedNormal(),
  glorotUniform: () => new GlorotUniform(), glorotNormal: () => new GlorotNormal(), heUniform: () => new HeUniform(), heNormal: () => new HeNormal(),
  leCunUniform: () => new LeCunUniform(), leCunNormal: () => new LeCunNormal(), lecunUniform: () => new LeCunUniform(), lecunNormal: () => new LeCunNormal(),
  varianceScaling: () => new VarianceScaling(), orthogonal: () => new Orthogonal(), identity: () => new Identity(), dirac: () => new Dirac(),
  // Keras 2's short names.
  uniform: () => new RandomUniform(), normal: () => new RandomNormal(),
};

/** What a layer accepts as an initializer. */
export type InitializerIdentifier =
  | 'zeros' | 'ones' | 'constant' | 'randomUniform' | 'randomNormal' | 'truncatedNormal' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal'
  | 'leCunUniform' | 'leCunNormal' | 'varianceScaling' | 'orthogonal' | 'identity' | 'dirac';
export type InitializerSpec = Initializer | InitializerIdentifier | string | { className: string; config?: ConfigDict };

/**
 * Resolves an initializer given as an object, a tfjs or Keras name, a class name or
 * `{ className, config }`; anything else is refused naming `where` and `argName`.
 */
export function resolveInitializer(spec: unknown, where: string, argName: string): Initializer {
  return resolveIdentifier(spec, Initializer, BY_NAME, 'initializer', where, argName);
}

/** `{ className, config }` of an initializer, as configs hold it. */
export function serializeInitializer(init: Initializer): ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}

type Seeded = { seed?: number | null };

/** Initializer factories with tfjs names (`ck.initializers.heNormal({ seed })`). */
export const initializers = {
  zeros: (): Initializer => new Zeros(),
  ones: (): Initializer => new Ones(),
  constant: (args: { value: number }): Initializer => new Constant(args),
  randomUniform: (args?: { minval?: number; maxval?: number } & Seeded): Initializer => new RandomUniform(args),
  randomNormal: (args?: { mean?: number; stddev?: number } & Seeded): Initializer => new RandomNormal(args),
  truncatedNormal: (args?: { mean?: number; stddev?: number } & Seeded): Initializer => new TruncatedNormal(args),
  glorotUniform: (args?: Seeded): Initializer => new GlorotUniform(args),
  glorotNormal: (args?: Seeded): Initializer => new GlorotNormal(args),
  heUniform: (args?: Seeded): Initializer => new HeUniform(args),
  heNormal: (args?: Seeded): Initializer => new HeNormal(args),
  leCunUniform: (args?: Seeded): Initializer => new LeCunUniform(args),
  leCunNormal: (args?: Seeded): Initializer => new LeCunNormal(args),
  varianceScaling: (args?: VarianceScalingArgs): Initializer => new VarianceScaling(args),
  orthogonal: (args?: { gain?: number } & Seeded): Initializer => new Orthogonal(args),
  identity: (args?: { gain?: number }): Initializer => new Identity(args),
  /** An identity convolution kernel (cnnkit; PyTorch's `dirac_`). */
  dirac: (args?: { gain?: number }): Initializer => new Dirac(args),
};
