/**
 * Weight and activity regularizers (tfjs `tf.regularizers`, Keras `keras.regularizers`): penalties
 * added to the loss while training, exactly as tfjs adds them — the sum of every penalty is added
 * to the batch's mean loss, and the reported loss includes it.
 *
 * - A weight's regularizer (kernelRegularizer, biasRegularizer, ...) adds penalty(weight).
 * - A layer's activityRegularizer adds penalty(output) / batch size (tf.keras's rule; tfjs refuses
 *   activity regularizers when a layer runs).
 */
import { abs, add, mul, square, sum } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Serializable, registerClass, type ConfigDict } from '../util/serialization.js';
import { checkArgs } from './args.js';
import { numberArg, resolveIdentifier, serializeObject } from './identifiers.js';

/** A penalty on a tensor's values. */
export abstract class Regularizer extends Serializable {
  /** The penalty of `x`, a scalar (differentiable). */
  abstract apply(x: Tensor): Tensor;
}

const nonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v);

/** l1·Σ|x| + l2·Σx² (tfjs L1L2; its defaults are 0.01 each). */
export class L1L2 extends Regularizer {
  static readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: { l1?: number; l2?: number } = {}) {
    super();
    const where = `${(new.target as unknown as { className: string }).className} regularizer`;
    if (args !== null && args !== undefined && (typeof args !== 'object' || Array.isArray(args))) throw new ValueError(`${where}: expected { l1, l2 }. Received ${JSON.stringify(args)}`);
    checkArgs(where, args, ['l1', 'l2']);
    this.l1 = numberArg(args?.l1, 'l1', where, 0.01, nonNegative, 'a non-negative number');
    this.l2 = numberArg(args?.l2, 'l2', where, 0.01, nonNegative, 'a non-negative number');
  }
  apply(x: Tensor): Tensor {
    // As tfjs: Σ(l1·|x|) and Σ(l2·x²), the factor applied before the sum.
    let penalty: Tensor | null = null;
    if (this.l1 !== 0) penalty = sum(mul(abs(x), this.l1));
    if (this.l2 !== 0) {
      const p2 = sum(mul(square(x), this.l2));
      penalty = penalty ? add(penalty, p2) : p2;
    }
    return penalty ?? mul(sum(x), 0);
  }
  override getClassName(): string {
    return 'L1L2';
  }
  getConfig(): ConfigDict {
    return { l1: this.l1, l2: this.l2 };
  }
}
registerClass(L1L2);

/** Keras's L1 class (`{ l1 }`, default 0.01): an L1L2 with l2 = 0, written as L1L2. */
export class L1 extends L1L2 {
  static override readonly className = 'L1';
  constructor(args: { l1?: number } = {}) {
    checkArgs('L1 regularizer', args, ['l1']);
    super({ l1: args?.l1 ?? 0.01, l2: 0 });
  }
}
registerClass(L1);

/** Keras's L2 class (`{ l2 }`, default 0.01): an L1L2 with l1 = 0, written as L1L2. */
export class L2 extends L1L2 {
  static override readonly className = 'L2';
  constructor(args: { l2?: number } = {}) {
    checkArgs('L2 regularizer', args, ['l2']);
    super({ l1: 0, l2: args?.l2 ?? 0.01 });
  }
}
registerClass(L2);

/** tfjs identifiers, and Keras's 'l1', 'l2', 'l1_l2' (0.01 each). */
const BY_NAME: Record<string, () => Regularizer> = {
  l1l2: () => new L1L2(), l1L2: () => new L1L2(), l1: () => new L1L2({ l1: 0.01, l2: 0 }), l2: () => new L1L2({ l1: 0, l2: 0.01 }),
};

/** What layers accept as a regularizer. */
export type RegularizerSpec = Regularizer | 'l1' | 'l2' | 'l1l2' | string | { className: string; config?: ConfigDict } | null;

/** A regularizer from its spec (null/undefined: none); a bad one is refused naming `where` and `argName`. */
export function resolveRegularizer(spec: unknown, where: string, argName: string): Regularizer | null {
  if (spec === null || spec === undefined) return null;
  return resolveIdentifier(spec, Regularizer, BY_NAME, 'regularizer', where, argName);
}

/** `{ className, config }` of a regularizer, or null. */
export function serializeRegularizer(r: Regularizer | null): ConfigDict | null {
  return serializeObject(r);
}

/** Regularizer factories with tfjs names (`ck.regularizers.l2({ l2: 1e-4 })`). */
export const regularizers = {
  l1l2: (args?: { l1?: number; l2?: number }): Regularizer => new L1L2(args),
  l1: (args?: { l1?: number }): Regularizer => new L1L2({ l1: args?.l1 ?? 0.01, l2: 0 }),
  l2: (args?: { l2?: number }): Regularizer => new L1L2({ l1: 0, l2: args?.l2 ?? 0.01 }),
};
