/**
 * The layer protocol (tfjs `tf.layers.Layer`, Keras `keras.layers.Layer`).
 *
 * A layer class declares, in its own file:
 * - `static className` and `ck.serialization.registerClass(cls)`: files name it, the loader finds it;
 * - `static argNames`: the config keys it takes besides the common ones (name, inputShape, ...);
 *   any other key is refused with the supported keys listed;
 * - the constructor, which validates and stores the config and creates no weights;
 * - `computeOutputShape(inputShape)`: shape inference and all shape checks;
 * - `build(inputShape)`: creates weights through `addWeight`;
 * - `call(inputs, kwargs)`: the computation (`kwargs.training` switches dropout-like behaviour);
 * - `getConfig()`: camelCase config (`super.getConfig()` plus its keys) that `fromConfig` reads back;
 * - optionally `toOnnx(g, inputs)` (its ONNX nodes) and `paramFormula()` (the parameter count as a
 *   formula, for the explanation tables).
 *
 * `apply(inputs)` builds a layer on first use and calls it. Before building, `countParamsFor`
 * tells how many weight values a layer would create for an input shape (the model loader refuses
 * a file whose layers ask for more than its weights hold).
 */
import { div } from '../autograd/ops.js';
import { inStep, stepGeneration } from '../backend/engine.js';
import { ShapeError, StateError, ValueError, fmtShape, fmtValue } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Serializable, toSnakeCase, type ConfigDict, type SerializableConstructor } from '../util/serialization.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import { checkArgs, isNone } from './args.js';
import { Constraint, resolveConstraint } from './constraints.js';
import { resolveInitializer, type InitializerSpec } from './initializers.js';
import { Regularizer, resolveRegularizer } from './regularizers.js';
import { Node, SymbolicTensor, isSymbolic } from './symbolic.js';
import { LayerVariable, describeValue, fmtShapes, isShapeList, sameShapes, uniqueLayerName } from './layer-utils.js';

export { LayerVariable, assignValues, clearSession, exactlyOne, exactlyOneShape, fmtShapes, isShapeList, snakeCase, uniqueLayerName, withoutNaming } from './layer-utils.js';

/** A shape with `null` for the batch dimension, as Keras prints it. */
export type Shape = (number | null)[];

/** Keyword arguments of `call` and `apply` (tfjs `Kwargs`). */
export interface Kwargs {
  /** Training mode: dropout drops, batch statistics are used. Default false. */
  training?: boolean;
}

/** Arguments every layer takes (tfjs `LayerArgs`). */
export interface LayerArgs {
  name?: string;
  /** Shape of one sample, without the batch dimension (first layer only). */
  inputShape?: (number | null)[];
  /** Shape including the batch dimension (`null` for any), as in tfjs. */
  batchInputShape?: (number | null)[];
  /** Fixed batch sizes are refused: cnnkit models take any batch size. */
  batchSize?: number | null;
  trainable?: boolean;
  /** Only 'float32' (the layer's compute and weight type). */
  dtype?: string | null;
  /** Initial weight values, set when the layer is built (tfjs). */
  weights?: Tensor[] | null;
}

/** The keys of `LayerArgs`, accepted by every layer. */
export const LAYER_ARGS: readonly string[] = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable', 'dtype', 'weights', 'inputDType', 'batchShape'];

/** A layer class as the registry and the loader see it. */
export interface LayerClass extends SerializableConstructor<Layer> {
  readonly argNames?: readonly string[];
}

/** Checks a `dtype` argument: cnnkit layers compute in float32 (a Keras dtype policy naming float32 is accepted too). */
function checkDtype(v: unknown, where: string, key: string): void {
  if (isNone(v) || v === 'float32') return;
  const policy = v as { className?: unknown; config?: { name?: unknown } };
  if (typeof v === 'object' && policy.className === 'DTypePolicy' && policy.config?.name === 'float32') return;
  throw new ValueError(`${where}: ${key} must be 'float32' (cnnkit layers compute in float32). Received ${key}=${fmtValue(typeof v === 'object' ? JSON.stringify(v) : v)}`);
}

/** Checks a declared batch input shape: null (any batch size), then positive integers. */
function checkBatchShape(shape: unknown, key: string, where: string): Shape {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d, i) => i > 0 && !(Number.isInteger(d) && (d as number) > 0)))
    throw new ValueError(`${where}: ${key} must hold positive integers after the batch dimension. Received ${key}=${JSON.stringify(shape)}`);
  if (shape[0] !== null) throw new ValueError(`${where}: ${key} must start with null: cnnkit models take any batch size. Received ${key}=${JSON.stringify(shape)}`);
  return shape as Shape;
}

/** Checks a declared sample shape (no batch dimension): positive integers. */
function checkInputShape(shape: unknown, where: string): Shape {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !(Number.isInteger(d) && (d as number) > 0)))
    throw new ValueError(`${where}: inputShape must hold positive integers. Received inputShape=${JSON.stringify(shape)}`);
  return [null, ...(shape as number[])];
}

export abstract class Layer extends Serializable {
  /** The config keys this class takes besides `LAYER_ARGS`; when a class declares its own, other keys are refused. */
  static readonly argNames?: readonly string[];

  readonly name: string;
  private isTrainable: boolean;
  /** Declared batch input shape (the first layer of a model), or null. */
  readonly batchInputShape: Shape | null;
  /** Set once `build` has created the weights. */
  built = false;
  private vars: LayerVariable[] = [];
  private builtShape: Shape | Shape[] | null = null;
  private initialWeights: Tensor[] | null = null;
  /** While counting weights (countParamsFor): the count so far; addWeight creates nothing. */
  private counting: { values: number } | null = null;
  /** The layer's calls on symbolic tensors, in order (tfjs `inboundNodes`). */
  readonly inboundNodes: Node[] = [];
  /** The calls that read this layer's outputs. */
  readonly outboundNodes: Node[] = [];
  /** The penalty on the layer's output while training (tfjs/Keras activityRegularizer); set by the layers that take one. */
  activityRegularizer: Regularizer | null = null;
  /** Activity penalties recorded in the current step. */
  private activity: { generation: number; losses: Tensor[] } | null = null;

  constructor(args: LayerArgs = {}) {
    super();
    const cls = new.target as unknown as LayerClass;
    const a = (args ?? {}) as LayerArgs & Record<string, unknown>;
    if (!isNone(a.name) && typeof a.name !== 'string') throw new ValueError(`${cls.className ?? cls.name}: name must be a string. Received name=${fmtValue(a.name)}`);
    this.name = a.name ?? uniqueLayerName(toSnakeCase(cls.className ?? cls.name));
    const where = this.describe();
    if (Object.prototype.hasOwnProperty.call(cls, 'argNames')) checkArgs(where, a, [...LAYER_ARGS, ...(cls.argNames ?? [])]);
    if (!isNone(a.trainable) && typeof a.trainable !== 'boolean') throw new ValueError(`${where}: trainable must be true or false. Received trainable=${fmtValue(a.trainable)}`);
    this.isTrainable = a.trainable ?? true;
    checkDtype(a.dtype, where, 'dtype');
    checkDtype(a.inputDType, where, 'inputDType');
    if (!isNone(a.batchSize)) throw new ValueError(`${where}: batchSize is not supported (cnnkit models take any batch size; give inputShape alone). Received batchSize=${fmtValue(a.batchSize)}`);
    const batchShape = a.batchInputShape ?? a.batchShape;
    if (!isNone(batchShape)) this.batchInputShape = [...checkBatchShape(batchShape, a.batchInputShape ? 'batchInputShape' : 'batchShape', where)];
    else if (!isNone(a.inputShape)) this.batchInputShape = checkInputShape(a.inputShape, where);
    else this.batchInputShape = null;
    if (!isNone(a.weights)) {
      if (!Array.isArray(a.weights) || a.weights.some((w) => !(w instanceof Tensor))) throw new ValueError(`${where}: weights must be an array of tensors`);
      this.initialWeights = [...a.weights];
    }
  }

  /** The Keras class name, e.g. 'Conv2D' (`static className`). */
  get className(): string {
    return this.getClassName();
  }

  /** `Conv2D 'conv2d_1'`, for error messages. */
  describe(): string {
    return `${this.getClassName() ?? this.constructor.name} '${this.name}'`;
  }

  /** Whether training updates the layer's weights (Keras: a frozen layer keeps them). */
  get trainable(): boolean {
    return this.isTrainable;
  }
  set trainable(v: boolean) {
    this.isTrainable = v;
  }

  /** Output shape(s) for input shape(s); throws a ShapeError naming the layer when the input is wrong. Default: the input shape. */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  /** The computation on a built layer. Default: the input (identity). */
  call(inputs: Tensor | Tensor[], _kwargs: Kwargs): Tensor | Tensor[] {
    return inputs;
  }

  /** Creates the layer's weights for `inputShape` through `addWeight`; subclasses call `super.build` last. */
  build(inputShape: Shape | Shape[]): void {
    this.builtShape = inputShape;
    this.built = true;
  }

  /** Same as `built` (kept for existing code). */
  get isBuilt(): boolean {
    return this.built;
  }

  /** The input shape the layer was built for (or of its first call on symbolic tensors). */
  get inputShape(): Shape | Shape[] {
    if (this.builtShape) return this.builtShape;
    const node = this.inboundNodes[0];
    if (node && !node.isInput) return node.inputTensors.length === 1 ? node.inputTensors[0].shape : node.inputTensors.map((t) => t.shape);
    throw new StateError(`${this.describe()} is not built yet`);
  }

  /** The output shape for the built input shape (of its first call, for a layer called on symbolic tensors). */
  get outputShape(): Shape | Shape[] {
    const node = this.inboundNodes[0];
    if (node) return node.outputTensors.length === 1 ? node.outputTensors[0].shape : node.outputTensors.map((t) => t.shape);
    return this.computeOutputShape(this.inputShape);
  }

  /** The symbolic output of the layer's only call (tfjs `layer.output`). */
  get output(): SymbolicTensor | SymbolicTensor[] {
    if (this.inboundNodes.length !== 1)
      throw new StateError(`${this.describe()} has ${this.inboundNodes.length === 0 ? 'not been called on symbolic inputs' : `been called ${this.inboundNodes.length} times`}: its output is ambiguous (use the tensors apply returned)`);
    const outs = this.inboundNodes[0].outputTensors;
    return outs.length === 1 ? outs[0] : [...outs];
  }

  /**
   * Creates a weight named `<layer>/<name>` (tfjs signature): float32 values from `initializer`
   * (default glorotUniform), an optional regularizer (its penalty joins the training loss) and
   * constraint (applied after each optimizer update); `trainable` false for state such as moving
   * statistics.
   */
  protected addWeight(
    name: string, shape: readonly number[], dtype: string | null = 'float32', initializer?: InitializerSpec | null, regularizer?: Regularizer | string | null,
    trainable = true, constraint?: Constraint | string | null,
  ): LayerVariable {
    const where = `${this.describe()}: weight '${name}'`;
    checkDtype(dtype, where, 'dtype');
    const reg = resolveRegularizer(regularizer, this.describe(), `the regularizer of weight '${name}'`);
    const con = resolveConstraint(constraint, this.describe(), `the constraint of weight '${name}'`);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError(`${where}: shape must hold non-negative integers. Received ${JSON.stringify(shape)}`);
    if (this.counting) {
      this.counting.values += shape.reduce((a, b) => a * b, 1);
      return new LayerVariable(`${this.name}/${name}`, null, trainable);
    }
    if (this.vars.some((v) => v.name === `${this.name}/${name}`)) throw new ValueError(`${where} is added twice`);
    const init = resolveInitializer(initializer ?? 'glorotUniform', this.describe(), `the initializer of weight '${name}'`);
    let t: Tensor;
    try {
      t = init.apply(shape);
    } catch (e) {
      throw new ValueError(`${where}: ${(e as Error).message}`);
    }
    t.requiresGrad = trainable;
    const v = new LayerVariable(`${this.name}/${name}`, t, trainable, reg, con);
    this.vars.push(v);
    return v;
  }

  /**
   * Records the activity regularizer's penalty of `output` (tf.keras: penalty / batch size) when
   * training inside a step; the model adds it to the batch's loss (`calculateLosses`). Returns `output`.
   */
  protected regularizeActivity(output: Tensor, kwargs: Kwargs): Tensor {
    if (!this.activityRegularizer || !kwargs.training || !inStep()) return output;
    const generation = stepGeneration();
    if (!this.activity || this.activity.generation !== generation) this.activity = { generation, losses: [] };
    const penalty = this.activityRegularizer.apply(output);
    this.activity.losses.push(output.rank > 0 && output.shape[0] > 0 ? div(penalty, output.shape[0]) : penalty);
    return output;
  }

  /**
   * The layer's regularization penalties as scalar tensors (tfjs `calculateLosses`): each weight
   * regularizer's penalty, then the activity penalties recorded during this step's forward pass.
   */
  calculateLosses(): Tensor[] {
    const out = this.vars.filter((v) => v.regularizer).map((v) => (v.regularizer as Regularizer).apply(v.read()));
    if (this.activity && inStep() && this.activity.generation === stepGeneration()) out.push(...this.activity.losses);
    this.activity = null;
    return out;
  }

  /** Applies each trainable weight's constraint to its values (after an optimizer update, as Keras does). */
  applyConstraints(): void {
    if (!this.trainable) return;
    for (const v of this.vars) if (v.constraint && v.trainable) v.write(v.constraint.apply(v.read()));
  }

  /**
   * How many weight values the layer will create when built for `inputShape`, without creating
   * them (the layer's `build` runs with `addWeight` only counting). A built layer gives its count.
   */
  countParamsFor(inputShape: Shape | Shape[]): number {
    if (this.built) return this.countParams();
    const counting = { values: 0 };
    this.counting = counting;
    try {
      this.build(inputShape);
    } finally {
      this.counting = null;
      this.built = false;
      this.builtShape = null;
    }
    return counting.values;
  }

  /** The layer's variables, in Keras order (kernel before bias). */
  get weights(): readonly LayerVariable[] {
    return this.vars;
  }

  get trainableWeights(): LayerVariable[] {
    return this.trainable ? this.vars.filter((v) => v.trainable) : [];
  }

  get nonTrainableWeights(): LayerVariable[] {
    return this.trainable ? this.vars.filter((v) => !v.trainable) : [...this.vars];
  }

  countParams(): number {
    return this.vars.reduce((s, v) => s + v.tensor.size, 0);
  }

  /**
   * How the parameter count comes about, for the explanation tables, e.g. '(3*3*3+1)*32'. Default:
   * the weight shapes' products, or '0 (no weights)'.
   */
  paramFormula(): string {
    if (this.vars.length === 0) return '0 (no weights)';
    return this.vars.map((v) => v.tensor.shape.join('*')).join(' + ');
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.vars.map((v) => {
      const t = Tensor.empty(v.tensor.shape, 'float32', v.tensor.backend);
      t.backend.copy(v.tensor.storage, 0, t.storage, 0, t.size);
      return t;
    });
  }

  /** Sets weight values (copied), checking count and shapes. */
  setWeights(weights: readonly Tensor[]): void {
    if (!Array.isArray(weights) || weights.length !== this.vars.length)
      throw new ValueError(`${this.describe()}: setWeights expects ${this.vars.length} arrays (${this.vars.map((v) => fmtShape(v.tensor.shape)).join(', ')}). Received ${Array.isArray(weights) ? weights.length : describeValue(weights)}`);
    weights.forEach((w, i) => {
      const v = this.vars[i];
      if (!(w instanceof Tensor)) throw new ValueError(`${this.describe()}: setWeights expects tensors. Received ${describeValue(w)} for weight '${v.name}'`);
      if (w.isDisposed) throw new ValueError(`${this.describe()}: the tensor given for weight '${v.name}' is disposed`);
      if (w.shape.length !== v.tensor.shape.length || w.shape.some((d, j) => d !== v.tensor.shape[j]))
        throw new ShapeError(`${this.describe()}: weight '${v.name}' has shape ${fmtShape(v.tensor.shape)}. Received ${fmtShape(w.shape)}`);
    });
    weights.forEach((w, i) => this.vars[i].write(w));
  }

  /** The layer's configuration, camelCase (tfjs `getConfig`); subclasses add their keys to `super.getConfig()`. */
  getConfig(): ConfigDict {
    const config: ConfigDict = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape) config.batchInputShape = [...this.batchInputShape];
    return config;
  }

  /**
   * Writes the layer as ONNX nodes on `inputs` and returns its output value(s) (see
   * io/onnx/builder.ts). Layers without a mapping refuse, naming themselves.
   */
  toOnnx(_g: OnnxBuilder, _inputs: OnnxValue[]): OnnxValue | OnnxValue[] {
    throw new ValueError(`exportOnnx: ${this.describe()} has no ONNX mapping`);
  }

  /** Builds the layer for `inputShape` unless built (models call this); checks a built layer's weights fit it. */
  ensureBuilt(inputShape: Shape | Shape[]): void {
    if (this.built) {
      const was = this.builtShape;
      if (this.vars.length > 0 && was && !sameShapes(was, inputShape))
        throw new ShapeError(`${this.describe()} was built for input ${fmtShapes(was)}. Received ${fmtShapes(inputShape)}`);
      return;
    }
    this.computeOutputShape(inputShape);
    this.build(inputShape);
    this.builtShape = inputShape;
    this.built = true;
    if (this.initialWeights) {
      this.setWeights(this.initialWeights);
      this.initialWeights = null;
    }
  }

  /**
   * Calls the layer (tfjs `apply`). On tensors: builds on first use for their shapes, then calls.
   * On symbolic tensors (`ck.input`, other layers' symbolic outputs): builds for their shapes,
   * records the call as a node of the graph and returns the symbolic output(s), shapes inferred.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: Kwargs): SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[], kwargs?: Kwargs): Tensor | Tensor[];
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs?: Kwargs): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[];
  apply(inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], kwargs: Kwargs = {}): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    if (typeof kwargs !== 'object' || kwargs === null) throw new ValueError(`${this.describe()}: apply takes (inputs, { training }). Received ${describeValue(kwargs)} as the second argument`);
    const list: unknown[] = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0) throw new ValueError(`${this.describe()}: apply needs at least one input`);
    if (list.some(isSymbolic)) {
      if (!list.every(isSymbolic)) throw new ValueError(`${this.describe()}: apply takes either symbolic tensors (from ck.input) or tensors, not both. Received ${list.map(describeValue).join(', ')}`);
      return this.applySymbolic(list as SymbolicTensor[], Array.isArray(inputs), kwargs);
    }
    for (const t of list) {
      if (!(t instanceof Tensor)) throw new ValueError(`${this.describe()}: apply expects tensors or symbolic tensors. Received ${describeValue(t)}`);
      if (t.isDisposed) throw new ValueError(`${this.describe()}: an input tensor ${fmtShape(t.shape)} is disposed`);
    }
    const shapes: Shape[] = (list as Tensor[]).map((t) => [null, ...t.shape.slice(1)]);
    this.ensureBuilt(Array.isArray(inputs) ? shapes : shapes[0]);
    return this.call(inputs as Tensor | Tensor[], kwargs);
  }

  /** Records a call on symbolic tensors: shape inference, build, a new node and its outputs. */
  private applySymbolic(inputs: SymbolicTensor[], asList: boolean, kwargs: Kwargs): SymbolicTensor | SymbolicTensor[] {
    const shapes = inputs.map((t) => t.shape);
    const inShape = asList ? shapes : shapes[0];
    let outShape: Shape | Shape[];
    try {
      outShape = this.computeOutputShape(inShape);
      this.ensureBuilt(inShape);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      const from = inputs.map((t) => `${t.sourceLayer.describe()} ${fmtShape(t.shape)}`).join(' and ');
      throw new ShapeError(`${e.message} (input${inputs.length > 1 ? 's' : ''} from ${from})`);
    }
    const outShapes = isShapeList(outShape) ? outShape : [outShape];
    const nodeIndex = this.inboundNodes.length;
    const node = new Node(this, inputs, [], { ...kwargs });
    node.outputTensors = outShapes.map((s, i) => new SymbolicTensor('float32', [...s], this, nodeIndex, i, `${this.name}/${outShapes.length > 1 ? `output_${i}` : 'output'}`));
    this.inboundNodes.push(node);
    for (const t of inputs) t.sourceLayer.outboundNodes.push(node);
    return isShapeList(outShape) ? [...node.outputTensors] : node.outputTensors[0];
  }

  /** Frees the layer's weights. */
  dispose(): void {
    for (const v of this.vars) v.tensor.dispose();
  }
}
