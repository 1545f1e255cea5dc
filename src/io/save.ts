/**
 * `model.save`: the model as tfjs layers-model artifacts (Keras JSON topology, weight specs named
 * `<layer>/<weight>`, little-endian float32 data), handed to an IOHandler or a URL's handler.
 * Imports only types of the model, so the model can delegate here without an import cycle.
 */
import { ValueError } from '../errors.js';
import { Adadelta, Adagrad, Adam, Adamax, RMSprop, SGD, type Optimizer } from '../optimizers/optimizer.js';
import type { LayersModel } from '../models/model.js';
import { isSchedule, scheduleConfig, type LearningRateSchedule, type ScheduleConfig } from '../optimizers/schedules.js';
import type { Tensor } from '../tensor/tensor.js';
import { convertTsToPythonic } from '../util/serialization.js';
import { saveHandlerFor } from './router.js';
import type { IOHandler, ModelArtifacts, SaveConfig, SaveResult, TrainingConfig } from './types.js';
import { encodeWeights, type NamedWeight } from './weights.js';

/** What `keras_version` and `backend` say in saved files (the values tfjs writes, so its readers accept them). */
export const KERAS_VERSION = 'tfjs-layers 4.22.0';
export const KERAS_BACKEND = 'tensor_flow.js';
/** `generatedBy` of saved files. */
export const GENERATED_BY = 'cnnkit 0.1.0';


/**
 * The model's Keras JSON topology, as tfjs `model.toJSON(null, false)` writes it: class
 * 'Sequential' or 'Model', the camelCase config in snake_case (tfjs's converter).
 */
export function modelTopology(model: LayersModel): Record<string, unknown> {
  return { class_name: model.getClassName(), config: convertTsToPythonic(model.getConfig()), keras_version: KERAS_VERSION, backend: KERAS_BACKEND };
}

/** How optimizer slots are written: tfjs's form, or cnnkit's own values (see namedWeights). */
export type SlotForm = 'tfjs' | 'raw';

/**
 * The model's weights (and with `includeOptimizer`, the optimizer's step counter and slots), named.
 * Slots are in tfjs's form (`'tfjs'`, what tfjs reads) or as cnnkit holds them (`'raw'`, for
 * backups: converting to tfjs's form and back rounds, and a resumed run would drift).
 */
export async function namedWeights(model: LayersModel, includeOptimizer = false, slotForm: SlotForm = 'tfjs'): Promise<NamedWeight[]> {
  const out: NamedWeight[] = [];
  // Read asynchronously (a backend need not allow synchronous reads; backups run inside fit).
  for (const l of model.layers)
    for (const v of l.weights) out.push({ spec: { name: v.name, shape: [...v.tensor.shape], dtype: 'float32' }, values: Float32Array.from(await v.tensor.data()) });
  if (includeOptimizer && model.optimizer) {
    // tfjs order: the step counter, then each slot kind for all variables (all m, then all v).
    const opt = model.optimizer;
    const vars = model.layers.flatMap((l) => l.trainableWeights);
    const slots = opt.getWeights(vars.map((v) => v.tensor));
    const per = vars.length ? slots.length / vars.length : 0;
    const names = opt.slotNames();
    out.push({ spec: { name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' }, values: Int32Array.of(opt.iterations) });
    for (let k = 0; k < per; k++)
      for (let i = 0; i < vars.length; i++) {
        const s = slots[i * per + k];
        const raw = Float32Array.from(await s.data());
        out.push({ spec: { name: `${vars[i].name}/${names[k]}`, shape: [...s.shape], dtype: 'float32', group: 'optimizer' }, values: slotForm === 'raw' ? raw : opt.exportSlot(k, raw) });
      }
  }
  return out;
}

/** The marker saved for a schedule a file cannot hold (a plain function); loading it is refused. */
export const UNSAVED_SCHEDULE = 'unsaved: a plain function';

/**
 * What tfjs's config cannot say, as extra keys cnnkit's loader restores (tfjs ignores them): the
 * learning-rate schedule (`learningRateSchedule`, `{ className, config }`) and the parameter
 * groups (`paramGroups`, the options of `optimizer.paramGroup` by variable name).
 */
function optimizerExtras(o: Optimizer, variables: readonly { name: string; tensor: Tensor }[]): Record<string, unknown> {
  const saved = (s: LearningRateSchedule): ScheduleConfig | string => scheduleConfig(s) ?? UNSAVED_SCHEDULE;
  const out: Record<string, unknown> = {};
  const schedule = (o as { schedule?: LearningRateSchedule | null }).schedule;
  if (schedule) out.learningRateSchedule = saved(schedule);
  const groups: Record<string, unknown> = {};
  for (const { name, tensor } of variables) {
    const g = o.paramOptions(tensor);
    if (Object.keys(g).length === 0) continue;
    groups[name] = isSchedule(g.learningRate) ? { ...g, learningRate: saved(g.learningRate) } : { ...g };
  }
  if (Object.keys(groups).length > 0) out.paramGroups = groups;
  return out;
}

/** The optimizer as tfjs serializes it (class and camelCase config that tfjs's `fromConfig` reads), with cnnkit's extra keys. */
function tfjsOptimizerConfig(o: Optimizer, variables: readonly { name: string; tensor: Tensor }[]): TrainingConfig['optimizer_config'] {
  const { class_name, config } = tfjsOptimizerBase(o);
  return { class_name, config: { ...config, ...optimizerExtras(o, variables) } };
}

function tfjsOptimizerBase(o: Optimizer): TrainingConfig['optimizer_config'] {
  // Weight decay (AdamW, or Adam/SGD with weightDecay) rides along as extra keys: tfjs's fromConfig
  // reads the keys it knows and ignores these, cnnkit's loader restores them.
  const decay = (x: { weightDecay: number; weightDecayMode: string }) => (x.weightDecay > 0 ? { weightDecay: x.weightDecay, weightDecayMode: x.weightDecayMode } : {});
  if (o instanceof Adam) return { class_name: 'Adam', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, ...decay(o) } };
  if (o instanceof RMSprop) return { class_name: 'RMSProp', config: { learningRate: o.learningRate, decay: o.rho, momentum: o.momentum, epsilon: o.epsilon, centered: o.centered } };
  if (o instanceof Adagrad) return { class_name: 'Adagrad', config: { learningRate: o.learningRate, initialAccumulatorValue: o.initialAccumulatorValue } };
  if (o instanceof Adadelta) return { class_name: 'Adadelta', config: { learningRate: o.learningRate, rho: o.rho, epsilon: o.epsilon } };
  if (o instanceof Adamax) return { class_name: 'Adamax', config: { learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decay: o.decay } };
  if (o instanceof SGD)
    return o.momentum > 0
      ? { class_name: 'Momentum', config: { learningRate: o.learningRate, momentum: o.momentum, useNesterov: o.nesterov, ...decay(o) } }
      : { class_name: 'SGD', config: { learningRate: o.learningRate, ...decay(o) } };
  return { class_name: o.className, config: { ...o.getConfig() } };
}

/** Compile settings as tfjs stores them, or undefined for an uncompiled model. */
export function trainingConfig(model: LayersModel): TrainingConfig | undefined {
  if (!model.optimizer || !model.lossFunctions.length) return undefined;
  const names = model.outputNames;
  const losses = model.lossFunctions.map((l) => l.name);
  // As tfjs stores them: one loss (and metric list) for all outputs, else one per output.
  const metrics = model.outputMetrics;
  const sameMetrics = metrics.every((m) => JSON.stringify(m) === JSON.stringify(metrics[0]));
  return {
    loss: losses.every((l) => l === losses[0]) ? losses[0] : losses,
    metrics: sameMetrics ? [...metrics[0]] : Object.fromEntries(names.map((n, i) => [n, [...metrics[i]]])),
    optimizer_config: tfjsOptimizerConfig(model.optimizer, model.layers.flatMap((l) => l.weights)),
  };
}

/** The model as in-memory artifacts (tfjs `ModelArtifacts`). */
export async function modelArtifacts(model: LayersModel, config: SaveConfig = {}, slotForm: SlotForm = 'tfjs'): Promise<ModelArtifacts> {
  const { weightSpecs, weightData } = encodeWeights(await namedWeights(model, config.includeOptimizer, slotForm));
  const training = trainingConfig(model);
  const metadata = model.getUserDefinedMetadata();
  return {
    modelTopology: modelTopology(model), weightSpecs, weightData, format: 'layers-model', generatedBy: GENERATED_BY, convertedBy: null,
    ...(training ? { trainingConfig: training } : {}),
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
}

/** Saves through `target`: an IOHandler or a URL string such as `'file://path/to/dir'` (Node.js). */
export async function saveModel(model: LayersModel, target: string | IOHandler, config: SaveConfig = {}): Promise<SaveResult> {
  const handler = typeof target === 'string' ? saveHandlerFor(target) : target;
  if (!handler || typeof handler.save !== 'function') throw new ValueError(`save: the handler cannot save (it has no save method)`);
  if (config.includeOptimizer && !model.optimizer) throw new ValueError(`save: includeOptimizer needs a compiled model; call compile first`);
  return handler.save(await modelArtifacts(model, config));
}
