/**
 * Batch normalisation over the last axis (channels last), with an optional fused activation:
 * training mode (the batch's own statistics, differentiated through them) and inference mode
 * (given statistics, e.g. moving averages), plus tfjs's `batchNorm` op.
 */
import type { NormActivation } from '../../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { add, mul, rsqrt, sub } from './elementwise.js';
import { asStorage, toTensor, type TensorInput } from './util.js';

function channelsOf(x: Tensor, op: string): { rows: number; cols: number } {
  if (x.rank < 1) throw new ShapeError(`${op}: expected a tensor with a channel (last) axis. Received shape ${fmtShape(x.shape)}`);
  if (x.dtype !== 'float32') throw new ValueError(`${op}: x must be float32. Received ${x.dtype}`);
  const cols = x.shape[x.rank - 1];
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

function checkVector(t: Tensor | null, cols: number, name: string, op: string): void {
  if (t && (t.size !== cols || t.dtype !== 'float32'))
    throw new ShapeError(`${op}: ${name} must be a float32 vector of ${cols} values (the channel axis). Received ${t.dtype} ${fmtShape(t.shape)}`);
}

function epsilonOf(epsilon: number, op: string): number {
  if (!(typeof epsilon === 'number' && epsilon >= 0 && Number.isFinite(epsilon))) throw new ValueError(`${op}: epsilon must be a non-negative number. Received epsilon=${epsilon}`);
  return epsilon;
}

/** Records the gradients of a fused normalisation: x, γ and β through the backward kernel. */
function recordNorm(
  y: Tensor, op: string, x: Tensor, stats: { mean: Tensor; variance: Tensor }, gamma: Tensor | null, beta: Tensor | null,
  epsilon: number, act: NormActivation, training: boolean,
): Tensor {
  const { rows, cols } = channelsOf(x, op);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record(y, op, inputs, (dy, grads) => {
    const sx = x.requiresGrad ? grads.slot(x) : null;
    const sg = gamma?.requiresGrad ? grads.slot(gamma) : null;
    const sb = beta?.requiresGrad ? grads.slot(beta) : null;
    x.backend.batchNormBackward(
      x.storage, dy.storage, stats.mean.storage, stats.variance.storage, gamma?.storage ?? null, beta?.storage ?? null,
      sx?.grad.storage ?? null, sg?.grad.storage ?? null, sb?.grad.storage ?? null, rows, cols, epsilon, act, training,
      { dx: !!sx?.accumulate, dgamma: !!sg?.accumulate, dbeta: !!sb?.accumulate },
    );
  });
}

/**
 * Normalises x over every axis but the last with the batch's own mean and (biased) variance, then
 * scales by γ, shifts by β and applies `act` — BatchNormalization while training. Returns the
 * output and the batch statistics (constants, for the moving averages).
 */
export function batchNormTraining(
  x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, act: NormActivation = 'linear',
): { y: Tensor; mean: Tensor; variance: Tensor } {
  const op = 'batchNormTraining';
  const { rows, cols } = channelsOf(x, op);
  checkVector(gamma, cols, 'gamma', op);
  checkVector(beta, cols, 'beta', op);
  const eps = epsilonOf(epsilon, op);
  const be = x.backend;
  const mean = Tensor.empty([cols], 'float32', be), variance = Tensor.empty([cols], 'float32', be);
  if (rows === 0) throw new ShapeError(`${op}: cannot take statistics over an empty batch (shape ${fmtShape(x.shape)})`);
  be.batchNormStats(x.storage, mean.storage, variance.storage, rows, cols);
  const y = Tensor.empty(x.shape, 'float32', be);
  be.batchNormForward(x.storage, mean.storage, variance.storage, gamma?.storage ?? null, beta?.storage ?? null, y.storage, rows, cols, eps, act);
  return { y: recordNorm(y, op, x, { mean, variance }, gamma, beta, eps, act, true), mean, variance };
}

/**
 * act(γ·(x − mean)/√(variance + ε) + β) with given statistics over the last axis (not
 * differentiated through `mean` and `variance`) — BatchNormalization at inference or frozen.
 */
export function batchNormInference(
  x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number, act: NormActivation = 'linear',
): Tensor {
  const op = 'batchNormInference';
  const { rows, cols } = channelsOf(x, op);
  for (const [t, name] of [[mean, 'mean'], [variance, 'variance'], [gamma, 'gamma'], [beta, 'beta']] as const) checkVector(t, cols, name, op);
  const eps = epsilonOf(epsilon, op);
  const be = x.backend;
  const y = Tensor.empty(x.shape, 'float32', be);
  be.batchNormForward(x.storage, mean.storage, variance.storage, gamma?.storage ?? null, beta?.storage ?? null, y.storage, rows, cols, eps, act);
  return recordNorm(y, op, x, { mean, variance }, gamma, beta, eps, act, false);
}

/**
 * tfjs `batchNorm(x, mean, variance, offset?, scale?, varianceEpsilon = 0.001)`: (x − mean) · scale /
 * √(variance + ε) + offset, with the statistics broadcast against x. Differentiable in every argument.
 */
export function batchNorm(
  xIn: TensorInput, meanIn: TensorInput, varianceIn: TensorInput, offsetIn?: TensorInput | null, scaleIn?: TensorInput | null, varianceEpsilon = 0.001,
): Tensor {
  const x = toTensor(xIn, 'x', 'batchNorm'), mean = toTensor(meanIn, 'mean', 'batchNorm'), variance = toTensor(varianceIn, 'variance', 'batchNorm');
  const offset = offsetIn === undefined || offsetIn === null ? null : toTensor(offsetIn, 'offset', 'batchNorm');
  const scale = scaleIn === undefined || scaleIn === null ? null : toTensor(scaleIn, 'scale', 'batchNorm');
  const eps = epsilonOf(varianceEpsilon, 'batchNorm');
  const cols = x.shape[x.rank - 1];
  const perChannel = (t: Tensor | null): boolean => !t || (t.rank === 1 && t.size === cols && t.dtype === 'float32');
  // The fused kernel when the statistics are per-channel vectors that need no gradient.
  if (x.dtype === 'float32' && x.rank >= 1 && [mean, variance, offset, scale].every(perChannel) && !mean.requiresGrad && !variance.requiresGrad)
    return batchNormInference(x, mean, variance, scale, offset, eps);
  let y = mul(sub(asStorage(x, 'float32'), mean), rsqrt(add(variance, eps)));
  if (scale) y = mul(y, scale);
  return offset ? add(y, offset) : y;
}
