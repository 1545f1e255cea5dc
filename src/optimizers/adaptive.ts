/**
 * Adagrad, Adadelta and Adamax with tfjs's update formulas (tfjs-core `*_optimizer.ts`), computed
 * with ops in a tidy and written into the parameters and slots in place.
 */
import { abs, add, div, maximum, mul, sqrt, square } from '../autograd/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, fraction, positive, writeUpdate } from './base.js';

const EPSILON = 1e-7;

export interface AdagradArgs {
  learningRate?: number;
  initialAccumulatorValue?: number;
}

/** Adagrad: a += g²; p −= lr·g/√(a + ε), with a starting at `initialAccumulatorValue` (0.1). */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly learningRate: number;
  readonly initialAccumulatorValue: number;
  constructor({ learningRate = 0.01, initialAccumulatorValue = 0.1 }: AdagradArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'Adagrad');
    if (!(initialAccumulatorValue >= 0)) positive(initialAccumulatorValue, 'initialAccumulatorValue', 'Adagrad');
    this.initialAccumulatorValue = initialAccumulatorValue;
  }
  slotNames(): string[] {
    return ['accumulator'];
  }
  protected override slotInitialValue(): number {
    return this.initialAccumulatorValue;
  }
  protected update(p: Tensor, g: Tensor, [acc]: Tensor[]): void {
    writeUpdate([acc, p], () => {
      const newAcc = add(acc, square(g));
      return [newAcc, add(mul(div(g, sqrt(add(newAcc, EPSILON))), -this.learningRate), p)];
    });
  }
  getConfig(): Record<string, number> {
    return { learning_rate: this.learningRate, initial_accumulator_value: this.initialAccumulatorValue };
  }
}

export interface AdadeltaArgs {
  learningRate?: number;
  rho?: number;
  epsilon?: number;
}

/**
 * Adadelta (tfjs): ag = ρ·ag + (1−ρ)·g²; u = √(au + ε)/√(ag_old + ε)·g; au = ρ·au + (1−ρ)·u²;
 * p −= lr·u. (tfjs divides by the accumulated gradient before this step's update.)
 * Defaults as tfjs's factory: learningRate 0.001, rho 0.95, epsilon 1e-7.
 */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  constructor({ learningRate = 0.001, rho = 0.95, epsilon = EPSILON }: AdadeltaArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'Adadelta');
    this.rho = fraction(rho, 'rho', 'Adadelta');
    this.epsilon = positive(epsilon, 'epsilon', 'Adadelta');
  }
  slotNames(): string[] {
    return ['accum_grad', 'accum_var'];
  }
  protected update(p: Tensor, g: Tensor, [ag, au]: Tensor[]): void {
    writeUpdate([ag, au, p], () => {
      const newAg = add(mul(ag, this.rho), mul(square(g), 1 - this.rho));
      const u = mul(div(sqrt(add(au, this.epsilon)), sqrt(add(ag, this.epsilon))), g);
      const newAu = add(mul(au, this.rho), mul(square(u), 1 - this.rho));
      return [newAg, newAu, add(mul(u, -this.learningRate), p)];
    });
  }
  getConfig(): Record<string, number> {
    return { learning_rate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }
}

export interface AdamaxArgs {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  decay?: number;
}

/**
 * Adamax (tfjs): m = β1·m + (1−β1)·g; u = max(β2·u, |g|); p −= lr_t/(1−β1^t) · m/(u + ε) with
 * lr_t = lr/(1 + decay·(t−1)). Defaults learningRate 0.002, beta1 0.9, beta2 0.999, epsilon 1e-7.
 */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly decay: number;
  constructor({ learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = EPSILON, decay = 0 }: AdamaxArgs = {}) {
    super();
    this.learningRate = positive(learningRate, 'learningRate', 'Adamax');
    this.beta1 = fraction(beta1, 'beta1', 'Adamax');
    this.beta2 = fraction(beta2, 'beta2', 'Adamax');
    this.epsilon = positive(epsilon, 'epsilon', 'Adamax');
    if (!(decay >= 0)) positive(decay, 'decay', 'Adamax');
    this.decay = decay;
  }
  slotNames(): string[] {
    return ['m', 'v'];
  }
  protected update(p: Tensor, g: Tensor, [m, u]: Tensor[], step: number): void {
    const lr = -this.learningRate / ((step - 1) * this.decay + 1);
    const scale = lr / (1 - this.beta1 ** step);
    writeUpdate([m, u, p], () => {
      const newM = add(mul(m, this.beta1), mul(g, 1 - this.beta1));
      const newU = maximum(mul(u, this.beta2), abs(g));
      return [newM, newU, add(mul(div(newM, add(newU, this.epsilon)), scale), p)];
    });
  }
  getConfig(): Record<string, number> {
    return { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, decay: this.decay };
  }
}
