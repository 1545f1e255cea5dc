/**
 * The model base (tfjs `LayersModel`, Keras `Model`/`Functional`): a graph of layer calls from
 * symbolic inputs to outputs. `ck.model({ inputs, outputs })` makes one; `Sequential` is its
 * linear case. Compile, fit/evaluate/predict, save, summary, checkpoints and ONNX export work on
 * both through this one class.
 */
import { ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { InputLayer } from '../layers/input-layer.js';
import { Layer, type Kwargs, type LayerVariable, type Shape } from '../layers/layer.js';
import { isSymbolic, type Node, type SymbolicTensor } from '../layers/symbolic.js';
import { resolveLoss, type LossArg, type LossSpec } from '../losses/index.js';
import { compileMetrics, type CompiledMetric } from '../metrics/index.js';
import type { LossOrMetricFn } from '../losses/keras.js';

/** A metric in compile: a name or a function (yTrue, yPred) => Tensor. */
export type MetricIdentifier = string | LossOrMetricFn;
import { getOptimizer, type Optimizer } from '../optimizers/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import type { ConfigDict } from '../util/serialization.js';
import { checkArgs } from '../layers/args.js';
import { uniqueLayerName } from '../layers/layer.js';
import type { History } from './callbacks.js';
import { planGraph, type ExecutionPlan } from './fusion.js';
import { mapNetwork, type Network } from './graph.js';
import { formatSummary } from './summary.js';
import { logNames, type ModelData } from './data.js';
import { evaluateModel, fitModel, predictModel, type EvaluateArgs, type FitArgs } from './training.js';
import { evaluateDatasetModel, fitDatasetModel, type Dataset, type FitDatasetArgs } from './dataset.js';
import { saveModel } from '../io/save.js';
import type { IOHandler, SaveConfig, SaveResult } from '../io/types.js';

/** A loss given as a name (`'sparseCategoricalCrossentropy'`, Keras `'sparse_categorical_crossentropy'`) or a spec from `ck.losses`. */
export type LossIdentifier = LossArg;

export interface CompileArgs {
  optimizer: string | Optimizer;
  /** One loss for every output, one per output (array), or by output name. */
  loss: LossIdentifier | LossIdentifier[] | Record<string, LossIdentifier>;
  /**
   * Metrics for every output, or by output name (`{ out_a: ['accuracy'] }`): tfjs's names
   * ('accuracy', 'mae', 'categoricalCrossentropy', ...), Keras's snake_case names or functions
   * (yTrue, yPred) => Tensor. Logs use the name as written (a function's `name`).
   */
  metrics?: MetricIdentifier[] | Record<string, MetricIdentifier | MetricIdentifier[]>;
}

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Keras output names: the output layers' names, made unique. */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}_${k}`;
  });
}

export class LayersModel {
  /** The class name files use for graph models ('Model', as tfjs writes it). */
  static readonly className: string = 'Model';
  readonly name: string;
  /** Set by callbacks (e.g. early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  /** True while `fit` runs (a second concurrent fit is refused). */
  isTraining = false;
  optimizer: Optimizer | null = null;
  /** The loss of each output, once compiled. */
  lossFunctions: LossSpec[] = [];
  /** The metric names of each output, as written in compile ('acc' or 'accuracy'). */
  outputMetrics: string[][] = [];
  /** The metrics of each output as compile resolved them (outputMetrics holds their log names). */
  compiledMetrics: CompiledMetric[][] = [];
  protected symbolicInputs: SymbolicTensor[] = [];
  protected symbolicOutputs: SymbolicTensor[] = [];
  private network: Network | null = null;
  private userDefinedMetadata: Record<string, unknown> | undefined = undefined;
  private cachedPlan: { network: Network; losses: LossSpec[]; plan: ExecutionPlan } | null = null;

  constructor(args: ModelArgs | { name?: string }) {
    checkArgs('model', args, ['inputs', 'outputs', 'name']);
    const { name } = args as ModelArgs;
    if (name !== undefined && typeof name !== 'string') throw new ValueError(`model: name must be a string. Received ${typeof name}`);
    this.name = name ?? uniqueLayerName('model');
    if ('inputs' in args || 'outputs' in args) {
      const { inputs, outputs } = args as ModelArgs;
      const ins = Array.isArray(inputs) ? inputs : [inputs];
      const outs = Array.isArray(outputs) ? outputs : [outputs];
      for (const [what, list] of [['inputs', ins], ['outputs', outs]] as const) {
        if (list.length === 0) throw new ValueError(`Model '${this.name}': ${what} must hold at least one symbolic tensor`);
        for (const t of list)
          if (!isSymbolic(t)) throw new ValueError(`Model '${this.name}': ${what} must be symbolic tensors (from ck.input and layer.apply). Received ${(t as unknown) instanceof Tensor ? `a tensor ${fmtShape((t as unknown as Tensor).shape)}` : typeof t}`);
      }
      this.setGraph(ins, outs);
    }
  }

  /** Sets the graph (Sequential calls this as layers are added). */
  protected setGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    this.network = outputs.length ? mapNetwork(inputs, outputs, `Model '${this.name}'`) : null;
    this.symbolicInputs = [...inputs];
    this.symbolicOutputs = [...outputs];
  }

  /** The model's graph; throws when the model has no layers yet. */
  protected get net(): Network {
    if (!this.network) throw new StateError(`Model '${this.name}' has no layers`);
    return this.network;
  }

  /** The model's nodes (input nodes included), for summaries and serialization. */
  get nodeSet(): ReadonlySet<Node> {
    return this.network?.nodeSet ?? new Set();
  }

  /** The layer calls that run, in execution (topological) order. */
  get nodes(): readonly Node[] {
    return this.net.nodes;
  }

  /** The symbolic inputs (tfjs `model.inputs`). */
  get inputs(): SymbolicTensor[] {
    return [...this.symbolicInputs];
  }

  /** The symbolic outputs (tfjs `model.outputs`). */
  get outputs(): SymbolicTensor[] {
    return [...this.symbolicOutputs];
  }

  /** The layers, inputs first, in Keras order (sorted by depth in the graph). */
  get layers(): Layer[] {
    return this.network ? [...this.network.layers] : [];
  }

  get inputLayers(): InputLayer[] {
    return this.symbolicInputs.map((t) => t.sourceLayer as unknown as InputLayer);
  }

  get outputLayers(): Layer[] {
    return this.symbolicOutputs.map((t) => t.sourceLayer as unknown as Layer);
  }

  /** Names of the inputs (their input layers'), for name → tensor maps. */
  get inputNames(): string[] {
    return this.symbolicInputs.map((t) => t.sourceLayer.name);
  }

  /** Names of the outputs (their layers', made unique), for maps and per-output log names. */
  get outputNames(): string[] {
    return uniqueNames(this.symbolicOutputs.map((t) => t.sourceLayer.name));
  }

  /** Shapes of the inputs, in order. */
  get inputShapes(): Shape[] {
    if (!this.symbolicInputs.length) throw new StateError(`Model '${this.name}' has no layers`);
    return this.symbolicInputs.map((t) => [...t.shape]);
  }

  /** Shapes of the outputs, in order. */
  get outputShapes(): Shape[] {
    if (!this.symbolicOutputs.length) throw new StateError(`Model '${this.name}' has no layers`);
    return this.symbolicOutputs.map((t) => [...t.shape]);
  }

  /** The input shape (a list of shapes for several inputs), as tfjs. */
  get inputShape(): Shape | Shape[] {
    const s = this.inputShapes;
    return s.length === 1 ? s[0] : s;
  }

  /** The output shape (a list of shapes for several outputs), as tfjs. */
  get outputShape(): Shape | Shape[] {
    const s = this.outputShapes;
    return s.length === 1 ? s[0] : s;
  }

  /** The layer named `name` (or at `index` in `layers`), tfjs `getLayer`. */
  getLayer(name?: string, index?: number): Layer {
    const layers = this.layers;
    if (index !== undefined) {
      if (!Number.isInteger(index) || index < 0 || index >= layers.length) throw new ValueError(`Model '${this.name}': getLayer index ${index} is outside 0..${layers.length - 1}`);
      return layers[index];
    }
    const l = layers.find((x) => x.name === name);
    if (!l) throw new ValueError(`Model '${this.name}': no layer named ${JSON.stringify(name)}. Layers: ${layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /**
   * The variables in Keras/tfjs order: every trainable weight (layer by layer, kernel before
   * bias), then every non-trainable one (moving statistics, frozen layers' weights).
   */
  protected variables(): LayerVariable[] {
    return [...this.layers.flatMap((l) => l.trainableWeights), ...this.layers.flatMap((l) => l.nonTrainableWeights)];
  }

  /** Every weight tensor in Keras/tfjs order (trainable ones first, as `model.weights`). */
  get weights(): Tensor[] {
    return this.variables().map((v) => v.tensor);
  }

  get trainableWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.trainableWeights.map((v) => v.tensor));
  }

  get nonTrainableWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights.map((v) => v.tensor));
  }

  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Copies of all weights, in `weights` order. */
  getWeights(): Tensor[] {
    return this.variables().map((v) => {
      const t = Tensor.empty(v.shape, 'float32', v.tensor.backend);
      t.backend.copy(v.tensor.storage, 0, t.storage, 0, t.size);
      return t;
    });
  }

  /** Sets all weights (copied), in `weights` order; every shape is checked first, so a mismatch changes nothing. */
  setWeights(weights: readonly Tensor[]): void {
    const vars = this.variables();
    if (!Array.isArray(weights) || weights.length !== vars.length)
      throw new ValueError(`Model '${this.name}': setWeights expects ${vars.length} arrays. Received ${Array.isArray(weights) ? weights.length : typeof weights}`);
    vars.forEach((v, i) => {
      const w = weights[i];
      if (!(w instanceof Tensor)) throw new ValueError(`Model '${this.name}': setWeights expects tensors. Received ${String(w)} for weight '${v.name}'`);
      if (w.isDisposed) throw new ValueError(`Model '${this.name}': the tensor given for weight '${v.name}' is disposed`);
      if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j]))
        throw new ShapeError(`Model '${this.name}': weight '${v.name}' has shape ${fmtShape(v.shape)}. Received ${fmtShape(w.shape)}`);
    });
    vars.forEach((v, i) => v.write(weights[i]));
  }

  /**
   * The layers' regularization penalties for the current training step, in layer order (tfjs
   * `calculateLosses`): weight regularizers, then activity penalties recorded by the step's forward pass.
   */
  regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => l.calculateLosses());
  }

  /** Projects the weights that have constraints (after each optimizer update, as Keras does). */
  applyConstraints(): void {
    for (const l of this.layers) l.applyConstraints();
  }

  /**
   * Prints the tf.keras summary table (with a "Connected to" column for graph models). Like
   * tfjs, takes an optional line length, column positions (fractions or absolute) and a print
   * function that receives each line.
   */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const line of formatSummary(this, lineLength, positions)) printFn(line);
  }

  /** Configures training: optimizer, loss(es) and metrics (Keras names in camelCase or snake_case). */
  compile(args: CompileArgs): void {
    const where = `compile (model '${this.name}')`;
    checkArgs(where, args, ['optimizer', 'loss', 'metrics']);
    const n = this.outputShapes.length;
    const names = this.outputNames;
    const byOutput = <T>(v: T | T[] | Record<string, T>, what: string, isOne: (x: unknown) => boolean): T[] => {
      if (isOne(v)) return names.map(() => v as T);
      if (Array.isArray(v)) {
        if (v.length !== n) throw new ValueError(`${where}: ${what} as an array needs one entry per output (${n}: ${names.join(', ')}). Received ${v.length}`);
        return v;
      }
      if (typeof v === 'object' && v !== null) {
        const d = v as Record<string, T>;
        for (const k of Object.keys(d)) if (!names.includes(k)) throw new ValueError(`${where}: unknown output '${k}' in ${what}. Outputs: ${names.join(', ')}`);
        return names.map((k) => {
          if (!(k in d)) throw new ValueError(`${where}: ${what} names no entry for output '${k}'`);
          return d[k];
        });
      }
      throw new ValueError(`${where}: ${what} must be given. Received ${String(v)}`);
    };
    const isLoss = (x: unknown): boolean => typeof x === 'string' || typeof x === 'function' ||
      (typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as LossSpec).name === 'string' && ('fromLogits' in x || typeof (x as LossSpec).fn === 'function'));
    const losses = byOutput<LossIdentifier>(args.loss, 'loss', isLoss).map((l) => resolveLoss(l));
    const metrics = args.metrics === undefined ? names.map(() => []) : Array.isArray(args.metrics)
      ? names.map(() => [...(args.metrics as MetricIdentifier[])])
      : byOutputMetrics(args.metrics, names, where);
    const compiled = metrics.map((ms, i) => compileMetrics(ms, losses[i], this.outputShapes[i][this.outputShapes[i].length - 1] ?? 1, where));
    this.optimizer = getOptimizer(args.optimizer);
    this.lossFunctions = losses;
    this.compiledMetrics = compiled;
    this.outputMetrics = compiled.map((ms) => ms.map((m) => m.name));
  }

  /** The loss of a single-output model (the first output's otherwise), null before compile. */
  get loss(): LossSpec | null {
    return this.lossFunctions[0] ?? null;
  }

  /** The metric names of the first output (tfjs keeps the compile argument). */
  get metrics(): string[] {
    return this.outputMetrics[0] ?? [];
  }

  /** The names of evaluate's results and of an epoch's logs (tfjs `metricsNames`): 'loss', per-output losses, then the metrics; empty before compile. */
  get metricsNames(): string[] {
    const { losses, metrics } = logNames(this);
    return this.lossFunctions.length ? [...losses, ...metrics.flat()] : [];
  }

  /** How the graph runs, with the fusions compile chose; rebuilt when the graph or the losses change. */
  get plan(): ExecutionPlan {
    const net = this.net;
    const c = this.cachedPlan;
    if (!c || c.network !== net || c.losses !== this.lossFunctions)
      this.cachedPlan = { network: net, losses: this.lossFunctions, plan: planGraph(this.symbolicInputs, this.symbolicOutputs, net, this.lossFunctions.length ? this.lossFunctions : null) };
    return (this.cachedPlan as { plan: ExecutionPlan }).plan;
  }

  /** Runs the graph on input tensors (model order); `logits` leaves out the softmax of outputs whose loss fuses it. */
  execute(inputs: readonly Tensor[], training: boolean, logits = false): Tensor[] {
    return this.plan.run(inputs, training, logits);
  }

  /** Calls the model on tensors, unbatched (tfjs `model.apply`); nesting a model in another graph is not supported. */
  apply(inputs: Tensor | Tensor[], kwargs: Kwargs = {}): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.some(isSymbolic)) throw new ValueError(`Model '${this.name}': using a model as a layer of another model is not supported; build one graph from the layers instead`);
    if (list.length !== this.inputShapes.length) throw new ValueError(`Model '${this.name}': expects ${this.inputShapes.length} input(s). Received ${list.length}`);
    const outs = this.execute(list, kwargs.training ?? false);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** Trains for a number of epochs; resolves to the History. See FitArgs. */
  async fit(x: ModelData, y: ModelData, args: FitArgs = {}): Promise<History> {
    return fitModel(this, x, y, args);
  }

  /** Trains on a dataset of `{ xs, ys }` batches (tfjs `fitDataset`). */
  async fitDataset(dataset: Dataset, args: FitDatasetArgs): Promise<History> {
    return fitDatasetModel(this, dataset, args);
  }

  /** Mean loss and metrics over a dataset's batches, as scalar tensors (tfjs `evaluateDataset`). */
  async evaluateDataset(dataset: Dataset, args: { batches?: number; verbose?: number } = {}): Promise<Tensor | Tensor[]> {
    return evaluateDatasetModel(this, dataset, args);
  }

  /**
   * Mean loss and metrics over (x, y), batched, as scalar tensors (tfjs): the loss alone, or
   * `[loss, ...]` in the order of the log names (per-output losses, then metrics).
   */
  evaluate(x: ModelData, y: ModelData, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return evaluateModel(this, x, y, args);
  }

  /** Outputs for x, computed in batches (a list for several outputs). */
  predict(x: ModelData, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return predictModel(this, x, args);
  }

  /**
   * Saves the model in the TensorFlow.js layers format (tfjs `model.save`): to a URL such as
   * `'file://path/to/dir'` (Node.js) or to an IOHandler (`ck.io.withSaveHandler`, ...).
   */
  async save(handlerOrUrl: string | IOHandler, config?: SaveConfig): Promise<SaveResult> {
    return saveModel(this, handlerOrUrl, config);
  }

  /**
   * Stores free-form JSON that `save` writes into model.json (tfjs `setUserDefinedMetadata`): e.g.
   * the class names and input size a classifier was trained with. Loading restores it.
   * @throws ValueError when it is not a plain object that survives JSON serialisation
   */
  setUserDefinedMetadata(metadata: object | undefined): void {
    if (metadata !== undefined) {
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
        throw new ValueError(`setUserDefinedMetadata: expected a plain object. Received ${metadata === null ? 'null' : Array.isArray(metadata) ? 'an array' : typeof metadata}`);
      let text: string;
      try {
        text = JSON.stringify(metadata);
      } catch (e) {
        throw new ValueError(`setUserDefinedMetadata: the metadata must be JSON-serialisable. Received an object that is not (${(e as Error).message})`);
      }
      this.userDefinedMetadata = JSON.parse(text) as Record<string, unknown>;
      return;
    }
    this.userDefinedMetadata = undefined;
  }

  /** The metadata set by {@link setUserDefinedMetadata} or loaded with the model (tfjs `getUserDefinedMetadata`). */
  getUserDefinedMetadata(): Record<string, unknown> | undefined {
    return this.userDefinedMetadata;
  }

  /** Frees the weights and the optimizer state; the model is unusable afterwards. */
  dispose(): void {
    this.optimizer?.dispose();
    for (const w of this.weights) w.dispose();
  }

  /** The class name files use ('Model' for graph models, 'Sequential'). */
  getClassName(): string {
    return (this.constructor as typeof LayersModel).className;
  }

  /** The model's config, camelCase (tfjs `getConfig`): layers with their inbound nodes, input and output layers. */
  getConfig(): ConfigDict {
    const net = this.net;
    // Node indices count only the nodes of this model (a layer may be shared with another model).
    const nodeIndex = new Map<object, number>();
    for (const l of net.layers) {
      let k = 0;
      for (const node of l.inboundNodes) if (net.nodeSet.has(node)) nodeIndex.set(node, k++);
    }
    const ref = (t: SymbolicTensor): [string, number, number] => [t.sourceLayer.name, nodeIndex.get(t.node) ?? 0, t.tensorIndex];
    const layers = net.layers.map((l) => ({
      name: l.name, className: l.getClassName(), config: l.getConfig(),
      inboundNodes: l.inboundNodes.filter((n) => net.nodeSet.has(n) && !n.isInput).map((n) => n.inputTensors.map((t) => [...ref(t), { ...n.callArgs }])),
    }));
    return { name: this.name, layers, inputLayers: this.symbolicInputs.map(ref), outputLayers: this.symbolicOutputs.map(ref) } as unknown as ConfigDict;
  }

  /** Throws unless compiled. */
  requireCompiled(what: string): { optimizer: Optimizer; losses: LossSpec[] } {
    if (!this.optimizer || !this.lossFunctions.length) throw new StateError(`Model '${this.name}': call compile({ optimizer, loss }) before ${what}`);
    return { optimizer: this.optimizer, losses: this.lossFunctions };
  }
}

function byOutputMetrics(m: Record<string, MetricIdentifier | MetricIdentifier[]>, names: string[], where: string): MetricIdentifier[][] {
  if (typeof m !== 'object' || m === null) throw new ValueError(`${where}: metrics must be an array of names or an object by output name. Received ${String(m)}`);
  for (const k of Object.keys(m)) if (!names.includes(k)) throw new ValueError(`${where}: unknown output '${k}' in metrics. Outputs: ${names.join(', ')}`);
  return names.map((k) => {
    const v = m[k];
    return v === undefined ? [] : Array.isArray(v) ? [...v] : [v];
  });
}

/** A graph model from symbolic inputs to outputs (tfjs `tf.model`, Keras `keras.Model`). */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
