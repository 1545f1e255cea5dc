/**
 * Activation functions by name (tfjs names; Keras snake_case accepted). Each entry says how it
 * runs (fused with the bias add where the kernels can, else as an op on the biased values) and how
 * it is written to ONNX, so a new activation is one entry here.
 */
import type { KernelActivation } from '../backend/backend.js';
import { biasActivation, softmax } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { toCamelCase } from '../util/serialization.js';

/** The activations cnnkit implements (tfjs `ActivationIdentifier` names). */
export type ActivationName = KernelActivation | 'softmax';

export interface ActivationDef {
  /** The kernel activation that fuses with a bias add (and a convolution's output pass). */
  readonly kernel?: KernelActivation;
  /** The function on already-biased values, for activations without a fused kernel. */
  readonly apply?: (x: Tensor) => Tensor;
  /** Writes the activation as ONNX nodes. */
  readonly onnx: (g: OnnxBuilder, x: OnnxValue) => OnnxValue;
}

const defs = new Map<string, ActivationDef>();

/** Adds (or replaces) an activation under its tfjs name. */
export function registerActivation(name: string, def: ActivationDef): void {
  defs.set(name, def);
}

registerActivation('linear', { kernel: 'linear', onnx: (_g, x) => x });
registerActivation('relu', { kernel: 'relu', onnx: (g, x) => g.unary('Relu', x) });
registerActivation('sigmoid', { kernel: 'sigmoid', onnx: (g, x) => g.unary('Sigmoid', x) });
registerActivation('tanh', { kernel: 'tanh', onnx: (g, x) => g.unary('Tanh', x) });
// Softmax spans the last (channels) axis: NHWC order in ONNX too.
registerActivation('softmax', { apply: (x) => softmax(x), onnx: (g, x) => g.unary('Softmax', g.nhwc(x), [g.int('axis', -1)]) });

/** Names of the registered activations. */
export function activationNames(): string[] {
  return [...defs.keys()];
}

/** The activation's definition; `name` is a tfjs or Keras name (`'hard_sigmoid'` = `'hardSigmoid'`). */
export function activationDef(name: string, where: string): ActivationDef {
  const def = defs.get(toCamelCase(name));
  if (!def) throw new ValueError(`${where}: unknown activation '${name}'. Expected one of ${activationNames().join(', ')}`);
  return def;
}

/** Checks an activation name; absent means 'linear'. Returns the tfjs name. */
export function resolveActivation(name: unknown, where: string): ActivationName {
  if (name === undefined || name === null) return 'linear';
  if (typeof name !== 'string') throw new ValueError(`${where}: activation must be a name such as 'relu'. Received ${typeof name}`);
  activationDef(name, where);
  return toCamelCase(name) as ActivationName;
}

/** act(x + bias): activations with a kernel fuse with the bias add; the others follow a plain bias add. */
export function applyBiasActivation(x: Tensor, bias: Tensor | null, act: ActivationName): Tensor {
  const def = activationDef(act, 'activation');
  if (def.kernel) return !bias && def.kernel === 'linear' ? x : biasActivation(x, bias, def.kernel);
  const biased = bias ? biasActivation(x, bias, 'linear') : x;
  return (def.apply as (t: Tensor) => Tensor)(biased);
}

/** The kernel activation of `act` when it has one (conv epilogues fuse only those). */
export function kernelActivation(act: ActivationName): KernelActivation | null {
  return defs.get(act)?.kernel ?? null;
}
