/**
 * The options of layers with a kernel and a bias (Dense, Conv1D, Conv2D): activation, useBias,
 * the two initializers, the three regularizers and the two constraints, read, checked and written
 * back in one place.
 */
import type { ConfigDict } from '../util/serialization.js';
import { resolveActivation, type ActivationName } from './activations.js';
import { bool } from './args.js';
import { resolveConstraint, serializeConstraint, type Constraint, type ConstraintSpec } from './constraints.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { resolveRegularizer, serializeRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

/** The argument names `kernelOptions` reads. */
export const KERNEL_OPTION_ARGS: readonly string[] = [
  'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint',
];

/** The kernel-layer arguments as layers declare them. */
export interface KernelOptionArgs {
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
  activityRegularizer?: RegularizerSpec;
  kernelConstraint?: ConstraintSpec;
  biasConstraint?: ConstraintSpec;
}

export interface KernelOptions {
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
}

/** Reads and checks the kernel-layer options (defaults as Keras: linear, bias, glorotUniform, zeros, none). */
export function kernelOptions(args: KernelOptionArgs, where: string): KernelOptions {
  return {
    activation: resolveActivation(args.activation, where),
    useBias: bool(args.useBias, 'useBias', where, true),
    kernelInitializer: resolveInitializer(args.kernelInitializer ?? 'glorotUniform', where, 'kernelInitializer'),
    biasInitializer: resolveInitializer(args.biasInitializer ?? 'zeros', where, 'biasInitializer'),
    kernelRegularizer: resolveRegularizer(args.kernelRegularizer, where, 'kernelRegularizer'),
    biasRegularizer: resolveRegularizer(args.biasRegularizer, where, 'biasRegularizer'),
    activityRegularizer: resolveRegularizer(args.activityRegularizer, where, 'activityRegularizer'),
    kernelConstraint: resolveConstraint(args.kernelConstraint, where, 'kernelConstraint'),
    biasConstraint: resolveConstraint(args.biasConstraint, where, 'biasConstraint'),
  };
}

/** The options as a camelCase config, as tfjs writes them. */
export function kernelOptionsConfig(o: KernelOptions): ConfigDict {
  return {
    activation: o.activation, useBias: o.useBias,
    kernelInitializer: serializeInitializer(o.kernelInitializer), biasInitializer: serializeInitializer(o.biasInitializer),
    kernelRegularizer: serializeRegularizer(o.kernelRegularizer), biasRegularizer: serializeRegularizer(o.biasRegularizer),
    activityRegularizer: serializeRegularizer(o.activityRegularizer),
    kernelConstraint: serializeConstraint(o.kernelConstraint), biasConstraint: serializeConstraint(o.biasConstraint),
  };
}
