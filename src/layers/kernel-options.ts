/**
 * The options of layers with a kernel and a bias (Dense, Conv2D and the convolutions to come):
 * activation, useBias, the two initializers, and the regularizer and constraint options cnnkit
 * refuses until it implements them.
 */
import { resolveActivation, type ActivationName } from './activations.js';
import { bool, isNone, onlyDefault } from './args.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import type { ConfigDict } from '../util/serialization.js';

/** Options of the weights (regularizers, constraints) cnnkit refuses until it implements them. */
export const NOT_YET_WEIGHT_OPTIONS = ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'] as const;

/** The argument names `kernelOptions` reads. */
export const KERNEL_OPTION_ARGS: readonly string[] = ['activation', 'useBias', 'kernelInitializer', 'biasInitializer', ...NOT_YET_WEIGHT_OPTIONS];

/** The kernel-layer arguments as layers declare them. */
export interface KernelOptionArgs {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  /** Not implemented yet: only null. */
  kernelRegularizer?: null;
  biasRegularizer?: null;
  activityRegularizer?: null;
  kernelConstraint?: null;
  biasConstraint?: null;
}

export interface KernelOptions {
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
}

/** Refuses each key of `NOT_YET_WEIGHT_OPTIONS` given a value other than null. */
export function refuseWeightOptions(where: string, args: object): void {
  for (const key of NOT_YET_WEIGHT_OPTIONS) {
    const v = (args as Record<string, unknown>)[key];
    onlyDefault(where, key, typeof v === 'object' && v !== null ? JSON.stringify(v) : v, isNone(v), 'is not supported yet (only null)');
  }
}

/** Reads and checks the kernel-layer options (defaults as Keras: linear, bias, glorotUniform, zeros). */
export function kernelOptions(args: KernelOptionArgs, where: string): KernelOptions {
  refuseWeightOptions(where, args);
  return {
    activation: resolveActivation(args.activation, where), useBias: bool(args.useBias, 'useBias', where, true),
    kernelInitializer: resolveInitializer(args.kernelInitializer ?? 'glorotUniform', where, 'kernelInitializer'),
    biasInitializer: resolveInitializer(args.biasInitializer ?? 'zeros', where, 'biasInitializer'),
  };
}

/** The options as a camelCase config (tfjs writes the refused ones as null). */
export function kernelOptionsConfig(o: KernelOptions): ConfigDict {
  return {
    activation: o.activation, useBias: o.useBias, kernelInitializer: serializeInitializer(o.kernelInitializer), biasInitializer: serializeInitializer(o.biasInitializer),
    kernelRegularizer: null, biasRegularizer: null, activityRegularizer: null, kernelConstraint: null, biasConstraint: null,
  };
}
