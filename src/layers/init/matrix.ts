/**
 * Initializers with structure rather than independent draws: Orthogonal (tfjs/Keras), Identity
 * (tfjs/Keras, 2-D kernels) and Dirac (an identity convolution kernel, as PyTorch's `dirac_`).
 */
import { ValueError, fmtShape } from '../../errors.js';
import { Random, globalRandom } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../../util/serialization.js';
import { checkArgs } from '../args.js';
import { numberArg, seedArg } from '../identifiers.js';
import { Initializer } from './random.js';

/**
 * Orthonormal columns of the rows×cols matrix `a` (rows ≥ cols, column-major in a Float64Array)
 * by modified Gram-Schmidt, twice for accuracy: the Q of a QR factorisation whose R has a positive
 * diagonal (the sign correction tfjs and Keras apply to their QR).
 */
function orthonormalColumns(a: Float64Array, rows: number, cols: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < cols; j++) {
    const cj = q.subarray(j * rows, (j + 1) * rows);
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < j; k++) {
        const ck = q.subarray(k * rows, (k + 1) * rows);
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += ck[i] * cj[i];
        for (let i = 0; i < rows; i++) cj[i] -= dot * ck[i];
      }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += cj[i] * cj[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) cj[i] /= norm;
  }
  return q;
}

/**
 * A random orthogonal matrix times `gain` (tfjs/Keras Orthogonal): the kernel is viewed as
 * [prod(shape[:-1]), shape[-1]]; its rows (or columns, whichever are fewer) are orthonormal.
 */
export class Orthogonal extends Initializer {
  static readonly className = 'Orthogonal';
  readonly gain: number;
  readonly seed: number | null;
  constructor(args: { gain?: number; seed?: number | null } = {}) {
    super();
    const where = 'Orthogonal initializer';
    checkArgs(where, args, ['gain', 'seed']);
    this.gain = numberArg(args?.gain, 'gain', where, 1);
    this.seed = seedArg(args?.seed, where);
  }
  apply(shape: readonly number[]): Tensor {
    if (shape.length < 2) throw new ValueError(`Orthogonal initializer: the shape must have at least 2 dimensions. Received ${fmtShape(shape)}`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1), cols = shape[shape.length - 1];
    const big = Math.max(rows, cols), small = Math.min(rows, cols);
    const rng = this.seed === null ? globalRandom : new Random(this.seed);
    const q = orthonormalColumns(Float64Array.from({ length: big * small }, () => rng.normal()), big, small);
    const out = new Float32Array(rows * cols);
    // q is big×small column-major; the kernel is rows×cols row-major (q itself when rows ≥ cols, else qᵀ).
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[r * cols + c] = this.gain * (rows >= cols ? q[c * big + r] : q[r * big + c]);
    return Tensor.fromValues(shape, out);
  }
  override getConfig(): ConfigDict {
    return { gain: this.gain, seed: this.seed };
  }
}
registerClass(Orthogonal);

/** gain · I for a 2-D kernel [in, out] (tfjs asks for a square one; Keras, as here, allows any 2-D shape). */
export class Identity extends Initializer {
  static readonly className = 'Identity';
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    super();
    checkArgs('Identity initializer', args, ['gain']);
    this.gain = numberArg(args?.gain, 'gain', 'Identity initializer', 1);
  }
  apply(shape: readonly number[]): Tensor {
    if (shape.length !== 2)
      throw new ValueError(`Identity initializer: only 2-D kernels (Dense) have an identity matrix; for a convolution kernel use 'dirac' (an identity convolution). Received shape ${fmtShape(shape)}`);
    const [rows, cols] = shape;
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = this.gain;
    return Tensor.fromValues(shape, out);
  }
  override getConfig(): ConfigDict {
    return { gain: this.gain };
  }
}
registerClass(Identity);

/**
 * An identity convolution kernel [..., in, out] (PyTorch's `dirac_`): `gain` at the central tap
 * from input channel i to output channel i, for i < min(in, out), zero elsewhere. The central tap
 * of a dimension of k taps is ⌊(k − 1)/2⌋, where 'same' padding puts the output's own input pixel
 * (the same as PyTorch's k/2 for odd k), so a stride-1 'same' convolution copies its input.
 */
export class Dirac extends Initializer {
  static readonly className = 'Dirac';
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    super();
    checkArgs('Dirac initializer', args, ['gain']);
    this.gain = numberArg(args?.gain, 'gain', 'Dirac initializer', 1);
  }
  apply(shape: readonly number[]): Tensor {
    if (shape.length < 2) throw new ValueError(`Dirac initializer: expected a kernel [..., in, out]. Received shape ${fmtShape(shape)}`);
    const spatial = shape.slice(0, -2), inC = shape[shape.length - 2], outC = shape[shape.length - 1];
    let centre = 0;
    for (const k of spatial) centre = centre * k + Math.floor((k - 1) / 2);
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < Math.min(inC, outC); i++) out[(centre * inC + i) * outC + i] = this.gain;
    return Tensor.fromValues(shape, out);
  }
  override getConfig(): ConfigDict {
    return { gain: this.gain };
  }
}
registerClass(Dirac);
