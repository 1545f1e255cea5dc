/**
 * Batch normalisation over the rows of a rows×cols matrix (NHWC flattened: one column per
 * channel), as plain loops shared by the reference backend and the WASM backend's generic path.
 * Sums run over rows in order, in float64.
 */
import type { NormActivation } from '../backend.js';
import { gelu, geluGrad } from './gelu.js';

let scratchBuffer = new Float32Array(0);

/**
 * A float32 buffer of at least n values, kept between calls: fresh memory is slow to touch on
 * these machines (engine notes), and a training step calls the backward of every normalisation.
 */
function scratch(n: number): Float32Array {
  if (scratchBuffer.length < n) scratchBuffer = new Float32Array(n);
  return scratchBuffer;
}

/** act(z) and act'(z) of the activations a normalisation can fuse. */
export function normAct(act: NormActivation): { f: (z: number) => number; d: (z: number) => number } {
  switch (act) {
    case 'linear':
      return { f: (z) => z, d: () => 1 };
    case 'relu':
      return { f: (z) => (z > 0 ? z : 0), d: (z) => (z > 0 ? 1 : 0) };
    case 'gelu':
      return { f: gelu, d: geluGrad };
    default:
      return act satisfies never;
  }
}

/** mean[c] = Σ_r x[r, c] / rows; variance[c] = Σ_r (x[r, c] − mean[c])² / rows (biased, as tfjs's moments). */
export function batchNormStats(x: Float32Array, mean: Float32Array, variance: Float32Array, rows: number, cols: number): void {
  const s = new Float64Array(cols), q = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[c] += x[r * cols + c];
  for (let c = 0; c < cols; c++) s[c] /= rows;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const d = x[r * cols + c] - s[c];
      q[c] += d * d;
    }
  for (let c = 0; c < cols; c++) {
    mean[c] = s[c];
    variance[c] = q[c] / rows;
  }
}

/** y = act(γ·(x − mean)/√(var + ε) + β); γ = 1 and β = 0 where absent. */
export function batchNormForward(
  x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array,
  rows: number, cols: number, epsilon: number, act: NormActivation,
): void {
  const { f } = normAct(act);
  const scale = new Float64Array(cols), shift = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta ? beta[c] : 0) - mean[c] * scale[c];
  }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      y[i] = f(x[i] * scale[c] + shift[c]);
    }
}

/**
 * Gradients of `batchNormForward` given dy (of the activated output). With `training`, mean and
 * variance are the batch's own statistics and dx includes their dependence on x:
 * dx = γ/σ · (dz − mean(dz) − x̂·mean(dz·x̂)); otherwise (moving statistics) dx = γ/σ · dz.
 * dγ = Σ dz·x̂, dβ = Σ dz. Each output is skipped when null and added into when its flag says so.
 */
export function batchNormBackward(
  x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
  dx: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null,
  rows: number, cols: number, epsilon: number, act: NormActivation, training: boolean, accumulate: { dx: boolean; dgamma: boolean; dbeta: boolean },
): void {
  const { d } = normAct(act);
  const inv = new Float64Array(cols), g = new Float64Array(cols), b = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    inv[c] = 1 / Math.sqrt(variance[c] + epsilon);
    g[c] = gamma ? gamma[c] : 1;
    b[c] = beta ? beta[c] : 0;
  }
  // dz = dy · act'(z), z = γ·x̂ + β, kept in a scratch buffer reused across calls for the second
  // pass; sums of dz and dz·x̂ per column.
  const sumDz = new Float64Array(cols), sumDzXhat = new Float64Array(cols);
  const linear = act === 'linear';
  const dzAll = dx ? scratch(rows * cols) : null;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xhat = (x[i] - mean[c]) * inv[c];
      const dz = linear ? dy[i] : dy[i] * d(g[c] * xhat + b[c]);
      if (dzAll) dzAll[i] = dz;
      sumDz[c] += dz;
      sumDzXhat[c] += dz * xhat;
    }
  for (let c = 0; c < cols; c++) {
    if (dgamma) dgamma[c] = (accumulate.dgamma ? dgamma[c] : 0) + sumDzXhat[c];
    if (dbeta) dbeta[c] = (accumulate.dbeta ? dbeta[c] : 0) + sumDz[c];
  }
  if (!dx || !dzAll) return;
  const k = new Float64Array(cols), m = new Float64Array(cols), q = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    k[c] = g[c] * inv[c];
    m[c] = training ? sumDz[c] / rows : 0;
    q[c] = training ? sumDzXhat[c] / rows : 0;
  }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xhat = (x[i] - mean[c]) * inv[c];
      const v = k[c] * (dzAll[i] - m[c] - xhat * q[c]);
      dx[i] = accumulate.dx ? dx[i] + v : v;
    }
}
