/** Activation functions by name (Keras/tfjs names). Softmax spans a row, the rest are fused with the bias. */
import type { KernelActivation } from '../backend/backend.js';
import { biasActivation, softmax } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export type ActivationName = KernelActivation | 'softmax';
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

export function resolveActivation(name: string | undefined | null, where: string): ActivationName {
  const n = name ?? 'linear';
  if (!(ACTIVATIONS as readonly string[]).includes(n)) throw new ValueError(`${where}: unknown activation '${n}'. Expected one of ${ACTIVATIONS.join(', ')}`);
  return n as ActivationName;
}

/** act(x + bias): element-wise activations fuse with the bias add; softmax follows a linear bias add. */
export function applyBiasActivation(x: Tensor, bias: Tensor | null, act: ActivationName): Tensor {
  if (act === 'softmax') return softmax(biasActivation(x, bias, 'linear'));
  if (!bias && act === 'linear') return x;
  return biasActivation(x, bias, act);
}
