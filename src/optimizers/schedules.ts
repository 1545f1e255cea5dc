/**
 * Learning-rate schedules (`ck.train.schedules`, Keras `keras.optimizers.schedules`): functions of
 * the optimizer's step (0 for the first update, Keras's `iterations` before it is incremented)
 * giving the learning rate of that step. Pass one as an optimizer's `learningRate`; the optimizer
 * evaluates it at every update.
 *
 * ```ts
 * const lr = ck.train.schedules.warmup(ck.train.schedules.cosine({ initialLearningRate: 0.1, decaySteps: 900 }), { warmupSteps: 100 });
 * model.compile({ optimizer: ck.train.sgd({ learningRate: lr, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
 * ```
 */
import { ValueError } from '../errors.js';
import { checkArgs } from '../layers/args.js';

/** A learning rate as a function of the 0-based update step. */
export interface LearningRateSchedule {
  (step: number): number;
  /** The schedule's name and settings (Keras-style `{ className, config }`), for display and configs. */
  readonly className: string;
  readonly config: Readonly<Record<string, ScheduleConfigValue>>;
}

/** A value in a schedule's config: a number, a string, a list of numbers or a nested schedule's config. */
export type ScheduleConfigValue = number | string | readonly number[] | ScheduleConfig;

/** A schedule as saved (in a model file's optimizer config): `{ className, config }`. */
export interface ScheduleConfig {
  readonly className: string;
  readonly config: Readonly<Record<string, ScheduleConfigValue>>;
}

function make(className: string, config: LearningRateSchedule['config'], f: (step: number) => number): LearningRateSchedule {
  return Object.assign((step: number) => f(step), { className, config });
}

function finite(v: unknown, name: string, where: string, check: (v: number) => boolean = () => true, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new ValueError(`${where}: ${name} must be ${expected}. Received ${name}=${JSON.stringify(v)}`);
  return v;
}

/**
 * Linear interpolation between knots (`steps[i]`, `values[i]`), constant before the first and
 * after the last: the shape of triangular and warm-up/linear-decay schedules.
 * @example piecewiseLinear([0, 230, 1000], [0.02, 0.1, 0.007])   // airbench's triangle
 * @throws ValueError unless steps are increasing integers ≥ 0 and both lists have the same length ≥ 1
 */
export function piecewiseLinear(steps: readonly number[], values: readonly number[]): LearningRateSchedule {
  const where = 'schedules.piecewiseLinear';
  if (!Array.isArray(steps) || !Array.isArray(values) || steps.length === 0 || steps.length !== values.length)
    throw new ValueError(`${where}: steps and values must be arrays of the same non-zero length. Received ${steps?.length} steps and ${values?.length} values`);
  steps.forEach((s, i) => finite(s, `steps[${i}]`, where, (v) => v >= 0 && (i === 0 || v > steps[i - 1]), 'non-negative and increasing'));
  values.forEach((v, i) => finite(v, `values[${i}]`, where));
  const s = [...steps], v = [...values];
  return make('PiecewiseLinear', { steps: s, values: v }, (step) => {
    if (step <= s[0]) return v[0];
    for (let i = 1; i < s.length; i++) if (step < s[i]) return v[i - 1] + ((v[i] - v[i - 1]) * (step - s[i - 1])) / (s[i] - s[i - 1]);
    return v[v.length - 1];
  });
}

export interface CosineArgs {
  initialLearningRate: number;
  /** Steps over which the rate decays (after any warm-up). */
  decaySteps: number;
  /** The final rate as a fraction of the initial (or warm-up target) rate (default 0). */
  alpha?: number;
  /** Keras 3: a linear warm-up from `initialLearningRate` to this rate first. */
  warmupTarget?: number;
  warmupSteps?: number;
}

/**
 * Cosine decay (Keras `CosineDecay`, Loshchilov & Hutter 2017): lr·((1 − α)·½(1 + cos(π·t/T)) + α)
 * with t = min(step, decaySteps); with `warmupTarget`, a linear ramp from `initialLearningRate` to
 * it over `warmupSteps` first, then the decay from the target (Keras 3).
 */
export function cosine(args: CosineArgs): LearningRateSchedule {
  const where = 'schedules.cosine';
  checkArgs(where, args, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps']);
  const lr0 = finite(args.initialLearningRate, 'initialLearningRate', where, (v) => v >= 0, 'a non-negative number');
  const decay = finite(args.decaySteps, 'decaySteps', where, (v) => v > 0, 'a positive number');
  const alpha = finite(args.alpha ?? 0, 'alpha', where);
  const warmSteps = finite(args.warmupSteps ?? 0, 'warmupSteps', where, (v) => v >= 0, 'a non-negative number');
  const target = args.warmupTarget === undefined ? null : finite(args.warmupTarget, 'warmupTarget', where, (v) => v >= 0, 'a non-negative number');
  if (warmSteps > 0 && target === null) throw new ValueError(`${where}: warmupSteps needs warmupTarget (the rate the warm-up reaches). Received warmupSteps=${warmSteps}`);
  const top = target ?? lr0;
  const config: Record<string, number> = { initialLearningRate: lr0, decaySteps: decay, alpha };
  if (target !== null) Object.assign(config, { warmupTarget: target, warmupSteps: warmSteps });
  return make('CosineDecay', config, (step) => {
    if (step < warmSteps) return lr0 + ((top - lr0) * step) / warmSteps;
    const t = Math.min(step - warmSteps, decay) / decay;
    return top * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  });
}

export interface OneCycleArgs {
  maxLearningRate: number;
  totalSteps: number;
  /** Fraction of the steps spent rising (default 0.3). */
  pctStart?: number;
  /** Start at maxLearningRate / divFactor (default 25). */
  divFactor?: number;
  /** End at the start rate / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** 'cos' (default) or 'linear' interpolation. */
  annealStrategy?: 'cos' | 'linear';
}

/**
 * The one-cycle policy (Smith 2018; PyTorch `OneCycleLR` without momentum cycling): from
 * max/divFactor up to max at step pctStart·totalSteps − 1, then down to max/(divFactor·finalDivFactor)
 * at step totalSteps − 1.
 */
export function oneCycle(args: OneCycleArgs): LearningRateSchedule {
  const where = 'schedules.oneCycle';
  checkArgs(where, args, ['maxLearningRate', 'totalSteps', 'pctStart', 'divFactor', 'finalDivFactor', 'annealStrategy']);
  const max = finite(args.maxLearningRate, 'maxLearningRate', where, (v) => v > 0, 'a positive number');
  const total = finite(args.totalSteps, 'totalSteps', where, (v) => Number.isInteger(v) && v >= 2, 'an integer ≥ 2');
  const pct = finite(args.pctStart ?? 0.3, 'pctStart', where, (v) => v > 0 && v < 1, 'in (0, 1)');
  const div = finite(args.divFactor ?? 25, 'divFactor', where, (v) => v > 0, 'a positive number');
  const finalDiv = finite(args.finalDivFactor ?? 1e4, 'finalDivFactor', where, (v) => v > 0, 'a positive number');
  const strategy = args.annealStrategy ?? 'cos';
  if (strategy !== 'cos' && strategy !== 'linear') throw new ValueError(`${where}: annealStrategy must be 'cos' or 'linear'. Received ${JSON.stringify(strategy)}`);
  const start = max / div, end = start / finalDiv;
  const peak = pct * total - 1, last = total - 1;
  const anneal = (a: number, b: number, f: number): number => (strategy === 'cos' ? b + ((a - b) * (1 + Math.cos(Math.PI * f))) / 2 : a + (b - a) * f);
  return make('OneCycle', { maxLearningRate: max, totalSteps: total, pctStart: pct, divFactor: div, finalDivFactor: finalDiv, annealStrategy: strategy }, (step) => {
    if (step <= peak) return anneal(start, max, peak <= 0 ? 1 : step / peak);
    return anneal(max, end, Math.min(1, (step - peak) / (last - peak)));
  });
}

export interface WarmupArgs {
  warmupSteps: number;
  /** The rate at step 0 (default 0). */
  initialLearningRate?: number;
}

/**
 * A linear warm-up before `after`: from `initialLearningRate` at step 0 to `after(0)` at step
 * `warmupSteps`, then `after(step − warmupSteps)`. `after` may be a constant rate.
 */
export function warmup(after: LearningRateSchedule | number, args: WarmupArgs): LearningRateSchedule {
  const where = 'schedules.warmup';
  checkArgs(where, args, ['warmupSteps', 'initialLearningRate']);
  const steps = finite(args.warmupSteps, 'warmupSteps', where, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  const lr0 = finite(args.initialLearningRate ?? 0, 'initialLearningRate', where);
  const next = typeof after === 'number' ? constant(after) : after;
  if (typeof next !== 'function') throw new ValueError(`${where}: the schedule after the warm-up must be a schedule or a number. Received ${String(after)}`);
  const target = next(0);
  return make('Warmup', { warmupSteps: steps, initialLearningRate: lr0, after: { className: next.className, config: next.config } }, (step) =>
    step < steps ? lr0 + ((target - lr0) * step) / steps : next(step - steps));
}

/** The same rate at every step. */
export function constant(learningRate: number): LearningRateSchedule {
  const lr = finite(learningRate, 'learningRate', 'schedules.constant');
  return make('Constant', { learningRate: lr }, () => lr);
}

/** Whether `v` is a schedule (a function) rather than a fixed rate. */
export function isSchedule(v: unknown): v is LearningRateSchedule {
  return typeof v === 'function';
}

const SCHEDULES: Record<string, (c: Record<string, unknown>) => LearningRateSchedule> = {
  PiecewiseLinear: (c) => piecewiseLinear(c.steps as number[], c.values as number[]),
  CosineDecay: (c) => cosine(c as unknown as CosineArgs),
  OneCycle: (c) => oneCycle(c as unknown as OneCycleArgs),
  Constant: (c) => constant(c.learningRate as number),
  Warmup: ({ after, ...args }) => warmup(scheduleFromConfig(after), args as unknown as WarmupArgs),
};

/**
 * A schedule's `{ className, config }`, for saving (the inverse of `scheduleFromConfig`), or null
 * for a schedule that is a plain function (or a warm-up before one): a file cannot hold it.
 */
export function scheduleConfig(schedule: LearningRateSchedule): ScheduleConfig | null {
  const saved = { className: schedule.className, config: schedule.config };
  try {
    scheduleFromConfig(saved);
  } catch {
    return null;
  }
  return saved;
}

/**
 * Rebuilds a schedule from its saved `{ className, config }` (`scheduleConfig`); its settings are
 * checked as when it was made.
 * @throws ValueError naming an unknown class or a bad setting
 */
export function scheduleFromConfig(saved: unknown): LearningRateSchedule {
  const { className, config } = (typeof saved === 'object' && saved !== null ? saved : {}) as { className?: unknown; config?: unknown };
  const build = typeof className === 'string' && Object.hasOwn(SCHEDULES, className) ? SCHEDULES[className] : undefined;
  if (!build || typeof config !== 'object' || config === null)
    throw new ValueError(`learning-rate schedule ${JSON.stringify(saved)} is not one of ${Object.keys(SCHEDULES).join(', ')} with its config`);
  return build(config as Record<string, unknown>);
}
