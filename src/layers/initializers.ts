/** Weight initializers (Keras names), drawing from the seeded global generator. */
import { ValueError } from '../errors.js';
import { globalRandom } from '../tensor/random.js';
import { Tensor, fromFunction, zeros } from '../tensor/tensor.js';

export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';

const KERAS_NAMES: Record<string, InitializerName> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_uniform: 'heUniform', he_normal: 'heNormal',
  zeros: 'zeros', ones: 'ones', GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeUniform: 'heUniform',
  HeNormal: 'heNormal', Zeros: 'zeros', Ones: 'ones',
};

/** Accepts camelCase (tfjs) and snake_case / class names (Keras). */
export function resolveInitializer(name: string, where: string): InitializerName {
  if (['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros', 'ones'].includes(name)) return name as InitializerName;
  const k = KERAS_NAMES[name];
  if (!k) throw new ValueError(`${where}: unknown initializer '${name}'. Expected one of glorotUniform, glorotNormal, heUniform, heNormal, zeros, ones`);
  return k;
}

/**
 * Fan-in and fan-out as Keras computes them: for a conv kernel [kh, kw, in, out] the receptive
 * field kh·kw multiplies both; for a dense kernel [in, out] they are the two dimensions.
 */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Truncated normal as Keras's VarianceScaling uses: redraw beyond two standard deviations. */
function truncatedNormal(std: number): number {
  for (;;) {
    const v = globalRandom.normal();
    if (Math.abs(v) <= 2) return v * std;
  }
}

export function initialize(name: InitializerName, shape: readonly number[]): Tensor {
  const [fanIn, fanOut] = fans(shape);
  switch (name) {
    case 'zeros':
      return zeros(shape);
    case 'ones':
      return fromFunction(shape, () => 1);
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return fromFunction(shape, () => (2 * globalRandom.uniform() - 1) * limit);
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / fanIn);
      return fromFunction(shape, () => (2 * globalRandom.uniform() - 1) * limit);
    }
    // 0.87962566 is the standard deviation of a unit normal truncated at ±2 (Keras's correction).
    case 'glorotNormal':
      return fromFunction(shape, () => truncatedNormal(Math.sqrt(2 / (fanIn + fanOut)) / 0.87962566103423978));
    case 'heNormal':
      return fromFunction(shape, () => truncatedNormal(Math.sqrt(2 / fanIn) / 0.87962566103423978));
    default:
      return name satisfies never;
  }
}
