/**
 * Activation functions by name (tfjs names; Keras snake_case accepted, e.g. 'hard_sigmoid',
 * 'gelu_new', and Keras's 'silu' for 'swish'). Each entry says how it runs (fused with the bias
 * add where the kernels can, else as ops on the biased values) and how it is written to ONNX
 * (opset 13: functions without an operator of their own are composed from Mul, Erf, Tanh, ...),
 * so a new activation is one entry here.
 */
import type { KernelActivation } from '../backend/backend.js';
import { biasActivation, elu, exp, gelu, hardSigmoid, log, max, mish, relu6, selu, softmax, softplus, softsign, sub, sum, swish } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { toCamelCase } from '../util/serialization.js';

/** The activations cnnkit implements (tfjs `ActivationIdentifier` names, plus Keras's 'exponential'). */
export type ActivationName =
  | KernelActivation | 'softmax' | 'logSoftmax' | 'elu' | 'selu' | 'gelu' | 'geluNew' | 'swish' | 'softplus' | 'softsign' | 'relu6' | 'hardSigmoid'
  | 'exponential' | 'mish';

export interface ActivationDef {
  /** The kernel activation that fuses with a bias add (and a convolution's output pass). */
  readonly kernel?: KernelActivation;
  /** The function on already-biased values, for activations without a fused kernel. */
  readonly apply?: (x: Tensor) => Tensor;
  /** Writes the activation as ONNX nodes. */
  readonly onnx: (g: OnnxBuilder, x: OnnxValue) => OnnxValue;
}

const defs = new Map<string, ActivationDef>();
/** Other names of an activation (Keras's 'silu' is tfjs's 'swish'). */
const ALIASES: Record<string, ActivationName> = { silu: 'swish' };

/** Adds (or replaces) an activation under its tfjs name. */
export function registerActivation(name: string, def: ActivationDef): void {
  defs.set(name, def);
}

/** A float scalar constant in the ONNX graph. */
function scalar(g: OnnxBuilder, label: string, v: number): string {
  return g.constant(`${label}_${g.nodes.length}_${g.initializers.length}`, [], Float32Array.of(v));
}

/** x · f(x) in ONNX, for f given as a chain of unary nodes. */
function timesSelf(g: OnnxBuilder, x: OnnxValue, f: OnnxValue): OnnxValue {
  return g.unary('Mul', x, [], [f.name]);
}

registerActivation('linear', { kernel: 'linear', onnx: (_g, x) => x });
registerActivation('relu', { kernel: 'relu', onnx: (g, x) => g.unary('Relu', x) });
registerActivation('sigmoid', { kernel: 'sigmoid', onnx: (g, x) => g.unary('Sigmoid', x) });
registerActivation('tanh', { kernel: 'tanh', onnx: (g, x) => g.unary('Tanh', x) });
// Softmax spans the last (channels) axis: NHWC order in ONNX too.
registerActivation('softmax', { apply: (x) => softmax(x), onnx: (g, x) => g.unary('Softmax', g.nhwc(x), [g.int('axis', -1)]) });
registerActivation('logSoftmax', { apply: (x) => logSoftmax(x), onnx: (g, x) => g.unary('LogSoftmax', g.nhwc(x), [g.int('axis', -1)]) });
registerActivation('elu', { apply: (x) => elu(x, 1), onnx: (g, x) => g.unary('Elu', x, [g.float('alpha', 1)]) });
registerActivation('selu', { apply: (x) => selu(x), onnx: (g, x) => g.unary('Selu', x) });
registerActivation('relu6', { apply: (x) => relu6(x), onnx: (g, x) => g.unary('Clip', x, [], [scalar(g, 'zero', 0), scalar(g, 'six', 6)]) });
registerActivation('softplus', { apply: (x) => softplus(x), onnx: (g, x) => g.unary('Softplus', x) });
registerActivation('softsign', { apply: (x) => softsign(x), onnx: (g, x) => g.unary('Softsign', x) });
// tfjs's (and Keras 2's) hard sigmoid: clip(0.2·x + 0.5, 0, 1), ONNX HardSigmoid's defaults.
registerActivation('hardSigmoid', { apply: (x) => hardSigmoid(x), onnx: (g, x) => g.unary('HardSigmoid', x, [g.float('alpha', 0.2), g.float('beta', 0.5)]) });
registerActivation('exponential', { apply: (x) => exp(x), onnx: (g, x) => g.unary('Exp', x) });
registerActivation('swish', { apply: (x) => swish(x), onnx: (g, x) => timesSelf(g, x, g.unary('Sigmoid', x)) });
registerActivation('mish', { apply: (x) => mish(x), onnx: (g, x) => timesSelf(g, x, g.unary('Tanh', g.unary('Softplus', x))) });
// tfjs 'gelu': x·Φ(x) with the error function.
registerActivation('gelu', {
  apply: (x) => gelu(x),
  onnx: (g, x) => {
    const cdf = g.unary('Mul', g.unary('Add', g.unary('Erf', g.unary('Mul', x, [], [scalar(g, 'inv_sqrt2', Math.SQRT1_2)])), [], [scalar(g, 'one', 1)]), [], [scalar(g, 'half', 0.5)]);
    return timesSelf(g, x, cdf);
  },
});
// tfjs 'gelu_new': 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
registerActivation('geluNew', {
  apply: (x) => gelu(x, true),
  onnx: (g, x) => {
    const cube = g.unary('Mul', g.unary('Mul', x, [], [x.name]), [], [x.name]);
    const inner = g.unary('Mul', g.unary('Add', g.unary('Mul', cube, [], [scalar(g, 'c', 0.044715)]), [], [x.name]), [], [scalar(g, 'sqrt_2_pi', Math.sqrt(2 / Math.PI))]);
    const half = g.unary('Mul', g.unary('Add', g.unary('Tanh', inner), [], [scalar(g, 'one', 1)]), [], [scalar(g, 'half', 0.5)]);
    return timesSelf(g, x, half);
  },
});

/** log(softmax(x)) over the last axis: x − max − log Σ exp(x − max). */
export function logSoftmax(x: Tensor): Tensor {
  const shifted = sub(x, max(x, -1, true));
  return sub(shifted, log(sum(exp(shifted), -1, true)));
}

/** Names of the registered activations. */
export function activationNames(): string[] {
  return [...defs.keys()];
}

/** The canonical tfjs name of `name` (camelCase, aliases resolved), whether or not it is registered. */
function canonical(name: string): string {
  const camel = toCamelCase(name);
  return ALIASES[camel] ?? camel;
}

/** The activation's definition; `name` is a tfjs or Keras name (`'hard_sigmoid'` = `'hardSigmoid'`). */
export function activationDef(name: string, where: string): ActivationDef {
  const def = defs.get(canonical(name));
  if (!def) throw new ValueError(`${where}: unknown activation '${name}'. Expected one of ${activationNames().join(', ')} (or Keras's spellings, e.g. 'hard_sigmoid', 'silu')`);
  return def;
}

/** Checks an activation name; absent means 'linear'. Returns the tfjs name. */
export function resolveActivation(name: unknown, where: string): ActivationName {
  if (name === undefined || name === null) return 'linear';
  if (typeof name !== 'string') throw new ValueError(`${where}: activation must be a name such as 'relu'. Received ${typeof name}`);
  activationDef(name, where);
  return canonical(name) as ActivationName;
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
