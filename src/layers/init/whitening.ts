/**
 * A data-dependent initialisation for a first convolution (airbench's "whitening" layer; Keller
 * Jordan, "94% on CIFAR-10 in 3.29 seconds on a single GPU", 2024): its filters are the
 * eigenvectors of the covariance of the images' k×k patches, each scaled by 1/√(eigenvalue + ε),
 * and their negatives, so that the layer's outputs have unit variance and are uncorrelated across
 * the first half of the channels. The bias centres the outputs (−W·mean patch), which makes the
 * layer independent of the pixels' scale and offset (raw 0-255 values work).
 */
import { ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';

export interface PatchWhiteningArgs {
  /** Patch size k (default 2). */
  kernelSize?: number;
  /**
   * Added to each eigenvalue, relative to the mean per-pixel variance of the patches (default
   * 5e-4, airbench's value for inputs normalised to unit variance).
   */
  epsilon?: number;
  /** Use at most this many images, the first ones (default 5000). */
  maxImages?: number;
}

/** Eigenvalues (descending) and eigenvectors (rows) of a symmetric n×n matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vpk = v[p * n + k], vqk = v[q * n + k];
          v[p * n + k] = c * vpk - s * vqk;
          v[q * n + k] = s * vpk + c * vqk;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((i, r) => vectors.set(v.subarray(i * n, i * n + n), r * n));
  return { values, vectors };
}

/** Mean and covariance of the k×k×c patches (stride 1, 'valid') of images [n, h, w, c], patch order (dy, dx, channel). */
function patchMoments(data: ArrayLike<number>, n: number, h: number, w: number, c: number, k: number): { mean: Float64Array; cov: Float64Array } {
  const d = k * k * c;
  const sum = new Float64Array(d), prod = new Float64Array(d * d);
  const patch = new Float64Array(d);
  let count = 0;
  for (let img = 0; img < n; img++)
    for (let y = 0; y + k <= h; y++)
      for (let x = 0; x + k <= w; x++) {
        let j = 0;
        for (let dy = 0; dy < k; dy++)
          for (let dx = 0; dx < k; dx++) {
            const base = ((img * h + y + dy) * w + x + dx) * c;
            for (let ch = 0; ch < c; ch++) patch[j++] = data[base + ch];
          }
        for (let i = 0; i < d; i++) {
          const pi = patch[i];
          sum[i] += pi;
          for (let l = i; l < d; l++) prod[i * d + l] += pi * patch[l];
        }
        count++;
      }
  const mean = sum.map((s) => s / count);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let l = i; l < d; l++) cov[i * d + l] = cov[l * d + i] = prod[i * d + l] / count - mean[i] * mean[l];
  return { mean, cov };
}

/**
 * The kernel [k, k, c, 2·k·k·c] and bias [2·k·k·c] of a whitening convolution for `images`
 * [n, h, w, c] (uint8 or float32, any scale): filter i < k·k·c is the i-th eigenvector (largest
 * eigenvalue first) of the patch covariance divided by √(eigenvalue + ε), filter i + k·k·c its
 * negative; the bias makes the mean patch map to zero.
 * @throws ValueError for images that are not [n, h, w, c] with n ≥ 1 and h, w ≥ k
 */
export function patchWhitening(images: Tensor, args: PatchWhiteningArgs = {}): { kernel: Tensor; bias: Tensor } {
  const where = 'patchWhitening';
  for (const key of Object.keys(args)) if (!['kernelSize', 'epsilon', 'maxImages'].includes(key)) throw new ValueError(`${where}: unknown option '${key}'. Expected kernelSize, epsilon or maxImages`);
  const { kernelSize: k = 2, epsilon = 5e-4, maxImages = 5000 } = args;
  if (!(images instanceof Tensor) || images.rank !== 4) throw new ValueError(`${where}: images must be a tensor [n, height, width, channels]. Received ${images instanceof Tensor ? fmtShape(images.shape) : typeof images}`);
  const [total, h, w, c] = images.shape;
  if (!Number.isInteger(k) || k < 1 || h < k || w < k || total < 1) throw new ValueError(`${where}: needs at least one image of at least ${k}x${k} pixels for kernelSize ${k}. Received images ${fmtShape(images.shape)}`);
  if (!(epsilon >= 0 && Number.isFinite(epsilon))) throw new ValueError(`${where}: epsilon must be a non-negative number. Received epsilon=${epsilon}`);
  const n = Math.min(total, maxImages);
  const data = images.isHost ? images.hostData : images.dataSync();
  const { mean, cov } = patchMoments(data as ArrayLike<number>, n, h, w, c, k);
  const d = k * k * c;
  let variance = 0;
  for (let i = 0; i < d; i++) variance += cov[i * d + i] / d;
  const eps = epsilon * variance;
  const { values, vectors } = symmetricEigen(cov, d);
  const kernel = new Float32Array(d * 2 * d), bias = new Float32Array(2 * d);
  for (let f = 0; f < d; f++) {
    const s = 1 / Math.sqrt(Math.max(values[f], 0) + eps);
    let b = 0;
    for (let i = 0; i < d; i++) {
      const wv = vectors[f * d + i] * s;
      kernel[i * 2 * d + f] = wv;
      kernel[i * 2 * d + f + d] = -wv;
      b -= wv * mean[i];
    }
    bias[f] = b;
    bias[f + d] = -b;
  }
  return { kernel: Tensor.fromValues([k, k, c, 2 * d], kernel), bias: Tensor.fromValues([2 * d], bias) };
}
