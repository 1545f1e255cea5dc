/**
 * Optimizers (tfjs `tf.train`, Keras `keras.optimizers`). Adam, SGD (with momentum) and plain
 * RMSprop update through fused backend kernels; RMSprop with momentum or centering, Adagrad,
 * Adadelta and Adamax (adaptive.ts) update through ops. Update formulas are tfjs's; where Keras
 * differs (Adam's epsilon) the Keras form is an option.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../errors.js';
import { add, div, eye, matMul, maximum, mul, reshape, sqrt, square, sub, sum } from '../autograd/ops.js';
import { Adadelta, Adagrad, Adamax, type AdadeltaArgs, type AdagradArgs, type AdamaxArgs } from './adaptive.js';
import { tidy } from '../backend/engine.js';
import { Optimizer, fraction, positive, writeUpdate, type ParamOptions, type WeightDecayMode } from './base.js';
import * as schedules from './schedules.js';
import { isSchedule, type LearningRateSchedule } from './schedules.js';

export { Optimizer, Adadelta, Adagrad, Adamax };
export type { NamedTensor, NamedGradients, ParamOptions, WeightDecayMode } from './base.js';
export type { LearningRateSchedule } from './schedules.js';

/** A fixed rate or a schedule → [rate at step 0 (checked positive), the schedule or null]. */
function rateArg(v: number | LearningRateSchedule, where: string): [number, LearningRateSchedule | null] {
  if (isSchedule(v)) return [v(0), v];
  return [positive(v, 'learningRate', where), null];
}

function decayArgs(weightDecay: number, mode: WeightDecayMode, where: string): [number, WeightDecayMode] {
  if (!(typeof weightDecay === 'number' && weightDecay >= 0 && Number.isFinite(weightDecay))) throw new ValueError(`${where}: weightDecay must be a non-negative number. Received weightDecay=${weightDecay}`);
  if (mode !== 'decoupled' && mode !== 'l2') throw new ValueError(`${where}: weightDecayMode must be 'decoupled' or 'l2'. Received ${JSON.stringify(mode)}`);
  return [weightDecay, mode];
}
export type { AdadeltaArgs, AdagradArgs, AdamaxArgs };

/**
 * The nearest semi-orthogonal matrix to m [rows, cols] (U·Vᵀ of its SVD, approximately): `steps`
 * iterations of Muon's quintic X ← a·X + (b·A + c·A²)·X, A = X·Xᵀ, on X = m/(‖m‖_F + 1e-7), taken
 * on the short side (the singular values land near [0.7, 1.2], which Muon's authors found as good
 * as exact orthogonalization).
 */
export function newtonSchulz(m: Tensor, steps = 5): Tensor {
  const [rows, cols] = m.shape;
  const [a, b, c] = [3.4445, -4.775, 2.0315];
  // The norm stays on the backend: no read back to the host per step.
  let x = div(m, add(sqrt(sum(square(m))), 1e-7));
  // Columns as the short side: A = XᵀX [cols, cols] and X ← a·X + X·B; else rows: A = X·Xᵀ and X ← a·X + B·X.
  // a·X + B·X = (a·I + B)·X: the polynomial is formed on the small Gram matrix, one product with X.
  const wide = rows < cols;
  const identity = eye(Math.min(rows, cols));
  for (let i = 0; i < steps; i++) {
    const A = wide ? matMul(x, x, false, true) : matMul(x, x, true, false);
    const P = add(add(mul(identity, a), mul(A, b)), mul(matMul(A, A), c));
    x = wide ? matMul(P, x) : matMul(x, P);
  }
  return x;
}

/** tfjs's default epsilon (`backend.epsilon()` for float32), also Keras's. */
export const EPSILON = 1e-7;

export interface AdamArgs {
  /** A fixed rate or a schedule of the step (`ck.train.schedules`). */
  learningRate?: number | LearningRateSchedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Where epsilon goes. 'tfjs' (default): m̂ / (√v̂ + ε) with bias-corrected moments, as tfjs
   * computes it. 'keras': ε is added before the bias correction (Keras 2.11+ and Keras 3:
   * lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε)). The two agree except where √v̂ is near ε.
   */
  epsilonMode?: 'tfjs' | 'keras';
  /** Weight decay (default 0; see weightDecayMode). */
  weightDecay?: number;
  /** 'decoupled' (default, Keras 3 and AdamW: p −= lr·wd·p before the step) or 'l2' (PyTorch Adam: g += wd·p). */
  weightDecayMode?: WeightDecayMode;
}

/** Adam (Kingma & Ba 2015) with tfjs defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  /** The rate of the first step (of the schedule, when there is one). */
  readonly learningRate: number;
  readonly schedule: LearningRateSchedule | null;
  readonly weightDecay: number;
  readonly weightDecayMode: WeightDecayMode;
  protected override readonly supportsGroups = true;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly epsilonMode: 'tfjs' | 'keras';
  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = EPSILON, epsilonMode = 'tfjs', weightDecay = 0, weightDecayMode = 'decoupled' }: AdamArgs = {}) {
    super();
    [this.learningRate, this.schedule] = rateArg(learningRate, 'Adam');
    [this.weightDecay, this.weightDecayMode] = decayArgs(weightDecay, weightDecayMode, 'Adam');
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

  protected update(p: Tensor, g: Tensor, slots: Tensor[], step: number): void {
    const rate = this.rateFor(this.schedule ?? this.learningRate, p, step);
    const wd = this.paramOptions(p).weightDecay ?? this.weightDecay;
    if (wd === 0) return this.adamStep(p, g, slots, step, rate);
    tidy(() => this.adamStep(p, this.decayed(p, g, rate, wd, this.weightDecayMode), slots, step, rate));
  }

  private adamStep(p: Tensor, g: Tensor, [m, v]: Tensor[], step: number, rate: number): void {
    if (this.epsilonMode === 'keras') {
      p.backend.adamUpdate(p.storage, g.storage, m.storage, v.storage, p.size, { lr: rate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, step });
      return;
    }
    // tfjs: p −= lr · m̂/(√v̂ + ε), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t), its β^t float32 products.
    // The kernel computes lr_k·√k2/k1 · m/(√v + ε_k) with its own corrections k = 1 − β^t from
    // `step` (the Keras form), so lr_k and ε_k are chosen to make that the tfjs step:
    // ε_k = ε·√c2 and lr_k = lr·(√c2/c1)/(√k2/k1), c being tfjs's corrections.
    const { b1, b2 } = this.accumulated(step);
    const c1 = Math.fround(1 - b1), c2 = Math.fround(1 - b2);
    const k1 = 1 - this.beta1 ** step, k2 = 1 - this.beta2 ** step;
    const lr = (rate * (Math.sqrt(c2) / c1)) / (Math.sqrt(k2) / k1);
    p.backend.adamUpdate(p.storage, g.storage, m.storage, v.storage, p.size, { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon * Math.sqrt(c2), step });
  }
  getConfig(): Record<string, number | string> {
    const base: Record<string, number | string> = { learning_rate: this.learningRate, beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
    if (this.epsilonMode === 'keras') base.epsilon_mode = 'keras';
    if (this.weightDecay !== 0 || this.className === 'AdamW') Object.assign(base, { weight_decay: this.weightDecay, weight_decay_mode: this.weightDecayMode });
    return base;
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019; Keras 3 `AdamW`, PyTorch `AdamW`): Adam with decoupled weight
 * decay, p −= lr·wd·p before each Adam step; default weightDecay 0.004 (Keras's).
 */
export class AdamW extends Adam {
  override readonly className: string = 'AdamW';
  constructor(args: AdamArgs = {}) {
    if (args.weightDecayMode !== undefined && args.weightDecayMode !== 'decoupled') throw new ValueError(`AdamW: weight decay is decoupled by definition. Received weightDecayMode=${JSON.stringify(args.weightDecayMode)} (use Adam for 'l2')`);
    super({ weightDecay: 0.004, ...args, weightDecayMode: 'decoupled' });
  }
}

export interface SGDArgs {
  /** A fixed rate or a schedule of the step (`ck.train.schedules`); default 0.01. */
  learningRate?: number | LearningRateSchedule;
  momentum?: number;
  nesterov?: boolean;
  /** Weight decay (default 0; see weightDecayMode). */
  weightDecay?: number;
  /**
   * 'decoupled' (default, Keras 3's `weight_decay`): p −= lr·wd·p before the step. 'l2' (PyTorch
   * SGD's `weight_decay`): g += wd·p, so the decay passes through momentum.
   */
  weightDecayMode?: WeightDecayMode;
}

/**
 * SGD, with optional (Nesterov) momentum; Keras default learningRate 0.01. With momentum it is
 * tfjs's `momentum` optimizer: the fused kernel keeps Keras's velocity v = −lr·a, where a is
 * tfjs's accumulation (a = m·a + g), which gives the same steps; saved files hold tfjs's a.
 */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  /** The rate of the first step (of the schedule, when there is one). */
  readonly learningRate: number;
  readonly schedule: LearningRateSchedule | null;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly weightDecayMode: WeightDecayMode;
  protected override readonly supportsGroups = true;
  constructor({ learningRate = 0.01, momentum = 0, nesterov = false, weightDecay = 0, weightDecayMode = 'decoupled' }: SGDArgs = {}) {
    super();
    [this.learningRate, this.schedule] = rateArg(learningRate, 'SGD');
    [this.weightDecay, this.weightDecayMode] = decayArgs(weightDecay, weightDecayMode, 'SGD');
    this.momentum = fraction(momentum, 'momentum', 'SGD');
    this.nesterov = nesterov;
  }
  slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }
  /**
   * Keras's form: v = m·v − lr·g; p += v (Nesterov: p += m·v − lr·g), with lr the step's rate
   * (of the schedule, times the parameter's group factor).
   */
  protected update(p: Tensor, g: Tensor, slots: Tensor[], step: number): void {
    const lr = this.rateFor(this.schedule ?? this.learningRate, p, step);
    const group = this.paramOptions(p);
    const wd = group.weightDecay ?? this.weightDecay;
    const momentum = group.momentum ?? this.momentum;
    if (group.orthogonalize) return this.orthogonalUpdate(p, g, slots[0] ?? null, lr, wd, momentum, group);
    const run = (grad: Tensor): void => p.backend.sgdUpdate(p.storage, grad.storage, momentum > 0 ? slots[0].storage : null, p.size, lr, momentum, this.nesterov);
    if (wd === 0) return run(g);
    tidy(() => run(this.decayed(p, g, lr, wd, this.weightDecayMode)));
  }
  protected override checkGroup(options: ParamOptions, where: string): void {
    if ((options.momentum ?? 0) > 0 && this.momentum === 0) throw new ValueError(`${where}: momentum=${options.momentum} for a group needs the optimizer created with momentum (it keeps the momentum slots)`);
  }
  /**
   * Muon's step (`paramGroup` option `orthogonalize`): b = m·b + g; u = g + m·b (Nesterov) or b;
   * p −= lr·NS(u), with NS the Newton–Schulz orthogonalization of u as a [fan-in, units] matrix.
   * The slot holds b (PyTorch's buffer, not Keras's velocity).
   */
  private orthogonalUpdate(p: Tensor, g: Tensor, buffer: Tensor | null, lr: number, wd: number, momentum: number, group: ParamOptions): void {
    if (p.rank < 2 || p.rank > 4) throw new ValueError(`SGD: orthogonalize applies to matrices and filters (rank 2 to 4). Received a parameter of shape [${p.shape.join(', ')}]`);
    const units = p.shape[p.rank - 1];
    // p ← p·√units/‖p‖ (a zero p stays zero), computed on the backend.
    if (group.normalizeWeights) writeUpdate([p], () => [mul(p, div(Math.sqrt(units), maximum(sqrt(sum(square(p))), 1e-30)))]);
    const momentumBuffer = buffer && momentum > 0 ? buffer : null;
    writeUpdate(momentumBuffer ? [momentumBuffer, p] : [p], () => {
      const grad = this.decayed(p, g, lr, wd, this.weightDecayMode);
      const b = momentumBuffer ? add(mul(momentumBuffer, momentum), grad) : null;
      const u = b ? (this.nesterov ? add(grad, mul(b, momentum)) : b) : grad;
      const step = newtonSchulz(reshape(u, [p.size / units, units]), group.newtonSchulzSteps ?? 5);
      const next = sub(p, mul(reshape(step, p.shape), lr));
      return b ? [b, next] : [next];
    });
  }
  /**
   * The rate of the latest step (the accumulation's scale in tfjs's form); 1 where a schedule
   * reached 0 (no rate relates the two forms then: any nonzero scale keeps the round trip exact).
   */
  private lastRate(): number {
    const rate = this.schedule ? this.schedule(Math.max(0, this.iterations - 1)) : this.learningRate;
    return rate > 0 ? rate : 1;
  }
  /**
   * The momentum slot as tfjs stores it: the accumulation a = −v / lr (and back), lr the latest
   * step's base rate (the counter is restored before the slots). With a schedule or parameter
   * groups of their own rates (or Muon's buffers) tfjs has no equivalent; cnnkit reads its own files
   * back within float32 rounding.
   */
  override exportSlot(_k: number, values: Float32Array): Float32Array {
    const lr = this.lastRate();
    return values.map((v) => -v / lr);
  }
  override importSlot(_k: number, values: Float32Array): Float32Array {
    const lr = this.lastRate();
    return values.map((a) => -a * lr);
  }
  /** tfjs's class name: 'Momentum' with momentum, else 'SGD'. */
  override getClassName(): string {
    return this.momentum > 0 ? 'Momentum' : 'SGD';
  }
  getConfig(): Record<string, number | boolean | string> {
    const c: Record<string, number | boolean | string> = { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
    if (this.weightDecay !== 0) Object.assign(c, { weight_decay: this.weightDecay, weight_decay_mode: this.weightDecayMode });
    return c;
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

export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

/**
 * `'adam'` (any case) or an Optimizer instance → an Optimizer, with the defaults tfjs-layers uses
 * for `compile({ optimizer: name })`.
 */
export function getOptimizer(o: OptimizerName | string | Optimizer): Optimizer {
  if (o instanceof Optimizer) return o;
  switch (typeof o === 'string' ? o.toLowerCase() : o) {
    case 'adam':
      return new Adam();
    case 'adamw':
      return new AdamW();
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
      throw new ValueError(`compile: unknown optimizer ${JSON.stringify(o)}. Expected 'adam', 'adamw', 'sgd', 'rmsprop', 'adagrad', 'adadelta', 'adamax' or an optimizer from ck.train`);
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
  /** AdamW: Adam with decoupled weight decay (Keras 3 `AdamW`; default weightDecay 0.004). */
  adamw: (a: AdamArgs | number = {}, weightDecay?: number): AdamW => new AdamW(typeof a === 'number' ? { learningRate: a, weightDecay } : a),
  adagrad: (a: AdagradArgs | number = {}, initialAccumulatorValue?: number): Adagrad =>
    new Adagrad(typeof a === 'number' ? { learningRate: a, initialAccumulatorValue } : a),
  adadelta: (a: AdadeltaArgs | number = {}, rho?: number, epsilon?: number | null): Adadelta =>
    new Adadelta(typeof a === 'number' ? { learningRate: a, rho, epsilon: nullable(epsilon) } : a),
  adamax: (a: AdamaxArgs | number = {}, beta1?: number, beta2?: number, epsilon?: number | null, decay?: number): Adamax =>
    new Adamax(typeof a === 'number' ? { learningRate: a, beta1, beta2, epsilon: nullable(epsilon), decay } : a),
  /** Learning-rate schedules: piecewiseLinear, cosine, oneCycle, warmup, constant. */
  schedules,
};
