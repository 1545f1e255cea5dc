/**
 * Keras JSON topology (the `modelTopology` of a tfjs layers model) → cnnkit model. Each layer entry
 * names a class, looked up in the class registry (`ck.serialization.registerClass`), and holds a
 * snake_case config that goes through tfjs's converter to camelCase and then to the class's
 * `fromConfig`, whose constructor refuses any key it does not honour. Only plain data is read:
 * class names select registered classes, never code.
 */
import { DataError } from '../errors.js';
// Every built-in layer class registers itself when its file loads: load them all.
import '../layers/index.js';
import { InputLayer } from '../layers/input-layer.js';
import { LAYER_ARGS, Layer, type LayerClass, type Shape } from '../layers/layer.js';
import { LayersModel } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { globalRandom } from '../tensor/random.js';
import { convertPythonicToTs, deserialize, getRegisteredClass, registeredClassNames, toCamelCase, toSnakeCase, type ConfigDict } from '../util/serialization.js';

type Config = Record<string, unknown>;

function isObject(v: unknown): v is Config {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names a file may give layers and models. */
const NAME = /^[A-Za-z0-9_.\-]{1,200}$/;

/** Keys a layer entry may have besides class_name and config (graph models; Keras 3's module metadata). */
const ENTRY_KEYS = ['class_name', 'config', 'name', 'inbound_nodes', 'module', 'registered_name', 'build_config'];

/** The entry of layer `i` as { className, config (camelCase) }, checked. */
export function readLayerEntry(entry: unknown, i: number, where: string): { className: string; config: ConfigDict; label: string } {
  const cls = isObject(entry) ? entry.class_name : undefined;
  const conf = isObject(entry) && isObject(entry.config) ? entry.config : undefined;
  if (typeof cls !== 'string' || !conf) throw new DataError(`${where}: layer ${i} must be { class_name, config }. Received ${JSON.stringify(entry)?.slice(0, 80)}`);
  const label = `layer ${i} ('${String(conf.name ?? '?').slice(0, 200)}', ${cls.slice(0, 100)})`;
  for (const k of Object.keys(entry as Config)) if (!ENTRY_KEYS.includes(k)) throw new DataError(`${where}: ${label} has an unknown entry key '${k}' (expected ${ENTRY_KEYS.join(', ')})`);
  const known = getRegisteredClass(cls);
  if (!known || !(known.prototype instanceof Layer))
    throw new DataError(`${where}: layer ${i} ('${String(conf.name ?? '?')}') has class '${cls}', which cnnkit does not support. Supported classes: ${registeredClassNames(Layer).join(', ')} (custom layers: register them with ck.serialization.registerClass)`);
  if (conf.name !== undefined && (typeof conf.name !== 'string' || !NAME.test(conf.name)))
    throw new DataError(`${where}: ${label}: layer name ${JSON.stringify(conf.name)} has characters other than letters, digits, '_', '.', '-'`);
  // Keys the class does not take are refused in the file's own spelling (snake_case).
  const argNames = (known as LayerClass).argNames;
  if (Object.prototype.hasOwnProperty.call(known, 'argNames') && argNames) {
    const supported = [...LAYER_ARGS, ...argNames];
    for (const k of Object.keys(conf))
      if (!supported.includes(toCamelCase(k)))
        throw new DataError(`${where}: ${label}: config key '${k}' is not supported. Supported keys: ${supported.map(toSnakeCase).join(', ')}`);
  }
  return { className: cls, config: convertPythonicToTs(conf) as ConfigDict, label };
}

/** Builds a layer from its class and camelCase config; a refusal becomes a DataError naming the file and the layer. */
export function makeLayer(className: string, config: ConfigDict, label: string, where: string): Layer {
  try {
    return deserialize(className, config, Layer, 'layer');
  } catch (e) {
    throw new DataError(`${where}: ${label}: ${stripLayer((e as Error).message)}`);
  }
}

/** "Conv2D 'conv2d': filters must be..." → "filters must be..." (the label already names the layer). */
function stripLayer(message: string): string {
  return message.replace(/^[A-Za-z0-9_]+ '[^']*': /, '');
}

/** Counts the weights a layer will create, refusing a file whose layers need more than `maxParams` in all. */
export function countWeights(layer: Layer, inputShape: Shape | Shape[], so: { params: number }, maxParams: number, label: string, where: string): void {
  try {
    so.params += layer.countParamsFor(inputShape);
  } catch (e) {
    throw new DataError(`${where}: ${label}: ${stripLayer((e as Error).message)}`);
  }
  if (so.params > maxParams)
    throw new DataError(`${where}: ${label}: the layers need more weights (${so.params} values so far) than the weights manifest holds (${maxParams})`);
}

/**
 * Builds a model from a Keras JSON topology (`modelTopology` of model.json). Every fault becomes a
 * DataError naming `where` (the file), the layer and the problem. `maxParams` bounds the weight
 * values the layers may create (checked before creating them).
 */
export function modelFromTopology(topology: unknown, where: string, maxParams = Infinity): LayersModel {
  // Building layers draws initial weights from the global generator: keep its stream unchanged.
  const rng = globalRandom.getState();
  try {
    return buildModel(topology, where, maxParams);
  } finally {
    globalRandom.setState(rng);
  }
}

/** Kept for callers of the Sequential-only loader. */
export const sequentialFromTopology = modelFromTopology;

function buildModel(topology: unknown, where: string, maxParams: number): LayersModel {
  if (!isObject(topology)) throw new DataError(`${where}: 'modelTopology' must be an object. Received ${topology === undefined ? 'nothing' : JSON.stringify(topology).slice(0, 60)}`);
  // Keras files may wrap the model as { model_config: {...} }.
  const top = isObject(topology.model_config) ? topology.model_config : topology;
  if (top.class_name === 'Model' || top.class_name === 'Functional') return buildGraph(top.config, where, maxParams);
  if (top.class_name !== 'Sequential')
    throw new DataError(`${where}: cnnkit loads models of class Sequential, Model and Functional. Received a model of class ${JSON.stringify(top.class_name)}`);
  return buildSequential(top.config, where, maxParams);
}

function buildSequential(cfg: unknown, where: string, maxParams: number): Sequential {
  const layerList = Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) throw new DataError(`${where}: the Sequential model lists no layers (expected config.layers)`);
  const name = isObject(cfg) && typeof cfg.name === 'string' && NAME.test(cfg.name) ? cfg.name : undefined;
  const model = new Sequential({ name });
  const so = { params: 0 };
  let input: Shape | null = null;
  layerList.forEach((entry: unknown, i) => {
    const { className, config, label } = readLayerEntry(entry, i, where);
    const layer = makeLayer(className, config, label, where);
    if (layer instanceof InputLayer) {
      if (model.layers.length > 0 || input) throw new DataError(`${where}: ${label}: an InputLayer may only come first`);
      input = layer.batchInputShape;
    } else {
      const inShape = model.layers.length === 0 ? (input ?? layer.batchInputShape) : model.outputShape;
      if (!inShape) throw new DataError(`${where}: ${label}: the first layer gives no input shape (batch_input_shape) and no InputLayer precedes it`);
      countWeights(layer, inShape, so, maxParams, label, where);
    }
    try {
      model.add(layer);
    } catch (e) {
      throw new DataError(`${where}: ${label}: ${stripLayer((e as Error).message)}`);
    }
  });
  if (model.layers.length === 0) throw new DataError(`${where}: the Sequential model has no layers besides its InputLayer`);
  return model;
}

/** One reference `[layer name, node index, tensor index, kwargs?]` of a node list, checked. */
function readRef(ref: unknown, where: string, what: string): { layer: string; node: number; tensor: number; kwargs: Config } {
  if (!Array.isArray(ref) || ref.length < 3 || ref.length > 4 || typeof ref[0] !== 'string' || !Number.isInteger(ref[1]) || ref[1] < 0 || !Number.isInteger(ref[2]) || ref[2] < 0)
    throw new DataError(`${where}: ${what} must be [layer name, node index, tensor index, kwargs]. Received ${JSON.stringify(ref)?.slice(0, 100)}`);
  const kwargs = ref[3] ?? {};
  if (!isObject(kwargs)) throw new DataError(`${where}: ${what}: the call arguments must be an object. Received ${JSON.stringify(ref[3])?.slice(0, 60)}`);
  for (const k of Object.keys(kwargs)) if (k !== 'training') throw new DataError(`${where}: ${what}: call argument '${k}' is not supported (only training)`);
  return { layer: ref[0], node: ref[1], tensor: ref[2], kwargs };
}

/**
 * Builds a graph model (tfjs `Container.fromConfig`): every layer is made first, then each
 * layer's recorded calls are replayed on symbolic tensors in file order, a call waiting while an
 * input it needs does not exist yet (layers shared at several depths). A pass that makes no
 * progress means the file refers to calls that do not exist.
 */
function buildGraph(cfg: unknown, where: string, maxParams: number): LayersModel {
  if (!isObject(cfg)) throw new DataError(`${where}: the model's config must be an object with layers, input_layers and output_layers`);
  const layerList = cfg.layers;
  if (!Array.isArray(layerList) || layerList.length === 0) throw new DataError(`${where}: the model lists no layers (expected config.layers)`);
  const name = typeof cfg.name === 'string' && NAME.test(cfg.name) ? cfg.name : undefined;
  const byName = new Map<string, Layer>();
  const labels = new Map<Layer, string>();
  const pending: { layer: Layer; refs: ReturnType<typeof readRef>[]; label: string }[] = [];
  layerList.forEach((entry: unknown, i) => {
    const { className, config, label } = readLayerEntry(entry, i, where);
    const nodes = (entry as Config).inbound_nodes;
    if (!Array.isArray(nodes)) throw new DataError(`${where}: ${label}: inbound_nodes must be a list of calls (Keras 3 files are not supported)`);
    const layer = makeLayer(className, config, label, where);
    const entryName = (entry as Config).name;
    if (entryName !== undefined && entryName !== layer.name) throw new DataError(`${where}: ${label}: the entry's name ${JSON.stringify(entryName)} differs from its config's '${layer.name}'`);
    if (byName.has(layer.name)) throw new DataError(`${where}: ${label}: a layer named '${layer.name}' is listed twice`);
    byName.set(layer.name, layer);
    labels.set(layer, label);
    nodes.forEach((call: unknown, k) => {
      if (!Array.isArray(call) || call.length === 0) throw new DataError(`${where}: ${label}: call ${k} must list its inputs. Received ${JSON.stringify(call)?.slice(0, 80)}`);
      pending.push({ layer, refs: call.map((r, j) => readRef(r, where, `${label}: call ${k}, input ${j}`)), label });
    });
  });
  const so = { params: 0 };
  let queue = pending;
  while (queue.length > 0) {
    const waiting: typeof pending = [];
    for (const call of queue) {
      const inputs: SymbolicTensor[] = [];
      let ready = true;
      for (const r of call.refs) {
        const source = byName.get(r.layer);
        if (!source) throw new DataError(`${where}: ${call.label}: its input names layer '${r.layer}', which the model does not list`);
        const node = source.inboundNodes[r.node];
        if (!node) {
          ready = false;
          break;
        }
        const t = node.outputTensors[r.tensor];
        if (!t) throw new DataError(`${where}: ${call.label}: layer '${r.layer}' has no output ${r.tensor} in call ${r.node}`);
        inputs.push(t);
      }
      if (!ready) {
        waiting.push(call);
        continue;
      }
      const shapes = inputs.map((t) => t.shape);
      if (!call.layer.built) countWeights(call.layer, shapes.length === 1 ? shapes[0] : shapes, so, maxParams, call.label, where);
      try {
        call.layer.apply(inputs.length === 1 ? inputs[0] : inputs, call.refs[0].kwargs as { training?: boolean });
      } catch (e) {
        throw new DataError(`${where}: ${call.label}: ${stripLayer((e as Error).message)}`);
      }
    }
    if (waiting.length === queue.length)
      throw new DataError(`${where}: ${waiting[0].label}: its inputs refer to calls that no layer makes (${waiting[0].refs.map((r) => `${r.layer}[${r.node}][${r.tensor}]`).join(', ')})`);
    queue = waiting;
  }
  const ends = (key: 'input_layers' | 'output_layers'): SymbolicTensor[] => {
    const list = cfg[key];
    if (!Array.isArray(list) || list.length === 0) throw new DataError(`${where}: ${key} must list the model's ${key === 'input_layers' ? 'inputs' : 'outputs'}`);
    return list.map((ref: unknown, i) => {
      const r = readRef(ref, where, `${key}[${i}]`);
      const t = byName.get(r.layer)?.inboundNodes[r.node]?.outputTensors[r.tensor];
      if (!t) throw new DataError(`${where}: ${key}[${i}] refers to ${r.layer}[${r.node}][${r.tensor}], which does not exist`);
      return t;
    });
  };
  try {
    return new LayersModel({ inputs: ends('input_layers'), outputs: ends('output_layers'), name });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${where}: ${(e as Error).message}`);
  }
}
