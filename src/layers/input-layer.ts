/**
 * InputLayer (Keras `keras.layers.InputLayer`, tfjs `tf.layers.inputLayer`) and `ck.input`: the
 * entry points of a model, with their shape and dtype. An input layer is "called" once, when it is
 * made: its node yields the symbolic tensor that `ck.input` returns.
 */
import { ValueError, fmtValue } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { checkArgs, isNone } from './args.js';
import { Layer, exactlyOne, uniqueLayerName, type LayerArgs, type Shape } from './layer.js';
import { Node, SymbolicTensor } from './symbolic.js';

/** Input dtypes a model takes: float32 features, or int32 indices (embeddings). */
export type InputDType = 'float32' | 'int32';

export interface InputLayerArgs extends Pick<LayerArgs, 'name' | 'inputShape' | 'batchInputShape' | 'batchSize'> {
  dtype?: InputDType;
  /** Sparse inputs are not supported: only false. */
  sparse?: boolean;
}

export class InputLayer extends Layer {
  static readonly className = 'InputLayer';
  static override readonly argNames: readonly string[] = ['sparse', 'ragged'];
  /** The dtype the model's input takes. */
  readonly inputDType: InputDType;

  constructor(args: InputLayerArgs) {
    const { dtype, sparse, ragged, ...rest } = (args ?? {}) as InputLayerArgs & { ragged?: boolean };
    super({ ...rest, name: rest.name ?? uniqueLayerName('input', false), trainable: false });
    const where = this.describe();
    if (!isNone(dtype) && dtype !== 'float32' && dtype !== 'int32') throw new ValueError(`${where}: dtype must be 'float32' or 'int32'. Received dtype=${fmtValue(dtype)}`);
    if (!isNone(sparse) && sparse !== false) throw new ValueError(`${where}: sparse inputs are not supported. Received sparse=${fmtValue(sparse)}`);
    if (!isNone(ragged) && ragged !== false) throw new ValueError(`${where}: ragged inputs are not supported. Received ragged=${fmtValue(ragged)}`);
    if (!this.batchInputShape) throw new ValueError(`${where}: give inputShape (e.g. inputShape: [32, 32, 3]) or batchInputShape`);
    this.inputDType = dtype ?? 'float32';
    this.built = true;
    const output = new SymbolicTensor(this.inputDType, [...this.batchInputShape], this, 0, 0, this.name);
    this.inboundNodes.push(new Node(this, [], [output]));
  }

  override get inputShape(): Shape {
    return this.batchInputShape as Shape;
  }

  override computeOutputShape(): Shape {
    return [...(this.batchInputShape as Shape)];
  }

  override toOnnx(_g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    return exactlyOne(inputs, this.describe());
  }

  override getConfig(): ConfigDict {
    return { batchInputShape: [...(this.batchInputShape as Shape)], dtype: this.inputDType, sparse: false, name: this.name };
  }
}
registerClass(InputLayer);

/** Arguments of `ck.input` (tfjs `InputConfig`). */
export interface InputConfig {
  /** Shape of one sample, without the batch dimension. */
  shape?: number[];
  /** Shape with the batch dimension first (null). */
  batchShape?: (number | null)[];
  name?: string;
  dtype?: InputDType;
  sparse?: boolean;
}

/** A symbolic input of a graph model (tfjs `tf.input`, Keras `keras.Input`). */
export function input(config: InputConfig): SymbolicTensor {
  checkArgs('input', config, ['shape', 'batchShape', 'name', 'dtype', 'sparse']);
  if (isNone(config.shape) && isNone(config.batchShape)) throw new ValueError('input: give shape (e.g. shape: [32, 32, 3]) or batchShape');
  if (!isNone(config.shape) && !isNone(config.batchShape)) throw new ValueError('input: give shape or batchShape, not both');
  const layer = new InputLayer({ inputShape: config.shape, batchInputShape: config.batchShape, name: config.name, dtype: config.dtype, sparse: config.sparse });
  return layer.inboundNodes[0].outputTensors[0];
}
