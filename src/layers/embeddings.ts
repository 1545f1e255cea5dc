/**
 * Embedding (tfjs/Keras): looks up a learned vector [outputDim] for each integer index in
 * [0, inputDim). Float inputs (a model's input batch) are truncated to int32 first, as tfjs casts
 * them. An index outside [0, inputDim) gives a zero vector (as TensorFlow on a GPU; tfjs's CPU
 * backend throws instead).
 */
import { cast, gather, reshape } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { isNone, onlyDefault, positiveInt } from './args.js';
import { resolveConstraint, serializeConstraint, type Constraint, type ConstraintSpec } from './constraints.js';
import { resolveInitializer, serializeInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { Layer, exactlyOne, exactlyOneShape, type Kwargs, type LayerArgs, type LayerVariable, type Shape } from './layer.js';
import { resolveRegularizer, serializeRegularizer, type Regularizer, type RegularizerSpec } from './regularizers.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Size of the vocabulary: indices are in [0, inputDim). */
  inputDim: number;
  /** Length of each vector. */
  outputDim: number;
  /** Default 'randomUniform' (±0.05). */
  embeddingsInitializer?: InitializerSpec;
  embeddingsRegularizer?: RegularizerSpec;
  activityRegularizer?: RegularizerSpec;
  embeddingsConstraint?: ConstraintSpec;
  /** Masking is not supported: only false. */
  maskZero?: boolean;
  /** Length of the input sequences (or several lengths for higher ranks); as the first layer it gives the input shape. */
  inputLength?: number | number[] | null;
}

export class Embedding extends Layer {
  static readonly className = 'Embedding';
  static override readonly argNames: readonly string[] = [
    'inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'activityRegularizer', 'embeddingsConstraint', 'maskZero', 'inputLength',
  ];
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  readonly inputLength: number[] | null;
  embeddings: LayerVariable | null = null;

  constructor(args: EmbeddingArgs) {
    const a = (args ?? {}) as EmbeddingArgs;
    const lengths = isNone(a.inputLength) ? null : Array.isArray(a.inputLength) ? a.inputLength : [a.inputLength];
    // As tfjs: inputLength gives a first layer its input shape.
    const withLength = lengths && isNone(a.inputShape) && isNone(a.batchInputShape) && lengths.every((d) => Number.isInteger(d) && d > 0);
    super(withLength ? { ...a, inputShape: lengths } : a);
    const where = this.describe();
    if (lengths && !lengths.every((d) => Number.isInteger(d) && d > 0))
      throw new ValueError(`${where}: inputLength must be a positive integer or a list of them (cnnkit models need known lengths). Received inputLength=${JSON.stringify(a.inputLength)}`);
    this.inputLength = lengths ? [...lengths] : null;
    this.inputDim = positiveInt(a.inputDim, 'inputDim', where);
    this.outputDim = positiveInt(a.outputDim, 'outputDim', where);
    this.embeddingsInitializer = resolveInitializer(a.embeddingsInitializer ?? 'randomUniform', where, 'embeddingsInitializer');
    this.embeddingsRegularizer = resolveRegularizer(a.embeddingsRegularizer, where, 'embeddingsRegularizer');
    this.activityRegularizer = resolveRegularizer(a.activityRegularizer, where, 'activityRegularizer');
    this.embeddingsConstraint = resolveConstraint(a.embeddingsConstraint, where, 'embeddingsConstraint');
    onlyDefault(where, 'maskZero', a.maskZero, isNone(a.maskZero) || a.maskZero === false, 'must be false (cnnkit has no masking)');
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = exactlyOneShape(inputShape, this.describe());
    const lens = this.inputLength;
    if (lens && (lens.length !== s.length - 1 || lens.some((d, i) => s[i + 1] !== null && s[i + 1] !== d)))
      throw new ShapeError(`${this.describe()}: inputLength ${JSON.stringify(lens)} does not match input ${fmtShape(s)}`);
    return [...s, this.outputDim];
  }

  override build(inputShape: Shape | Shape[]): void {
    this.computeOutputShape(inputShape);
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', this.embeddingsInitializer, this.embeddingsRegularizer, true, this.embeddingsConstraint);
    super.build(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = exactlyOne(inputs, this.describe());
    const idx = x.dtype === 'int32' ? x : cast(x, 'int32');
    const y = reshape(gather((this.embeddings as LayerVariable).read(), reshape(idx, [idx.size])), [...x.shape, this.outputDim]);
    return this.activityRegularizer ? this.regularizeActivity(y, kwargs) : y;
  }

  override paramFormula(): string {
    return `${this.inputDim}*${this.outputDim}`;
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const x = g.nhwc(exactlyOne(inputs, this.describe()));
    const e = (this.embeddings as LayerVariable).read();
    const table = g.constant(`${this.name}/embeddings`, e.shape, Float32Array.from(e.dataSync()));
    const indices = g.node('Cast', [x.name], [g.int('to', 7)]); // int64
    const out = this.computeOutputShape(x.shape);
    return g.value(g.node('Gather', [table, indices], [g.int('axis', 0)]), out.length === 4 ? 'nhwc' : 'plain', out);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim, embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: serializeRegularizer(this.embeddingsRegularizer), activityRegularizer: serializeRegularizer(this.activityRegularizer),
      embeddingsConstraint: serializeConstraint(this.embeddingsConstraint), maskZero: false,
      inputLength: this.inputLength ? (this.inputLength.length === 1 ? this.inputLength[0] : [...this.inputLength]) : null,
    };
  }
}
registerClass(Embedding);
