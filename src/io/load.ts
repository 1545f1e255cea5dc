/**
 * `ck.loadLayersModel`: builds a model (Sequential or graph) from tfjs layers-model artifacts, after checking
 * every part (topology, manifest, byte counts, names, shapes). A fault anywhere gives one DataError
 * naming the source and the fault, and no half-loaded model. A stored trainingConfig compiles the
 * model when cnnkit has its loss and optimizer (else the model loads uncompiled, for inference).
 */
import { DataError, ValueError } from '../errors.js';
import { resolveLoss, type LossSpec } from '../losses/index.js';
import type { LayersModel } from '../models/model.js';
import { Adadelta, Adagrad, Adam, Adamax, RMSprop, SGD, type Optimizer, type ParamOptions } from '../optimizers/optimizer.js';
import { scheduleFromConfig, type LearningRateSchedule } from '../optimizers/schedules.js';
import { Tensor } from '../tensor/tensor.js';
import { loadHandlerFor } from './router.js';
import { UNSAVED_SCHEDULE, type SlotForm } from './save.js';
import { modelFromTopology } from './topology.js';
import type { IOHandler, ModelArtifacts, TrainingConfig } from './types.js';
import { checkWeightSpecs, decodeWeights, type NamedWeight } from './weights.js';

/** Options of `loadLayersModel`. */
export interface LoadOptions {
  /** Require every weight of the model in the file and no other model weights (default true). */
  strict?: boolean;
}

/** A schedule saved by cnnkit (`{ className, config }`), rebuilt; `what` names its owner in errors. */
function savedSchedule(saved: unknown, what: string, where: string): LearningRateSchedule {
  if (saved === UNSAVED_SCHEDULE)
    throw new DataError(`${where}: ${what}'s learning-rate schedule was a plain function when saved, which a file cannot hold; compile the loaded model with it again`);
  try {
    return scheduleFromConfig(saved);
  } catch (e) {
    throw new DataError(`${where}: ${what}: ${(e as Error).message}`);
  }
}

/**
 * The parameter groups cnnkit saves beside tfjs's keys (`paramGroups`: `optimizer.paramGroup`
 * options by variable name), set on `optimizer` for the model's variables of those names.
 */
function restoreGroups(optimizer: Optimizer, groups: unknown, model: LayersModel, where: string): void {
  if (typeof groups !== 'object' || groups === null || Array.isArray(groups)) throw new DataError(`${where}: optimizer paramGroups must be an object of options by variable name. Received ${JSON.stringify(groups)}`);
  const variables = new Map(model.layers.flatMap((l) => l.weights).map((v) => [v.name, v.tensor]));
  for (const [name, options] of Object.entries(groups)) {
    const tensor = variables.get(name);
    if (!tensor) throw new DataError(`${where}: optimizer paramGroups name '${name}', which is no variable of the model`);
    if (typeof options !== 'object' || options === null) throw new DataError(`${where}: optimizer paramGroups['${name}'] must be an object of options. Received ${JSON.stringify(options)}`);
    const o = { ...(options as ParamOptions) };
    if (o.learningRate !== undefined && typeof o.learningRate !== 'number') o.learningRate = savedSchedule(o.learningRate, `the parameter group of '${name}'`, where);
    try {
      optimizer.paramGroup([tensor], o);
    } catch (e) {
      throw new DataError(`${where}: optimizer paramGroups['${name}']: ${(e as Error).message}`);
    }
  }
}

function optimizerFrom(cfg: TrainingConfig['optimizer_config'], model: LayersModel, where: string): Optimizer {
  const optimizer = baseOptimizerFrom(cfg, where);
  const groups = (cfg.config as Record<string, unknown> | undefined)?.paramGroups;
  if (groups !== undefined) restoreGroups(optimizer, groups, model, where);
  return optimizer;
}

function baseOptimizerFrom(cfg: TrainingConfig['optimizer_config'], where: string): Optimizer {
  const c = (cfg.config ?? {}) as Record<string, number | boolean | undefined>;
  const pick = (...keys: string[]): number | undefined => keys.map((k) => c[k]).find((v) => typeof v === 'number') as number | undefined;
  // A schedule cnnkit saved beside tfjs's (step-0) rate; only Adam and SGD take one.
  const scheduleSaved = (cfg.config as Record<string, unknown> | undefined)?.learningRateSchedule;
  if (scheduleSaved !== undefined && !['Adam', 'SGD', 'Momentum'].includes(cfg.class_name))
    throw new DataError(`${where}: optimizer ${cfg.class_name} takes no learningRateSchedule (Adam and SGD do)`);
  const rate = (): number | LearningRateSchedule | undefined => (scheduleSaved !== undefined ? savedSchedule(scheduleSaved, 'the optimizer', where) : pick('learning_rate', 'learningRate', 'lr'));
  // Weight decay as cnnkit writes it beside tfjs's keys (absent in tfjs's own files).
  const decay = (): { weightDecay?: number; weightDecayMode?: 'decoupled' | 'l2' } => {
    const wd = pick('weightDecay', 'weight_decay');
    if (wd === undefined) return {};
    const mode = (cfg.config as Record<string, unknown> | undefined)?.weightDecayMode ?? 'decoupled';
    if (mode !== 'decoupled' && mode !== 'l2') throw new DataError(`${where}: optimizer weightDecayMode must be 'decoupled' or 'l2'. Received ${JSON.stringify(mode)}`);
    return { weightDecay: wd, weightDecayMode: mode };
  };
  switch (cfg.class_name) {
    case 'Adam':
      return new Adam({ learningRate: rate(), beta1: pick('beta_1', 'beta1'), beta2: pick('beta_2', 'beta2'), epsilon: pick('epsilon'), ...decay() });
    case 'SGD':
    case 'Momentum':
      return new SGD({ learningRate: rate(), momentum: pick('momentum'), nesterov: c.nesterov === true || c.useNesterov === true, ...decay() });
    case 'RMSprop':
    case 'RMSProp':
      return new RMSprop({ learningRate: pick('learning_rate', 'learningRate', 'lr'), rho: pick('rho', 'decay'), momentum: pick('momentum'), epsilon: pick('epsilon'), centered: c.centered === true });
    case 'Adagrad':
      return new Adagrad({ learningRate: pick('learning_rate', 'learningRate', 'lr'), initialAccumulatorValue: pick('initial_accumulator_value', 'initialAccumulatorValue') });
    case 'Adadelta':
      return new Adadelta({ learningRate: pick('learning_rate', 'learningRate', 'lr'), rho: pick('rho'), epsilon: pick('epsilon') });
    case 'Adamax':
      return new Adamax({ learningRate: pick('learning_rate', 'learningRate', 'lr'), beta1: pick('beta_1', 'beta1'), beta2: pick('beta_2', 'beta2'), epsilon: pick('epsilon'), decay: pick('decay') });
    default:
      throw new DataError(`${where}: optimizer class ${JSON.stringify(cfg.class_name)} is not supported (expected Adam, SGD, Momentum, RMSprop, Adagrad, Adadelta or Adamax)`);
  }
}

/** Compiles `model` from a stored training config; restores optimizer state when the file has it. */
function applyTraining(model: LayersModel, tc: unknown, optWeights: NamedWeight[], where: string): void {
  if (typeof tc !== 'object' || tc === null) {
    if (optWeights.length) throw new DataError(`${where}: the file holds optimizer weights but no trainingConfig to say which optimizer`);
    return;
  }
  const t = tc as TrainingConfig;
  try {
    if (typeof t.optimizer_config !== 'object' || t.optimizer_config === null) throw new DataError(`${where}: trainingConfig has no optimizer_config`);
    const lossOf = (l: unknown): LossSpec => resolveLoss(typeof l === 'string' ? l : (l as { name?: string })?.name ?? '');
    const loss = Array.isArray(t.loss) ? t.loss.map(lossOf) : typeof t.loss === 'object' && t.loss !== null
      ? Object.fromEntries(Object.entries(t.loss).map(([k, v]) => [k, lossOf(v)])) : lossOf(t.loss);
    // Metrics by name (compile refuses a name it does not know, as tfjs does: the model then loads uncompiled).
    const keep = (ms: unknown): string[] => (Array.isArray(ms) ? ms.filter((m): m is string => typeof m === 'string') : typeof ms === 'string' ? [ms] : []);
    const metrics = Array.isArray(t.metrics) ? keep(t.metrics) : typeof t.metrics === 'object' && t.metrics !== null
      ? Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, keep(v)])) : [];
    model.compile({ optimizer: optimizerFrom(t.optimizer_config, model, where), loss, metrics });
  } catch (e) {
    // Compile settings cnnkit lacks (another loss or optimizer) leave the model uncompiled for
    // inference; optimizer state without a usable optimizer is a fault.
    if (!optWeights.length) return;
    throw new DataError(`${where}: trainingConfig: ${(e as Error).message.replace(`${where}: `, '')}`);
  }
  if (optWeights.length) setOptimizerState(model, optWeights, where);
}

/**
 * Restores the compiled model's optimizer from stored optimizer weights (`iter` and slots named
 * like tfjs, `dense/kernel/m`), matched by name; throws a DataError naming `where` on a mismatch.
 */
export function setOptimizerState(model: LayersModel, optWeights: readonly NamedWeight[], where: string, slotForm: SlotForm = 'tfjs'): void {
  const opt = model.optimizer;
  if (!opt) throw new DataError(`${where}: optimizer state cannot be restored into an uncompiled model`);
  const iter = optWeights.find((w) => w.spec.name === 'iter' || w.spec.name.endsWith('/iter'));
  const params = model.trainableWeights;
  const vars = model.layers.flatMap((l) => l.trainableWeights);
  const expected = opt.getWeights(params);
  const per = vars.length ? expected.length / vars.length : 0;
  const slotNames = opt.slotNames();
  const byName = new Map(optWeights.map((w) => [w.spec.name, w.values]));
  // The step counter first: a slot's stored form may depend on the rate of the latest step (SGD).
  opt.iterations = iter ? iter.values[0] : 0;
  // tfjs creates slots on the first step: a model compiled but never trained stores only `iter`.
  if (optWeights.every((w) => w === iter)) return;
  // Slots are matched by tfjs name (`dense/kernel/m`); arrays cnnkit's optimizer lacks must be zero (e.g. tfjs RMSProp's momentum).
  const values = expected.map((s, j) => {
    const name = `${vars[Math.floor(j / per)].name}/${slotNames[j % per]}`;
    const v = byName.get(name);
    if (!v || v.length !== s.size) throw new DataError(`${where}: optimizer weight '${name}' ${v ? `has ${v.length} values, expected ${s.size}` : 'is missing'}`);
    byName.delete(name);
    return slotForm === 'raw' ? Float32Array.from(v) : opt.importSlot(j % per, Float32Array.from(v));
  });
  if (iter) byName.delete(iter.spec.name);
  for (const [name, v] of byName) if (v.some((x) => x !== 0)) throw new DataError(`${where}: optimizer weight '${name}' has no counterpart in cnnkit's ${opt.className}`);
  opt.setWeights(params, values, iter ? iter.values[0] : 0);
}

/**
 * Builds a model from in-memory artifacts. `where` names the source (file) in error messages.
 * Model weights are matched by name (`conv2d/kernel`) and shape; nothing is set until all match.
 */
export function modelFromArtifacts(a: ModelArtifacts, where = 'model artifacts', options: LoadOptions = {}): LayersModel {
  const { strict = true } = options;
  if (typeof a !== 'object' || a === null) throw new DataError(`${where}: expected model artifacts. Received ${String(a)}`);
  if (a.format !== undefined && a.format !== 'layers-model')
    throw new DataError(`${where}: format ${JSON.stringify(a.format)} is not a layers model (cnnkit reads format 'layers-model')`);
  const specs = checkWeightSpecs(a.weightSpecs ?? [], where);
  const manifestValues = specs.filter((w) => w.group !== 'optimizer').reduce((n, w) => n + w.shape.reduce((p, d) => p * d, 1), 0);
  // Layers are built before their weights are matched: a topology asking for far more weights than
  // the file holds (a huge allocation) is refused first; small mismatches get the precise message below.
  const model = modelFromTopology(a.modelTopology, where, strict ? manifestValues + 2 ** 20 : Infinity);
  const data = a.weightData ?? new ArrayBuffer(0);
  if (!(data instanceof ArrayBuffer)) throw new DataError(`${where}: weightData must be an ArrayBuffer`);
  const decoded = decodeWeights(specs, data, where);
  const modelWeights = new Map<string, NamedWeight>();
  const optWeights: NamedWeight[] = [];
  for (const w of decoded) {
    if (w.spec.group === 'optimizer') optWeights.push(w);
    else modelWeights.set(w.spec.name, w);
  }
  const vars = model.layers.flatMap((l) => l.weights);
  const values: Tensor[] = [];
  for (const v of vars) {
    const w = modelWeights.get(v.name);
    if (!w) {
      if (strict) throw new DataError(`${where}: weight '${v.name}' of the model is missing from the weights manifest`);
      values.push(Tensor.fromValues(v.tensor.shape, v.tensor.dataSync()));
      continue;
    }
    const want = v.tensor.shape;
    if (w.spec.shape.length !== want.length || w.spec.shape.some((d, i) => d !== want[i]))
      throw new DataError(`${where}: weight '${v.name}' has shape [${w.spec.shape}] in the manifest but the layer needs [${want}]`);
    if (w.spec.dtype !== 'float32') throw new DataError(`${where}: weight '${v.name}' must be float32. Received ${w.spec.dtype}`);
    modelWeights.delete(v.name);
    values.push(Tensor.fromValues(want, w.values));
  }
  if (strict && modelWeights.size > 0)
    throw new DataError(`${where}: the manifest has weights no layer of the model uses: ${[...modelWeights.keys()].slice(0, 5).join(', ')}`);
  // Layer by layer (the model's own order puts trainable weights first, as tfjs does).
  vars.forEach((v, i) => v.write(values[i]));
  applyTraining(model, a.trainingConfig, optWeights, where);
  if (a.userDefinedMetadata !== undefined) {
    const m = a.userDefinedMetadata as unknown;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new DataError(`${where}: userDefinedMetadata must be a JSON object. Received ${JSON.stringify(m)?.slice(0, 40)}`);
    model.setUserDefinedMetadata(m as Record<string, unknown>);
  }
  return model;
}

/** Loads a tfjs layers model from a URL (`'file://dir/model.json'` or a path, Node.js) or an IOHandler. */
export async function loadLayersModel(source: string | IOHandler, options: LoadOptions = {}): Promise<LayersModel> {
  const handler = typeof source === 'string' ? loadHandlerFor(source) : source;
  if (!handler || typeof handler.load !== 'function') throw new ValueError('loadLayersModel: the handler cannot load (it has no load method)');
  const artifacts = await handler.load();
  const where = (handler as { source?: string }).source ?? (typeof source === 'string' ? source : 'model artifacts');
  return modelFromArtifacts(artifacts, where, options);
}
