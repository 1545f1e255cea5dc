/**
 * Merge layers (Keras `keras.layers.Add`, ...): element-wise add, subtract, multiply, average,
 * maximum and minimum of inputs of one shape (dimensions of 1 broadcast, as Keras allows), and
 * concatenation along an axis.
 */
import { add, affine, concat, maximum, minimum, mul, sub } from '../autograd/ops.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { OnnxBuilder, OnnxValue } from '../io/onnx/builder.js';
import type { Tensor } from '../tensor/tensor.js';
import { registerClass, type ConfigDict } from '../util/serialization.js';
import { Layer, isShapeList, type LayerArgs, type Shape } from './layer.js';

/** Layers that combine several inputs into one output. */
export abstract class Merge extends Layer {
  static override readonly argNames: readonly string[] = [];
  /** Least number of inputs (Subtract takes exactly two). */
  protected readonly minInputs: number = 2;
  protected readonly maxInputs: number = Infinity;

  /** The input shapes as a list, checked for count and rank. */
  protected shapes(inputShape: Shape | Shape[]): Shape[] {
    const where = this.describe();
    if (!isShapeList(inputShape) || inputShape.length < this.minInputs || inputShape.length > this.maxInputs) {
      const n = this.maxInputs === this.minInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`;
      throw new ValueError(`${where}: expects a list of ${n} inputs. Received ${isShapeList(inputShape) ? `${inputShape.length}` : `one input ${fmtShape(inputShape)}`}`);
    }
    return inputShape;
  }

  /** Output shape of an element-wise merge: equal dimensions, or 1 against any (Keras `_compute_elemwise_op_output_shape`). */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = this.shapes(inputShape);
    const rank = shapes[0].length;
    if (shapes.some((s) => s.length !== rank))
      throw new ShapeError(`${this.describe()}: inputs must have the same rank. Received shapes ${shapes.map(fmtShape).join(' and ')}`);
    return shapes[0].map((_, i) => {
      if (i === 0) return shapes.some((s) => s[0] === null) ? null : shapes[0][0];
      let out: number | null = 1;
      for (const s of shapes) {
        const d = s[i];
        if (d === null || out === null) out = null;
        else if (out === 1) out = d;
        else if (d !== 1 && d !== out)
          throw new ShapeError(`${this.describe()}: inputs have incompatible shapes ${shapes.map(fmtShape).join(' and ')} (dimension ${i}: ${out} vs ${d})`);
      }
      return out;
    });
  }

  /** The element-wise combination of the inputs. */
  protected abstract merge(xs: Tensor[]): Tensor;

  /** The ONNX operator taking all the inputs at once. */
  protected abstract readonly onnxOp: string;

  override call(inputs: Tensor | Tensor[]): Tensor {
    if (!Array.isArray(inputs)) throw new ValueError(`${this.describe()}: expects a list of inputs. Received one tensor`);
    return this.merge(inputs);
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const xs = g.sameLayout(inputs);
    return g.value(g.node(this.onnxOp, xs.map((x) => x.name)), xs[0].layout, this.computeOutputShape(xs.map((x) => x.shape)));
  }
}

/** Applies `f` pairwise from the left: f(f(x0, x1), x2)... */
function fold(xs: Tensor[], f: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return xs.slice(1).reduce(f, xs[0]);
}

export class Add extends Merge {
  static readonly className = 'Add';
  static override readonly argNames = Merge.argNames;
  protected readonly onnxOp = 'Sum';
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, add);
  }
}
registerClass(Add);

export class Subtract extends Merge {
  static readonly className = 'Subtract';
  static override readonly argNames = Merge.argNames;
  protected override readonly minInputs = 2;
  protected override readonly maxInputs = 2;
  protected readonly onnxOp = 'Sub';
  protected merge(xs: Tensor[]): Tensor {
    return sub(xs[0], xs[1]);
  }
}
registerClass(Subtract);

export class Multiply extends Merge {
  static readonly className = 'Multiply';
  static override readonly argNames = Merge.argNames;
  protected readonly onnxOp = 'Mul';
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, mul);
  }
  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    // ONNX Mul takes two inputs: chain them.
    const xs = g.sameLayout(inputs);
    return xs.slice(1).reduce((a, b) => g.value(g.node('Mul', [a.name, b.name]), a.layout, this.computeOutputShape([a.shape, b.shape])), xs[0]);
  }
}
registerClass(Multiply);

export class Average extends Merge {
  static readonly className = 'Average';
  static override readonly argNames = Merge.argNames;
  protected readonly onnxOp = 'Mean';
  protected merge(xs: Tensor[]): Tensor {
    return affine(fold(xs, add), 1 / xs.length);
  }
}
registerClass(Average);

export class Maximum extends Merge {
  static readonly className = 'Maximum';
  static override readonly argNames = Merge.argNames;
  protected readonly onnxOp = 'Max';
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, maximum);
  }
}
registerClass(Maximum);

export class Minimum extends Merge {
  static readonly className = 'Minimum';
  static override readonly argNames = Merge.argNames;
  protected readonly onnxOp = 'Min';
  protected merge(xs: Tensor[]): Tensor {
    return fold(xs, minimum);
  }
}
registerClass(Minimum);

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (default -1, the channels); the batch axis 0 is refused. */
  axis?: number;
}

/** Joins its inputs along `axis`; the other dimensions must match. */
export class Concatenate extends Merge {
  static readonly className = 'Concatenate';
  static override readonly argNames: readonly string[] = ['axis'];
  readonly axis: number;
  protected readonly onnxOp = 'Concat';

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    const axis = args?.axis ?? -1;
    if (!Number.isInteger(axis) || axis === 0) throw new ValueError(`${this.describe()}: axis must be a non-zero integer (axis 0 is the batch). Received axis=${String(axis)}`);
    this.axis = axis;
  }

  /** The axis as a non-negative index for inputs of rank `rank`. */
  private axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a <= 0 || a >= rank) throw new ShapeError(`${this.describe()}: axis ${this.axis} is outside inputs of rank ${rank}`);
    return a;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = this.shapes(inputShape);
    const rank = shapes[0].length;
    const a = this.axisFor(rank);
    if (shapes.some((s) => s.length !== rank || s.some((d, i) => i !== 0 && i !== a && d !== shapes[0][i])))
      throw new ShapeError(`${this.describe()}: inputs must match in every dimension but the concatenation axis (${this.axis}). Received shapes ${shapes.map(fmtShape).join(' and ')}`);
    const out = [...shapes[0]];
    out[a] = shapes.some((s) => s[a] === null) ? null : shapes.reduce((n, s) => n + (s[a] as number), 0);
    return out;
  }

  protected merge(xs: Tensor[]): Tensor {
    return concat(xs, this.axisFor(xs[0].rank));
  }

  override toOnnx(g: OnnxBuilder, inputs: OnnxValue[]): OnnxValue {
    const xs = g.sameLayout(inputs);
    const rank = xs[0].shape.length;
    const axis = g.axisIn(xs[0].layout, this.axisFor(rank), rank);
    return g.value(g.node('Concat', xs.map((x) => x.name), [g.int('axis', axis)]), xs[0].layout, this.computeOutputShape(xs.map((x) => x.shape)));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}
registerClass(Concatenate);
