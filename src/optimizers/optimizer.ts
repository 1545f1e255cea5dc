/**
 * Optimizers (tfjs `tf.train`, Keras `keras.optimizers`). Adam, SGD (with momentum) and plain
 * RMSprop update through fused backend kernels; RMSprop with momentum or centering, Adagrad,
 * Adadelta and Adamax (adaptive.ts) update through ops. Update formulas are tfjs's; where Keras
 * differs (Adam's epsilon) the Keras form is an option.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../errors.js';
import { add, div, mul, sqrt, square, sub } from '../autograd/ops.js';
import { Adadelta, Adagrad, Adamax, type AdadeltaArgs, type AdagradArgs, type AdamaxArgs } from './adaptive.js';
import { Optimizer, fraction, positive, writeUpdate } from './base.js';

export { Optimizer, Adadelta, Adagrad, Adamax };
export type { NamedTensor, NamedGradients } from './base.js';
export type { AdadeltaArgs, AdagradArgs, AdamaxArgs };

/** tfjs's default epsilon (`backend.epsilon()` for float32), also Keras's. */
export const EPSILON = 1e-7;

export interface AdamArgs {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Where epsilon goes. 'tfjs' (default): m̂ / (√v̂ + ε) with bias-corrected moments, as tfjs
   * computes it. 'keras': ε is added before the bias correction (Keras 2.11+ and Keras 3:
   * lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε)). The two agree except where √v̂ is near ε.
   */
  epsilonMode?: 'tfjs' | 'keras';
}

/** Adam (Kingma & Ba 2015) with tfjs defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly epsilonMode: 'tfjs' | 'keras';
  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = EPSILON, epsilonMode = 'tfjs' }: AdamArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'Adam');
    this.beta1 = fraction(beta1, 'beta1', 'Adam');
    this.beta2 = fraction(beta2, 'beta2', 'Adam');
    this.epsilon = positive(epsilon, 'epsilon', 'Adam');
    if (epsilonMode !== 'tfjs' && epsilonMode !== 'keras') throw new ValueError(`Adam: epsilonMode must be 'tfjs' or 'keras'. Received ${JSON.stringify(epsilonMode)}`);
    this.epsilonMode = epsilonMode;
  }
  slotNames(): string[] {
    return ['m', 'v'];
  }
  /** tfjs's running β1^t and β2^t, float32 products as its `accBeta` variables hold them. */
  private acc = { step: 0, b1: 1, b2: 1 };

  /** β^t as a function of t alone (the same after a resume as in an uninterrupted run). */
  private accumulated(step: number): { b1: number; b2: number } {
    if (step === this.acc.step) return this.acc;
    const f1 = Math.fround(this.beta1), f2 = Math.fround(this.beta2);
    let { step: t, b1, b2 } = step === this.acc.step + 1 ? this.acc : { step: 0, b1: 1, b2: 1 };
    for (; t < step; t++) {
      b1 = Math.fround(b1 * f1);
      b2 = Math.fround(b2 * f2);
    }
    this.acc = { step, b1, b2 };
    return this.acc;
  }

  protected update(p: Tensor, g: Tensor, [m, v]: Tensor[], step: number): void {
    if (this.epsilonMode === 'keras') {
      p.backend.adamUpdate(p.storage, g.storage, m.storage, v.storage, p.size, { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step });
      return;
    }
    // tfjs: p −= lr · m̂/(√v̂ + ε), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t), its β^t float32 products.
    // The kernel computes lr_k·√k2/k1 · m/(√v + ε_k) with its own corrections k = 1 − β^t from
    // `step` (the Keras form), so lr_k and ε_k are chosen to make that the tfjs step:
    // ε_k = ε·√c2 and lr_k = lr·(√c2/c1)/(√k2/k1), c being tfjs's corrections.
    const { b1, b2 } = this.accumulated(step);
    const c1 = Math.fround(1 - b1), c2 = Math.fround(1 - b2);
    const k1 = 1 - this.beta1 ** step, k2 = 1 - this.beta2 ** step;
    const lr = (this.learningRate * (Math.sqrt(c2) / c1)) / (Math.sqrt(k2) / k1);
    p.backend.adamUpdate(p.storage, g.storage, m.storage, v.storage, p.size, { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon * Math.sqrt(c2), step });
  }
  getConfig(): Record<string, number | string> {
    const base = { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
    return this.epsilonMode === 'keras' ? { ...base, epsilon_mode: 'keras' } : base;
  }
}

export interface SGDArgs {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
}

/**
 * SGD, with optional (Nesterov) momentum; Keras default learningRate 0.01. With momentum it is
 * tfjs's `momentum` optimizer: the fused kernel keeps Keras's velocity v = −lr·a, where a is
 * tfjs's accumulation (a = m·a + g), which gives the same steps; saved files hold tfjs's a.
 */
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
  slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }
  protected update(p: Tensor, g: Tensor, slots: Tensor[]): void {
    p.backend.sgdUpdate(p.storage, g.storage, slots[0]?.storage ?? null, p.size, this.learningRate, this.momentum, this.nesterov);
  }
  /** The momentum slot as tfjs stores it: the accumulation a = −v / lr (and back). */
  override exportSlot(_k: number, values: Float32Array): Float32Array {
    return values.map((v) => -v / this.learningRate);
  }
  override importSlot(_k: number, values: Float32Array): Float32Array {
    return values.map((a) => -a * this.learningRate);
  }
  /** tfjs's class name: 'Momentum' with momentum, else 'SGD'. */
  override getClassName(): string {
    return this.momentum > 0 ? 'Momentum' : 'SGD';
  }
  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface RMSpropArgs {
  learningRate?: number;
  /** Discounting factor of the mean square (tfjs `decay`, Keras `rho`); default 0.9. */
  rho?: number;
  decay?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/**
 * RMSprop (tfjs formulas): ms = ρ·ms + (1−ρ)·g²; mom = momentum·mom + lr·g/√(ms + ε) (centered:
 * lr·g/√(ms − mg² − ε) with mg the running mean of g); p −= mom. Defaults learningRate 0.001,
 * rho 0.9, momentum 0, epsilon 1e-7. Plain RMSprop runs as one fused kernel.
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor({ learningRate = 0.001, rho, decay, momentum = 0, epsilon = EPSILON, centered = false }: RMSpropArgs = {}) {
    super();
    if (rho !== undefined && decay !== undefined && rho !== decay) throw new ValueError(`RMSprop: rho and decay name the same setting; give one. Received rho=${rho}, decay=${decay}`);
    this.learningRate = positive(learningRate, 'learningRate', 'RMSprop');
    this.rho = fraction(rho ?? decay ?? 0.9, 'rho', 'RMSprop');
    this.momentum = fraction(momentum, 'momentum', 'RMSprop');
    this.epsilon = positive(epsilon, 'epsilon', 'RMSprop');
    this.centered = centered;
  }
  private get plain(): boolean {
    return this.momentum === 0 && !this.centered;
  }
  /** tfjs's slots: 'momentum' exists (zero) even without momentum, 'mg' only when centered. */
  slotNames(): string[] {
    return this.centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'];
  }
  protected update(p: Tensor, g: Tensor, slots: Tensor[]): void {
    if (this.plain) return p.backend.rmspropUpdate(p.storage, g.storage, slots[0].storage, p.size, this.learningRate, this.rho, this.epsilon);
    const [ms, mom, mg] = slots;
    writeUpdate(this.centered ? [ms, mg, mom, p] : [ms, mom, p], () => {
      const newMs = add(mul(ms, this.rho), mul(square(g), 1 - this.rho));
      if (!this.centered) {
        const newMom = add(mul(mom, this.momentum), div(mul(g, this.learningRate), sqrt(add(newMs, this.epsilon))));
        return [newMs, newMom, sub(p, newMom)];
      }
      const newMg = add(mul(mg, this.rho), mul(g, 1 - this.rho));
      const newMom = add(mul(mom, this.momentum), div(mul(g, this.learningRate), sqrt(sub(newMs, add(square(newMg), this.epsilon)))));
      return [newMs, newMg, newMom, sub(p, newMom)];
    });
  }
  getConfig(): Record<string, number | boolean> {
    return { learning_rate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

/**
 * `'adam'` (any case) or an Optimizer instance → an Optimizer, with the defaults tfjs-layers uses
 * for `compile({ optimizer: name })`.
 */
export function getOptimizer(o: OptimizerName | string | Optimizer): Optimizer {
  if (o instanceof Optimizer) return o;
  switch (typeof o === 'string' ? o.toLowerCase() : o) {
    case 'adam':
      return new Adam();
    case 'sgd':
      return new SGD();
    case 'rmsprop':
      return new RMSprop();
    case 'adagrad':
      return new Adagrad({ learningRate: 0.01 });
    case 'adadelta':
      return new Adadelta({ learningRate: 1, rho: 0.95 });
    case 'adamax':
      return new Adamax();
    default:
      throw new ValueError(`compile: unknown optimizer ${JSON.stringify(o)}. Expected 'adam', 'sgd', 'rmsprop', 'adagrad', 'adadelta', 'adamax' or an optimizer from ck.train`);
  }
}

const nullable = (v: number | null | undefined): number | undefined => (v === null ? undefined : v);

/**
 * tfjs's factories, with its positional arguments (`ck.train.adam(0.01)`,
 * `ck.train.rmsprop(lr, decay, momentum, epsilon, centered)`) or an options object.
 */
export const train = {
  sgd: (a: SGDArgs | number = {}): SGD => new SGD(typeof a === 'number' ? { learningRate: a } : a),
  momentum: (learningRate: number, momentum: number, useNesterov = false): SGD => {
    if (!(momentum > 0)) throw new ValueError(`train.momentum: momentum must be in (0, 1). Received momentum=${momentum}`);
    return new SGD({ learningRate, momentum, nesterov: useNesterov });
  },
  rmsprop: (a: RMSpropArgs | number = {}, decay?: number, momentum?: number, epsilon?: number | null, centered?: boolean): RMSprop =>
    new RMSprop(typeof a === 'number' ? { learningRate: a, decay, momentum, epsilon: nullable(epsilon), centered } : a),
  adam: (a: AdamArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number | null): Adam =>
    new Adam(typeof a === 'number' ? { learningRate: a, beta1, beta2, epsilon: nullable(epsilon) } : a),
  adagrad: (a: AdagradArgs | number = {}, initialAccumulatorValue?: number): Adagrad =>
    new Adagrad(typeof a === 'number' ? { learningRate: a, initialAccumulatorValue } : a),
  adadelta: (a: AdadeltaArgs | number = {}, rho?: number, epsilon?: number | null): Adadelta =>
    new Adadelta(typeof a === 'number' ? { learningRate: a, rho, epsilon: nullable(epsilon) } : a),
  adamax: (a: AdamaxArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number | null, decay?: number): Adamax =>
    new Adamax(typeof a === 'number' ? { learningRate: a, beta1, beta2, epsilon: nullable(epsilon), decay } : a),
};
