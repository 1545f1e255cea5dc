/**
 * Keras JSON topology ⇄ cnnkit layers. Saving writes each layer's `getConfig()` under the Sequential
 * envelope tfjs writes; loading maps the snake_case config keys of the supported classes back to
 * cnnkit arguments. Only plain data is read: class names select from a fixed table, never code.
 */
import { DataError } from '../errors.js';
import * as L from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import { Sequential } from '../models/sequential.js';
import { globalRandom } from '../tensor/random.js';

/** Keras classes cnnkit reads (InputLayer only as the first entry, giving the input shape). */
export const SUPPORTED_CLASSES = ['InputLayer', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'Dense', 'Flatten', 'Dropout', 'Activation', 'Rescaling'] as const;

type Config = Record<string, unknown>;

function isObject(v: unknown): v is Config {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an initializer config ({class_name, config} or a name); unknown ones fall back to the default (weights are loaded anyway). */
function initializer(v: unknown): string | undefined {
  const name = isObject(v) ? v.class_name : v;
  if (typeof name !== 'string') return undefined;
  return ['GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'Zeros', 'Ones', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'zeros', 'ones'].includes(name) ? name : undefined;
}

/** Keras `pool_size`/`kernel_size`/`strides`: a number or a list. */
function tuple(v: unknown, key: string): number | [number, number] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number')) return [v[0], v[1]];
  throw new Error(`'${key}' must be a number or a pair of numbers. Received ${JSON.stringify(v)}`);
}

function str(v: unknown, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`'${key}' must be a string. Received ${JSON.stringify(v)}`);
  return v;
}

function num(v: unknown, key: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new Error(`'${key}' must be a number. Received ${JSON.stringify(v)}`);
  return v;
}

function bool(v: unknown, key: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`'${key}' must be true or false. Received ${JSON.stringify(v)}`);
  return v;
}

/** The batch input shape an entry declares (`batch_input_shape`, Keras 3 `batch_shape`, or `input_shape`). */
function batchShape(c: Config): (number | null)[] | undefined {
  const raw = c.batch_input_shape ?? c.batch_shape ?? (Array.isArray(c.input_shape) ? [null, ...c.input_shape] : undefined);
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.some((d, i) => !(d === null ? i === 0 : Number.isInteger(d) && d > 0)))
    throw new Error(`the input shape must be [null, positive integers...]. Received ${JSON.stringify(raw)}`);
  return raw as (number | null)[];
}

function channelsLast(c: Config): void {
  if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channels_last')
    throw new Error(`only data_format 'channels_last' is supported. Received ${JSON.stringify(c.data_format)}`);
}

/** cnnkit arguments shared by all layers: name, trainable, input shape. */
function common(c: Config, inherited: (number | null)[] | undefined): L.LayerArgs {
  const name = str(c.name, 'name');
  if (name !== undefined && !/^[A-Za-z0-9_.\-]{1,200}$/.test(name)) throw new Error(`layer name ${JSON.stringify(name)} has characters other than letters, digits, '_', '.', '-'`);
  const shape = batchShape(c) ?? inherited;
  return { name, trainable: bool(c.trainable, 'trainable'), ...(shape ? { batchInputShape: shape } : {}) };
}

/** Builds one layer from its Keras class name and config. */
function makeLayer(cls: string, c: Config, inherited: (number | null)[] | undefined): Layer {
  const base = common(c, inherited);
  switch (cls) {
    case 'Conv2D': {
      channelsLast(c);
      const dil = tuple(c.dilation_rate, 'dilation_rate');
      if (dil !== undefined && (Array.isArray(dil) ? dil.some((d) => d !== 1) : dil !== 1)) throw new Error(`only dilation_rate 1 is supported. Received ${JSON.stringify(c.dilation_rate)}`);
      if (c.groups !== undefined && c.groups !== 1) throw new Error(`only groups 1 is supported. Received ${JSON.stringify(c.groups)}`);
      return L.conv2d({
        ...base, filters: num(c.filters, 'filters') as number, kernelSize: tuple(c.kernel_size, 'kernel_size') as number,
        strides: tuple(c.strides, 'strides'), padding: str(c.padding, 'padding') as 'valid', activation: str(c.activation, 'activation') as 'relu',
        useBias: bool(c.use_bias, 'use_bias'), kernelInitializer: initializer(c.kernel_initializer), biasInitializer: initializer(c.bias_initializer),
      });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      channelsLast(c);
      const args = { ...base, poolSize: tuple(c.pool_size, 'pool_size'), strides: tuple(c.strides, 'strides') ?? null, padding: str(c.padding, 'padding') as 'valid' };
      return cls === 'MaxPooling2D' ? L.maxPooling2d(args) : L.averagePooling2d(args);
    }
    case 'Dense':
      return L.dense({
        ...base, units: num(c.units, 'units') as number, activation: str(c.activation, 'activation') as 'relu', useBias: bool(c.use_bias, 'use_bias'),
        kernelInitializer: initializer(c.kernel_initializer), biasInitializer: initializer(c.bias_initializer),
      });
    case 'Flatten':
      channelsLast(c);
      return L.flatten(base);
    case 'Dropout':
      return L.dropout({ ...base, rate: num(c.rate, 'rate') as number });
    case 'Activation':
      return L.activation({ ...base, activation: str(c.activation, 'activation') as 'relu' });
    case 'Rescaling':
      return L.rescaling({ ...base, scale: num(c.scale, 'scale') as number, offset: num(c.offset, 'offset') });
    default:
      throw new Error(`unreachable class ${cls}`);
  }
}

/**
 * Builds a Sequential model from a Keras JSON topology (`modelTopology` of model.json). Every fault
 * becomes a DataError naming `where` (the file), the layer and the problem.
 */
export function sequentialFromTopology(topology: unknown, where: string, maxParams = Infinity): Sequential {
  // Building layers draws initial weights from the global generator: keep its stream unchanged.
  const rng = globalRandom.getState();
  try {
    return buildSequential(topology, where, maxParams);
  } finally {
    globalRandom.setState(rng);
  }
}

/** Weights a layer will create for an input with `inLast` channels/features (checked before building it). */
function paramsOf(layer: Layer, inLast: number): number {
  if (layer instanceof L.Conv2D) return layer.kernelSize[0] * layer.kernelSize[1] * inLast * layer.filters + (layer.useBias ? layer.filters : 0);
  if (layer instanceof L.Dense) return inLast * layer.units + (layer.useBias ? layer.units : 0);
  return 0;
}

function buildSequential(topology: unknown, where: string, maxParams: number): Sequential {
  if (!isObject(topology)) throw new DataError(`${where}: 'modelTopology' must be an object. Received ${topology === undefined ? 'nothing' : JSON.stringify(topology).slice(0, 60)}`);
  // Keras files may wrap the model as { model_config: {...} }.
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  if (top.class_name !== 'Sequential')
    throw new DataError(`${where}: cnnkit loads Sequential models only. Received a model of class ${JSON.stringify(top.class_name)}`);
  const cfg = top.config;
  const layerList = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) throw new DataError(`${where}: the Sequential model lists no layers (expected config.layers)`);
  const name = isObject(cfg) && typeof cfg.name === 'string' && /^[A-Za-z0-9_.\-]{1,200}$/.test(cfg.name) ? cfg.name : undefined;
  const model = new Sequential({ name });
  let pendingShape: (number | null)[] | undefined;
  let params = 0;
  layerList.forEach((entry: unknown, i) => {
    const cls = isObject(entry) ? entry.class_name : undefined;
    const conf = isObject(entry) && isObject(entry.config) ? entry.config : undefined;
    if (typeof cls !== 'string' || !conf) throw new DataError(`${where}: layer ${i} must be { class_name, config }. Received ${JSON.stringify(entry)?.slice(0, 80)}`);
    if (!(SUPPORTED_CLASSES as readonly string[]).includes(cls))
      throw new DataError(`${where}: layer ${i} ('${String(conf.name ?? '?')}') has class '${cls}', which cnnkit does not support. Supported classes: ${SUPPORTED_CLASSES.join(', ')}`);
    try {
      if (cls === 'InputLayer') {
        if (model.layers.length > 0 || pendingShape) throw new Error('an InputLayer may only come first');
        pendingShape = batchShape(conf);
        if (!pendingShape) throw new Error('the InputLayer gives no input shape');
        return;
      }
      const layer = makeLayer(cls, conf, model.layers.length === 0 ? pendingShape : undefined);
      const inShape = model.layers.length === 0 ? layer.batchInputShape : model.outputShape;
      params += paramsOf(layer, Number(inShape?.[inShape.length - 1] ?? 0));
      if (params > maxParams) throw new Error(`the layers need more weights (${params} values so far) than the weights manifest holds (${maxParams})`);
      model.add(layer);
    } catch (e) {
      throw new DataError(`${where}: layer ${i} ('${String(conf.name ?? '?')}', ${cls}): ${(e as Error).message}`);
    }
  });
  if (model.layers.length === 0) throw new DataError(`${where}: the Sequential model has no layers besides its InputLayer`);
  return model;
}
