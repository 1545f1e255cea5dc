/** InputLayer (Keras `keras.layers.InputLayer`, tfjs `tf.layers.inputLayer`): the entry point of a model, with its shape and dtype. */
import { ValueError, fmtValue } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { isNone } from './args.js';
import { Layer, exactlyOne, type LayerArgs, type Shape } from './layer.js';

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
    super({ ...rest, trainable: false });
    const where = this.describe();
    if (!isNone(dtype) && dtype !== 'float32' && dtype !== 'int32') throw new ValueError(`${where}: dtype must be 'float32' or 'int32'. Received dtype=${fmtValue(dtype)}`);
    if (!isNone(sparse) && sparse !== false) throw new ValueError(`${where}: sparse inputs are not supported. Received sparse=${fmtValue(sparse)}`);
    if (!isNone(ragged) && ragged !== false) throw new ValueError(`${where}: ragged inputs are not supported. Received ragged=${fmtValue(ragged)}`);
    if (!this.batchInputShape) throw new ValueError(`${where}: give inputShape (e.g. inputShape: [32, 32, 3]) or batchInputShape`);
    this.inputDType = dtype ?? 'float32';
    this.built = true;
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
