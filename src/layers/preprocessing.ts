/** Rescaling (Keras preprocessing): y = x · scale + offset, so uint8 images can be scaled inside the model. */
import { affine } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { isNone } from './args.js';
import { Layer, exactlyOne, exactlyOneShape, type LayerArgs, type Shape } from './layer.js';

export interface RescalingArgs extends LayerArgs {
  scale: number;
  offset?: number;
}

export class Rescaling extends Layer {
  static readonly className = 'Rescaling';
  static override readonly argNames: readonly string[] = ['scale', 'offset'];
  readonly scale: number;
  readonly offset: number;

  constructor(args: RescalingArgs) {
    super(args);
    const where = this.describe();
    if (typeof args.scale !== 'number' || !Number.isFinite(args.scale)) throw new ValueError(`${where}: scale must be a finite number. Received scale=${args.scale}`);
    if (!isNone(args.offset) && (typeof args.offset !== 'number' || !Number.isFinite(args.offset)))
      throw new ValueError(`${where}: offset must be a finite number. Received offset=${String(args.offset)}`);
    this.scale = args.scale;
    this.offset = args.offset ?? 0;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return exactlyOneShape(inputShape, this.describe());
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return affine(exactlyOne(inputs, this.describe()), this.scale, this.offset);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    let y = g.unary('Mul', exactlyOne(inputs, this.describe()), [], [g.constant(`${this.name}/scale`, [], Float32Array.of(this.scale))]);
    if (this.offset !== 0) y = g.unary('Add', y, [], [g.constant(`${this.name}/offset`, [], Float32Array.of(this.offset))]);
    return y;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
registerClass(Rescaling);
