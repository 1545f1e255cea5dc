/**
 * Optimizers (Keras `keras.optimizers`): a base owns the step loop and the per-parameter slots;
 * each optimizer gives its slot names and one update rule, which runs as a backend kernel.
 */
import type { Backend, Storage } from '../backend/backend.js';
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

export abstract class Optimizer {
  /** Keras class name, e.g. 'Adam'. */
  abstract readonly className: string;
  /** Number of updates applied so far (Keras `iterations`). */
  iterations = 0;
  private slots = new Map<Tensor, Tensor[]>();

  /** Names of the per-parameter state tensors, e.g. ['m', 'v']. */
  protected abstract slotNames(): string[];
  /** Applies the update rule to one parameter. */
  protected abstract update(backend: Backend, p: Storage, g: Storage, slots: Storage[], n: number, step: number): void;
  abstract getConfig(): Record<string, number | boolean>;

  /**
   * Creates the slots of `params` up front, outside any training step, so that state lives in
   * persistent memory and the steps allocate nothing.
   */
  build(params: readonly Tensor[]): void {
    for (const p of params) if (!this.slots.has(p)) this.slots.set(p, this.slotNames().map(() => Tensor.empty(p.shape, 'float32', p.backend)));
  }

  /** One update of every parameter with its gradient. */
  applyGradients(params: readonly Tensor[], grads: readonly Tensor[]): void {
    this.iterations++;
    params.forEach((p, i) => {
      let slots = this.slots.get(p);
      if (!slots) {
        this.build([p]);
        slots = this.slots.get(p) as Tensor[];
      }
      this.update(p.backend, p.storage, grads[i].storage, slots.map((s) => s.storage), p.size, this.iterations);
    });
  }

  /** The slot tensors in parameter order (for checkpoints): [iterations, ...slots of p0, ...slots of p1]. */
  getWeights(params: readonly Tensor[]): Tensor[] {
    this.build(params);
    return params.flatMap((p) => this.slots.get(p) as Tensor[]);
  }

  /** Frees every slot. */
  dispose(): void {
    for (const slots of this.slots.values()) for (const t of slots) t.dispose();
    this.slots.clear();
  }

  setWeights(params: readonly Tensor[], values: readonly Float32Array[], iterations: number): void {
    const slots = this.getWeights(params);
    if (values.length !== slots.length) throw new ValueError(`${this.className}: optimizer state has ${slots.length} arrays. Received ${values.length}`);
    slots.forEach((s, i) => {
      if (values[i].length !== s.size) throw new ValueError(`${this.className}: optimizer state array ${i} has ${s.size} values. Received ${values[i].length}`);
      s.backend.write(s.storage, values[i]);
    });
    this.iterations = iterations;
  }
}

function positive(v: number, name: string, where: string): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new ValueError(`${where}: ${name} must be a positive number. Received ${name}=${v}`);
  return v;
}

function fraction(v: number, name: string, where: string): number {
  if (!(typeof v === 'number' && v >= 0 && v < 1)) throw new ValueError(`${where}: ${name} must be in [0, 1). Received ${name}=${v}`);
  return v;
}

export interface AdamArgs {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with Keras defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: AdamArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'Adam');
    this.beta1 = fraction(beta1, 'beta1', 'Adam');
    this.beta2 = fraction(beta2, 'beta2', 'Adam');
    this.epsilon = positive(epsilon, 'epsilon', 'Adam');
  }
  protected slotNames(): string[] {
    return ['m', 'v'];
  }
  protected update(b: Backend, p: Storage, g: Storage, [m, v]: Storage[], n: number, step: number): void {
    b.adamUpdate(p, g, m, v, n, { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step });
  }
  getConfig(): Record<string, number> {
    return { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

export interface SGDArgs {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** SGD with optional (Nesterov) momentum; Keras default learningRate 0.01. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor({ learningRate = 0.01, momentum = 0, nesterov = false }: SGDArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'SGD');
    this.momentum = fraction(momentum, 'momentum', 'SGD');
    this.nesterov = nesterov;
  }
  protected slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(b: Backend, p: Storage, g: Storage, slots: Storage[], n: number): void {
    b.sgdUpdate(p, g, slots[0] ?? null, n, this.learningRate, this.momentum, this.nesterov);
  }
  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface RMSpropArgs {
  learningRate?: number;
  rho?: number;
  epsilon?: number;
}

/** RMSprop with Keras defaults: learningRate 0.001, rho 0.9, epsilon 1e-7. */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  constructor({ learningRate = 0.001, rho = 0.9, epsilon = 1e-7 }: RMSpropArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'RMSprop');
    this.rho = fraction(rho, 'rho', 'RMSprop');
    this.epsilon = positive(epsilon, 'epsilon', 'RMSprop');
  }
  protected slotNames(): string[] {
    return ['velocity'];
  }
  protected update(b: Backend, p: Storage, g: Storage, [acc]: Storage[], n: number): void {
    b.rmspropUpdate(p, g, acc, n, this.learningRate, this.rho, this.epsilon);
  }
  getConfig(): Record<string, number> {
    return { learning_rate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }
}

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

/** `'adam'` or an Optimizer instance → an Optimizer (defaults as Keras). */
export function getOptimizer(o: OptimizerName | string | Optimizer): Optimizer {
  if (o instanceof Optimizer) return o;
  switch (typeof o === 'string' ? o.toLowerCase() : o) {
    case 'adam':
      return new Adam();
    case 'sgd':
      return new SGD();
    case 'rmsprop':
      return new RMSprop();
    default:
      throw new ValueError(`compile: unknown optimizer ${JSON.stringify(o)}. Expected 'adam', 'sgd', 'rmsprop' or an optimizer from ck.train`);
  }
}

/** tfjs-style factories: `ck.train.adam({ learningRate: 1e-3 })` (tfjs positional arguments also accepted). */
export const train = {
  adam: (a: AdamArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number): Adam =>
    new Adam(typeof a === 'number' ? { learningRate: a, beta1, beta2, epsilon } : a),
  sgd: (a: SGDArgs | number = {}): SGD => new SGD(typeof a === 'number' ? { learningRate: a } : a),
  momentum: (learningRate: number, momentum: number, useNesterov = false): SGD => new SGD({ learningRate, momentum, nesterov: useNesterov }),
  rmsprop: (a: RMSpropArgs | number = {}, rho?: number): RMSprop => new RMSprop(typeof a === 'number' ? { learningRate: a, rho } : a),
};
