/**
 * Sequential: a linear stack of layers (Keras `keras.Sequential`, tfjs `tf.sequential`), the
 * linear case of the graph model: each `add` applies the layer to the previous output, so shapes
 * are inferred at once, and training, saving and export go through `LayersModel`.
 */
import { ShapeError, StateError, ValueError, fmtShape } from '../errors.js';
import { checkArgs } from '../layers/args.js';
import { InputLayer } from '../layers/input-layer.js';
import { Layer, uniqueLayerName, type Shape } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ConfigDict } from '../util/serialization.js';
import type { ModelData } from './data.js';
import type { EvaluateArgs } from './training.js';
import { LayersModel } from './model.js';

export type { CompileArgs } from './model.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

export class Sequential extends LayersModel {
  static override readonly className: string = 'Sequential';
  /** The model's input (an InputLayer's output), once known. */
  private input: SymbolicTensor | null = null;
  /** Whether the InputLayer was added by the user (it is then saved as the first entry). */
  private explicitInput = false;
  /** The layers and their outputs, in order. */
  private chain: { layer: Layer; output: SymbolicTensor }[] = [];

  constructor(args: SequentialArgs = {}) {
    checkArgs('sequential', args, ['layers', 'name']);
    super({ name: args?.name ?? uniqueLayerName('sequential') });
    for (const l of args?.layers ?? []) this.add(l);
  }

  /** Appends a layer, building it for the previous layer's output shape. An InputLayer may come first. */
  add(layer: Layer): void {
    const where = `Sequential '${this.name}'`;
    if (layer instanceof LayersModel) throw new ValueError(`${where}: adding a model as a layer is not supported; add its layers instead`);
    if (!(layer instanceof Layer)) throw new ValueError(`${where}: add expects a layer (e.g. ck.layers.dense({...})). Received ${String(layer)}`);
    if (this.layers.some((l) => l.name === layer.name)) throw new ValueError(`${where}: a layer named '${layer.name}' is already in the model`);
    if (layer instanceof InputLayer) {
      if (this.chain.length > 0 || this.input) throw new ValueError(`${where}: an InputLayer may only be the first layer`);
      this.input = layer.inboundNodes[0].outputTensors[0];
      this.explicitInput = true;
      return;
    }
    if (!this.input) {
      if (!layer.batchInputShape)
        throw new ValueError(`${where}: the first layer (${layer.describe()}) needs an inputShape, e.g. inputShape: [32, 32, 3]`);
      this.input = new InputLayer({ batchInputShape: layer.batchInputShape, name: `${layer.name}_input` }).inboundNodes[0].outputTensors[0];
    } else if (layer.batchInputShape && this.chain.length > 0) {
      const prev = this.outputShape;
      if (layer.batchInputShape.length !== prev.length || layer.batchInputShape.some((d, i) => i > 0 && d !== prev[i]))
        throw new ShapeError(`${layer.describe()}: declared inputShape ${fmtShape(layer.batchInputShape)} does not match the previous output ${fmtShape(prev)}`);
    }
    const x = this.chain.length ? this.chain[this.chain.length - 1].output : this.input;
    const out = layer.apply(x);
    if (Array.isArray(out)) throw new ValueError(`${where}: ${layer.describe()} has ${out.length} outputs; a Sequential layer must have one`);
    this.chain.push({ layer, output: out });
    this.setGraph([this.input], [out]);
  }

  /** Removes the last layer. */
  pop(): void {
    if (this.chain.length === 0) throw new StateError(`Sequential '${this.name}': there is no layer to pop`);
    this.chain.pop();
    const last = this.chain[this.chain.length - 1];
    this.setGraph(this.input ? [this.input] : [], last ? [last.output] : []);
  }

  /** The layers in order (the InputLayer, as in Keras, not included). */
  override get layers(): Layer[] {
    return this.chain.map((c) => c.layer);
  }

  override get inputShape(): Shape {
    if (this.chain.length === 0) throw new StateError(`Sequential '${this.name}' has no layers`);
    return [...(this.input as SymbolicTensor).shape];
  }

  override get outputShape(): Shape {
    if (this.chain.length === 0) throw new StateError(`Sequential '${this.name}' has no layers`);
    return [...this.chain[this.chain.length - 1].output.shape];
  }

  /** Outputs for x, computed in batches (a Sequential has one output). */
  override predict(x: ModelData, args: EvaluateArgs = {}): Tensor {
    return super.predict(x, args) as Tensor;
  }

  /** Runs the layers on one input batch; `logits` stops before a final softmax that the loss fuses (see `plan.fusesSoftmax`). */
  forward(x: Tensor, training: boolean, logits = false): Tensor {
    return this.execute([x], training, logits)[0];
  }

  /** tfjs's Sequential config: the layers' class names and configs, in order (camelCase). */
  override getConfig(): ConfigDict {
    const layers: Layer[] = this.explicitInput ? [(this.input as SymbolicTensor).sourceLayer as unknown as Layer, ...this.layers] : this.layers;
    return { name: this.name, layers: layers.map((l) => ({ className: l.getClassName(), config: l.getConfig() })) };
  }
}

/** Creates a Sequential model (tfjs `tf.sequential`). */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
