/**
 * Sequential: a linear stack of layers (Keras `keras.Sequential`, tfjs `tf.sequential`). Shapes are
 * inferred at `add`; fit/evaluate/predict live in training.ts and own their memory.
 */
import { ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { resolveLoss, type LossSpec } from '../losses/index.js';
import { resolveMetrics, type MetricName } from '../metrics/index.js';
import { getOptimizer, type Optimizer } from '../optimizers/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { Layer, uniqueLayerName, type LayerVariable, type Shape } from '../layers/layer.js';
import { InputLayer } from '../layers/input-layer.js';
import { convertTsToPythonic } from '../util/serialization.js';
import type { History } from './callbacks.js';
import { evaluateModel, fitModel, predictModel, type EvaluateArgs, type FitArgs } from './training.js';
import { formatSummary } from './summary.js';
import { planSequential, type ExecutionPlan } from './fusion.js';
import { saveModel } from '../io/save.js';
import type { IOHandler, SaveConfig, SaveResult } from '../io/types.js';

export interface CompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossSpec;
  metrics?: string[];
}

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set by callbacks (e.g. early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  /** True while `fit` runs (a second concurrent fit is refused). */
  isTraining = false;
  optimizer: Optimizer | null = null;
  loss: LossSpec | null = null;
  metrics: MetricName[] = [];
  /** The InputLayer given as the first layer, if any. */
  private inputLayer: InputLayer | null = null;
  private cachedPlan: { layers: number; loss: LossSpec | null; plan: ExecutionPlan } | null = null;

  constructor({ layers = [], name }: SequentialArgs = {}) {
    this.name = name ?? uniqueLayerName('sequential');
    for (const l of layers) this.add(l);
  }

  /** Appends a layer, building it for the previous layer's output shape. An InputLayer may come first. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ValueError(`Sequential '${this.name}': add expects a layer (e.g. ck.layers.dense({...})). Received ${String(layer)}`);
    if (this.layers.some((l) => l.name === layer.name)) throw new ValueError(`Sequential '${this.name}': a layer named '${layer.name}' is already in the model`);
    if (layer instanceof InputLayer) {
      if (this.layers.length > 0 || this.inputLayer) throw new ValueError(`Sequential '${this.name}': an InputLayer may only be the first layer`);
      this.inputLayer = layer;
      return;
    }
    let inputShape: Shape;
    if (this.layers.length === 0) {
      const declared = this.inputLayer?.batchInputShape ?? layer.batchInputShape;
      if (!declared)
        throw new ValueError(`Sequential '${this.name}': the first layer (${layer.describe()}) needs an inputShape, e.g. inputShape: [32, 32, 3]`);
      inputShape = declared;
    } else {
      if (layer.batchInputShape) {
        const prev = this.outputShape;
        if (layer.batchInputShape.length !== prev.length || layer.batchInputShape.some((d, i) => i > 0 && d !== prev[i]))
          throw new ShapeError(`${layer.describe()}: declared inputShape ${fmtShape(layer.batchInputShape)} does not match the previous output ${fmtShape(prev)}`);
      }
      inputShape = this.outputShape;
    }
    layer.ensureBuilt(inputShape);
    this.layers.push(layer);
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.layers.length === 0) throw new StateError(`Sequential '${this.name}': there is no layer to pop`);
    this.layers.pop();
  }

  get inputShape(): Shape {
    if (this.layers.length === 0) throw new StateError(`Sequential '${this.name}' has no layers`);
    return this.layers[0].inputShape as Shape;
  }

  get outputShape(): Shape {
    if (this.layers.length === 0) throw new StateError(`Sequential '${this.name}' has no layers`);
    return this.layers[this.layers.length - 1].outputShape as Shape;
  }

  /**
   * The variables in Keras/tfjs order: every trainable weight (layer by layer, kernel before
   * bias), then every non-trainable one (moving statistics, frozen layers' weights).
   */
  private variables(): LayerVariable[] {
    return [...this.layers.flatMap((l) => l.trainableWeights), ...this.layers.flatMap((l) => l.nonTrainableWeights)];
  }

  /** Every weight tensor in Keras/tfjs order (trainable ones first, as `model.weights`). */
  get weights(): Tensor[] {
    return this.variables().map((v) => v.tensor);
  }

  get trainableWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.trainableWeights.map((v) => v.tensor));
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

  /** Sets all weights (copied), in `weights` order; shapes are checked first, so a mismatch changes nothing. */
  setWeights(weights: readonly Tensor[]): void {
    const vars = this.variables();
    if (weights.length !== vars.length) throw new ValueError(`Sequential '${this.name}': setWeights expects ${vars.length} arrays. Received ${weights.length}`);
    vars.forEach((v, i) => {
      const w = weights[i];
      if (!(w instanceof Tensor)) throw new ValueError(`Sequential '${this.name}': setWeights expects tensors. Received ${String(w)} for weight '${v.name}'`);
      if (w.shape.length !== v.shape.length || w.shape.some((d, j) => d !== v.shape[j]))
        throw new ShapeError(`Sequential '${this.name}': weight '${v.name}' has shape ${fmtShape(v.shape)}. Received ${fmtShape(w.shape)}`);
    });
    vars.forEach((v, i) => v.write(weights[i]));
  }

  /**
   * Prints the tf.keras summary table. Like tfjs, takes an optional line length, column positions
   * (fractions or absolute) and a print function that receives each line.
   */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): void {
    for (const line of formatSummary(this, lineLength, positions)) printFn(line);
  }

  /** Configures training: optimizer, loss and metrics (Keras names in camelCase or snake_case). */
  compile({ optimizer, loss, metrics }: CompileArgs): void {
    if (this.layers.length === 0) throw new StateError(`Sequential '${this.name}': add layers before compile`);
    this.optimizer = getOptimizer(optimizer);
    this.loss = resolveLoss(loss);
    this.metrics = resolveMetrics(metrics);
  }

  /** How the layers run (with the fusions compile chose); rebuilt when layers change. */
  get plan(): ExecutionPlan {
    if (!this.cachedPlan || this.cachedPlan.layers !== this.layers.length || this.cachedPlan.loss !== this.loss)
      this.cachedPlan = { layers: this.layers.length, loss: this.loss, plan: planSequential(this.layers, this.loss) };
    return this.cachedPlan.plan;
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

  /** Runs the layers; `logits` stops before a final softmax that the loss fuses (see `plan.fusesSoftmax`). */
  forward(x: Tensor, training: boolean, logits = false): Tensor {
    return this.plan.run(x, training, logits);
  }

  /** Trains for a number of epochs; resolves to the History. See FitArgs. */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    return fitModel(this, x, y, args);
  }

  /**
   * Mean loss and metrics over (x, y), batched, as scalar tensors (tfjs): the loss alone, or
   * `[loss, accuracy]` when compiled with metrics.
   */
  evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Tensor | Tensor[] {
    return evaluateModel(this, x, y, args);
  }

  /** Outputs for x, computed in batches (probabilities for a softmax model). */
  predict(x: Tensor, args: EvaluateArgs = {}): Tensor {
    return predictModel(this, x, args);
  }

  /**
   * Saves the model in the TensorFlow.js layers format (tfjs `model.save`): to a URL such as
   * `'file://path/to/dir'` (Node.js) or to an IOHandler (`ck.io.withSaveHandler`, ...).
   */
  async save(handlerOrUrl: string | IOHandler, config?: SaveConfig): Promise<SaveResult> {
    return saveModel(this, handlerOrUrl, config);
  }

  /** Frees the weights and the optimizer state; the model is unusable afterwards. */
  dispose(): void {
    this.optimizer?.dispose();
    for (const w of this.weights) w.dispose();
  }

  /** Keras JSON config of the model, as the layers format writes it (snake_case). */
  getConfig(): Record<string, unknown> {
    const layers = this.inputLayer ? [this.inputLayer, ...this.layers] : this.layers;
    return { name: this.name, layers: layers.map((l) => ({ class_name: l.getClassName(), config: convertTsToPythonic(l.getConfig()) })) };
  }

  /** Throws unless compiled. */
  requireCompiled(what: string): { optimizer: Optimizer; loss: LossSpec } {
    if (!this.optimizer || !this.loss) throw new StateError(`Sequential '${this.name}': call compile({ optimizer, loss }) before ${what}`);
    return { optimizer: this.optimizer, loss: this.loss };
  }
}

/** Creates a Sequential model (tfjs `tf.sequential`). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
