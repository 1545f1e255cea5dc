/**
 * The optimizer base (Keras `Optimizer`, with tfjs's API): it owns the step counter and the
 * per-parameter slots (created up front, in persistent memory) and runs each optimizer's update
 * rule. Two calling conventions meet here: the training loop's `applyGradients(params, grads)`,
 * and tfjs's `minimize(f)`, `applyGradients({ name: grad })` / `([{ name, tensor }])`,
 * `getWeights()` and `setWeights(named)` over named variables.
 */
import { tidy } from '../backend/engine.js';
import { variableGrads } from '../autograd/gradients.js';
import { add, mul } from '../autograd/ops.js';
import { DataError, ValueError, fmtShape } from '../errors.js';
import { Tensor, fill } from '../tensor/tensor.js';
import { Variable, registeredVariables } from '../tensor/variable.js';
import { isSchedule, type LearningRateSchedule } from './schedules.js';

/** A tensor with a name (tfjs `NamedTensor`). */
export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Gradients by variable name (tfjs `NamedTensorMap`); null entries are skipped. */
export type NamedGradients = Record<string, Tensor | null | undefined>;

/** Settings for a group of parameters (`optimizer.paramGroup`), as PyTorch's parameter groups. */
export interface ParamOptions {
  /** Multiplies the learning rate (and its schedule) for these parameters (default 1). */
  learningRateScale?: number;
  /** The weight decay of these parameters, instead of the optimizer's `weightDecay`. */
  weightDecay?: number;
  /**
   * false: the parameters are left as they are (slots too) until set back to true, as a
   * PyTorch parameter with `requires_grad = False`; e.g. a bias trained for the first epochs only.
   * `fit` computes no gradient for them, so a frozen first layer also saves the input gradient
   * of the layer after it.
   */
  trainable?: boolean;
  /**
   * The learning rate (or schedule) of these parameters, instead of the optimizer's; as a PyTorch
   * group's `lr`. `learningRateScale` still multiplies it.
   */
  learningRate?: number | LearningRateSchedule;
  /** SGD: the momentum of these parameters, instead of the optimizer's (which must have momentum). */
  momentum?: number;
  /**
   * SGD: orthogonalize the update of these matrices (rank 2 to 4, read as [fan-in, units]) as
   * Muon does (Jordan et al. 2024, "Muon: an optimizer for hidden layers"): the momentum buffer
   * b = m·b + g (PyTorch's form), the direction u = g + m·b with Nesterov (else b), replaced by
   * the nearest semi-orthogonal matrix by a quintic Newton–Schulz iteration (coefficients 3.4445,
   * −4.7750, 2.0315, on u/‖u‖); then p −= lr·u. The update no longer scales with the gradient:
   * its learning rate is a step size (Muon's are around 0.02 to 0.3).
   */
  orthogonalize?: boolean;
  /** Newton–Schulz iterations of `orthogonalize` (default 5; 3 suffice for convolution filters). */
  newtonSchulzSteps?: number;
  /**
   * With `orthogonalize`: rescale p to Frobenius norm √units before each step (airbench's Muon),
   * for weights followed by a normalisation, whose scale the loss does not see.
   */
  normalizeWeights?: boolean;
}

/** How weight decay enters an update (see `SGDArgs.weightDecayMode`). */
export type WeightDecayMode = 'decoupled' | 'l2';

const PARAM_OPTIONS = ['learningRateScale', 'weightDecay', 'trainable', 'learningRate', 'momentum', 'orthogonalize', 'newtonSchulzSteps', 'normalizeWeights'];
/** Options only SGD applies. */
const SGD_OPTIONS = ['momentum', 'orthogonalize', 'newtonSchulzSteps', 'normalizeWeights'];

export abstract class Optimizer {
  /** The class name tfjs and Keras use, e.g. 'Adam'. */
  abstract readonly className: string;
  /** Number of updates applied so far (Keras `iterations`, tfjs `iterations`). */
  iterations = 0;
  private slots = new Map<Tensor, Tensor[]>();
  private groups = new Map<Tensor, ParamOptions>();
  /** Whether the update rule honours `learningRateScale` and `weightDecay` groups. */
  protected readonly supportsGroups: boolean = false;

  /**
   * Gives `params` their own settings (merged with any given before): a learning-rate factor, a
   * weight decay, or `trainable: false` to hold them still.
   * @example optimizer.paramGroup(batchNormBetas, { learningRateScale: 64, weightDecay: 5e-5 })
   * @throws ValueError for an unknown key, a bad value, or a factor or decay this optimizer does not apply
   */
  paramGroup(params: readonly Tensor[], options: ParamOptions): void {
    const where = `${this.className}.paramGroup`;
    for (const k of Object.keys(options)) if (!PARAM_OPTIONS.includes(k)) throw new ValueError(`${where}: unknown option '${k}'. Expected ${PARAM_OPTIONS.join(', ')}`);
    const { learningRateScale, weightDecay, trainable } = options;
    if (learningRateScale !== undefined && !(learningRateScale >= 0 && Number.isFinite(learningRateScale))) throw new ValueError(`${where}: learningRateScale must be a non-negative number. Received learningRateScale=${learningRateScale}`);
    if (weightDecay !== undefined && !(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new ValueError(`${where}: weightDecay must be a non-negative number. Received weightDecay=${weightDecay}`);
    if (trainable !== undefined && typeof trainable !== 'boolean') throw new ValueError(`${where}: trainable must be true or false. Received trainable=${JSON.stringify(trainable)}`);
    const { learningRate, momentum, orthogonalize, newtonSchulzSteps, normalizeWeights } = options;
    if (learningRate !== undefined && !isSchedule(learningRate) && !(typeof learningRate === 'number' && learningRate >= 0 && Number.isFinite(learningRate)))
      throw new ValueError(`${where}: learningRate must be a non-negative number or a schedule. Received learningRate=${String(learningRate)}`);
    if (momentum !== undefined && !(typeof momentum === 'number' && momentum >= 0 && momentum < 1)) throw new ValueError(`${where}: momentum must be in [0, 1). Received momentum=${momentum}`);
    for (const [k, v] of [['orthogonalize', orthogonalize], ['normalizeWeights', normalizeWeights]] as const)
      if (v !== undefined && typeof v !== 'boolean') throw new ValueError(`${where}: ${k} must be true or false. Received ${k}=${JSON.stringify(v)}`);
    if (newtonSchulzSteps !== undefined && !(Number.isInteger(newtonSchulzSteps) && newtonSchulzSteps >= 1 && newtonSchulzSteps <= 20))
      throw new ValueError(`${where}: newtonSchulzSteps must be an integer in [1, 20]. Received newtonSchulzSteps=${newtonSchulzSteps}`);
    if ((learningRateScale !== undefined || weightDecay !== undefined || learningRate !== undefined) && !this.supportsGroups)
      throw new ValueError(`${where}: ${this.className} does not apply per-group learning rates or weight decay (SGD, Adam and AdamW do); only trainable can be set`);
    const sgdOnly = Object.keys(options).filter((k) => SGD_OPTIONS.includes(k));
    if (sgdOnly.length && this.className !== 'SGD') throw new ValueError(`${where}: ${sgdOnly.join(', ')} ${sgdOnly.length > 1 ? 'are' : 'is'} applied by SGD only. Received them for ${this.className}`);
    this.checkGroup(options, where);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(`${where}: params must be tensors (e.g. model.trainableWeights). Received ${String(p)}`);
      this.groups.set(p, { ...this.groups.get(p), ...options });
    }
  }

  /** A subclass's further checks of paramGroup options (throws a ValueError naming `where`). */
  protected checkGroup(_options: ParamOptions, _where: string): void {}

  /** The settings of p's group ({} when it has none). */
  paramOptions(p: Tensor): ParamOptions {
    return this.groups.get(p) ?? {};
  }

  /** The learning rate of p at update `step` (1-based): the schedule at step − 1, times p's factor. */
  protected rateFor(rate: number | LearningRateSchedule, p: Tensor, step: number): number {
    const group = this.groups.get(p);
    const r = group?.learningRate ?? rate;
    const base = isSchedule(r) ? r(step - 1) : r;
    return base * (group?.learningRateScale ?? 1);
  }

  /**
   * Applies weight decay `wd` to p at learning rate `lr` and returns the gradient to use:
   * 'decoupled' shrinks p by lr·wd·p before the step (Loshchilov & Hutter; Keras 3's `weight_decay`,
   * PyTorch's AdamW); 'l2' adds wd·p to the gradient (PyTorch SGD's and Adam's `weight_decay`, the
   * gradient of ½·wd·‖p‖²), which then passes through momentum. Call inside a tidy.
   */
  protected decayed(p: Tensor, g: Tensor, lr: number, wd: number, mode: WeightDecayMode): Tensor {
    if (wd === 0) return g;
    if (mode === 'l2') return add(g, mul(p, wd));
    p.backend.scale(p.storage, 1 - lr * wd, p.storage, p.size, false);
    return g;
  }

  /** Names of the per-parameter state tensors as tfjs saves them (`<variable>/<slot>`), e.g. ['m', 'v']. */
  abstract slotNames(): string[];
  /** Slot k's values as tfjs stores them (where cnnkit keeps the state in another form), and back. */
  exportSlot(_k: number, values: Float32Array): Float32Array {
    return values;
  }
  importSlot(_k: number, values: Float32Array): Float32Array {
    return values;
  }
  /** The value each slot starts from (zeros unless overridden). */
  protected slotInitialValue(_k: number): number {
    return 0;
  }
  /**
   * Applies the update rule to one float32 parameter in place, given its gradient, its slots and
   * the 1-based step. Rules run as a fused backend kernel or as ops (then inside a tidy).
   */
  protected abstract update(p: Tensor, g: Tensor, slots: Tensor[], step: number): void;
  abstract getConfig(): Record<string, number | boolean | string>;

  /** tfjs `getClassName()`. */
  getClassName(): string {
    return this.className;
  }

  /**
   * Creates the slots of `params` up front, outside any training step, so that state lives in
   * persistent memory and the steps allocate nothing.
   */
  build(params: readonly Tensor[]): void {
    for (const p of params) {
      if (this.slots.has(p)) continue;
      const slots = this.slotNames().map((_, k) => fill(p.shape, this.slotInitialValue(k)));
      // Optimizer state outlives any tidy it is created in (tfjs keeps it in variables).
      for (const s of slots) s.kept = true;
      this.slots.set(p, slots);
    }
  }

  /**
   * One update of every parameter with its gradient. Two forms:
   * - `applyGradients(params, grads)`: tensors and their gradients, in order (the training loop);
   * - `applyGradients({ name: grad })` or `applyGradients([{ name, tensor }])` (tfjs): gradients of
   *   registered variables by name; null gradients are skipped.
   */
  applyGradients(params: readonly Tensor[], grads: readonly Tensor[]): void;
  applyGradients(variableGradients: NamedGradients | readonly NamedTensor[]): void;
  applyGradients(a: readonly Tensor[] | NamedGradients | readonly NamedTensor[], b?: readonly Tensor[]): void {
    if (b !== undefined) return this.applyPairs(a as readonly Tensor[], b);
    const entries: [string, Tensor | null | undefined][] = Array.isArray(a)
      ? (a as readonly NamedTensor[]).map((e) => [e?.name, e?.tensor])
      : Object.entries(a as NamedGradients);
    const params: Tensor[] = [], grads: Tensor[] = [];
    for (const [name, g] of entries) {
      if (g === null || g === undefined) continue;
      const v = registeredVariables().get(name);
      if (!v) throw new ValueError(`${this.className}.applyGradients: no variable named '${name}' is registered (gradients are matched to ck.variable names)`);
      params.push(v);
      grads.push(g);
    }
    this.applyPairs(params, grads);
  }

  private applyPairs(params: readonly Tensor[], grads: readonly Tensor[]): void {
    if (params.length !== grads.length) throw new ValueError(`${this.className}.applyGradients: ${params.length} parameters but ${grads.length} gradients`);
    params.forEach((p, i) => {
      const g = grads[i];
      if (g.size !== p.size) throw new ValueError(`${this.className}.applyGradients: gradient ${fmtShape(g.shape)} does not match parameter ${fmtShape(p.shape)}`);
      if (p.dtype !== 'float32') throw new ValueError(`${this.className}.applyGradients: parameters must be float32. Received ${p.dtype} ${fmtShape(p.shape)}`);
    });
    this.iterations++;
    params.forEach((p, i) => {
      if (this.groups.get(p)?.trainable === false) return;
      let slots = this.slots.get(p);
      if (!slots) {
        this.build([p]);
        slots = this.slots.get(p) as Tensor[];
      }
      this.update(p, grads[i], slots, this.iterations);
    });
  }

  /**
   * Computes the gradients of the scalar f() and applies them (tfjs `minimize`): to `varList`, or
   * to every registered trainable variable. Returns the cost when `returnCost`, else null.
   * @example optimizer.minimize(() => ck.losses.meanSquaredError(ys, predict(xs)));
   */
  minimize(f: () => Tensor, returnCost = false, varList?: readonly Variable[]): Tensor | null {
    const { value, grads } = this.computeGradients(f, varList);
    try {
      if (varList) this.applyGradients(varList.map((v) => ({ name: v.name, tensor: grads[v.name] as Tensor })));
      else this.applyGradients(grads);
    } finally {
      for (const g of Object.values(grads)) g?.dispose();
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  /** The value of f() and its gradients by variable name (tfjs `computeGradients` = `variableGrads`). */
  computeGradients(f: () => Tensor, varList?: readonly Variable[]): { value: Tensor; grads: Record<string, Tensor | null> } {
    return variableGrads(f, varList);
  }

  /**
   * The optimizer state. Without arguments (tfjs): resolves to `[{ name: 'iter' }, ...slots]` with
   * slots named `<variable>/<slot>`, all of one slot kind before the next (tfjs order). With
   * `params`: the slot tensors in parameter order, [...slots of p0, ...slots of p1] (checkpoints).
   */
  getWeights(): Promise<NamedTensor[]>;
  getWeights(params: readonly Tensor[]): Tensor[];
  getWeights(params?: readonly Tensor[]): Tensor[] | Promise<NamedTensor[]> {
    if (params) {
      this.build(params);
      return params.flatMap((p) => this.slots.get(p) as Tensor[]);
    }
    return this.namedWeights();
  }

  private async namedWeights(): Promise<NamedTensor[]> {
    const names = this.slotNames();
    const entries = [...this.slots.entries()];
    const out: NamedTensor[] = [{ name: 'iter', tensor: Tensor.fromValues([], [this.iterations], 'int32') }];
    for (let k = 0; k < names.length; k++)
      for (let i = 0; i < entries.length; i++) {
        const [p, s] = entries[i];
        const raw = Float32Array.from(await s[k].data());
        const values = this.exportSlot(k, raw);
        out.push({ name: `${p instanceof Variable ? p.name : String(i)}/${names[k]}`, tensor: values === raw ? s[k] : Tensor.fromValues(s[k].shape, values) });
      }
    return out;
  }

  /**
   * Restores the state. tfjs form: `setWeights([{ name: 'iter', tensor }, { name: '<var>/<slot>', tensor }, ...])`
   * with slots matched to registered variables by name. Checkpoint form: `setWeights(params,
   * values, iterations)` with values in `getWeights(params)` order.
   */
  setWeights(weights: readonly NamedTensor[]): Promise<void>;
  setWeights(params: readonly Tensor[], values: readonly Float32Array[], iterations: number): void;
  setWeights(a: readonly NamedTensor[] | readonly Tensor[], values?: readonly Float32Array[], iterations?: number): void | Promise<void> {
    if (values !== undefined) return this.setSlotValues(a as readonly Tensor[], values, iterations ?? 0);
    return this.setNamedWeights(a as readonly NamedTensor[]);
  }

  private setSlotValues(params: readonly Tensor[], values: readonly Float32Array[], iterations: number): void {
    const slots = this.getWeights(params);
    if (values.length !== slots.length) throw new ValueError(`${this.className}: optimizer state has ${slots.length} arrays. Received ${values.length}`);
    slots.forEach((s, i) => {
      if (values[i].length !== s.size) throw new ValueError(`${this.className}: optimizer state array ${i} has ${s.size} values. Received ${values[i].length}`);
      s.backend.write(s.storage, values[i]);
    });
    this.iterations = iterations;
  }

  private async setNamedWeights(weights: readonly NamedTensor[]): Promise<void> {
    const [iter, ...rest] = weights;
    if (!iter || iter.name !== 'iter') throw new DataError(`${this.className}.setWeights: the first weight must be 'iter' (the step counter). Received ${JSON.stringify(iter?.name)}`);
    const names = this.slotNames();
    // The step counter first: a slot's stored form may depend on the rate of the latest step (SGD).
    this.iterations = (await iter.tensor.data())[0];
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const varName = name.slice(0, cut), slot = name.slice(cut + 1);
      const k = names.indexOf(slot);
      const v = registeredVariables().get(varName);
      if (k < 0 || !v) throw new DataError(`${this.className}.setWeights: '${name}' names no slot of a registered variable (slots: ${names.join(', ')})`);
      this.build([v]);
      const s = (this.slots.get(v) as Tensor[])[k];
      if (tensor.size !== s.size) throw new DataError(`${this.className}.setWeights: '${name}' has shape ${fmtShape(tensor.shape)}, expected ${fmtShape(s.shape)}`);
      s.backend.write(s.storage, this.importSlot(k, Float32Array.from(await tensor.data())));
    }
  }

  /** Frees every slot. */
  dispose(): void {
    for (const slots of this.slots.values()) for (const t of slots) t.dispose();
    this.slots.clear();
    this.groups.clear();
  }
}

/** Runs an ops-based update rule in a tidy and writes its results into `targets` in place. */
export function writeUpdate(targets: readonly Tensor[], compute: () => Tensor[]): void {
  tidy(() => {
    const results = compute();
    targets.forEach((t, i) => t.backend.copy(results[i].storage, 0, t.storage, 0, t.size));
  });
}

/** Throws unless v is a positive finite number. */
export function positive(v: number, name: string, where: string): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new ValueError(`${where}: ${name} must be a positive number. Received ${name}=${v}`);
  return v;
}

/** Throws unless v is in [0, 1). */
export function fraction(v: number, name: string, where: string): number {
  if (!(typeof v === 'number' && v >= 0 && v < 1)) throw new ValueError(`${where}: ${name} must be in [0, 1). Received ${name}=${v}`);
  return v;
}
