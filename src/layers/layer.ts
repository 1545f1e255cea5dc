/**
 * The layer lifecycle, kept small (Keras): the constructor validates and stores the config and
 * creates no weights; `build(inputShape)` creates weights through `addWeight`; `call(x)` only
 * computes; `computeOutputShape` holds the shape validation and is used by `build`.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { initialize, type InitializerName } from './initializers.js';

/** A shape with `null` for the batch dimension, as Keras prints it. */
export type Shape = (number | null)[];

export interface LayerArgs {
  name?: string;
  /** Shape of one sample, without the batch dimension (first layer only). */
  inputShape?: number[];
  /** Shape including the batch dimension (`null` for any), as in tfjs. */
  batchInputShape?: (number | null)[];
  trainable?: boolean;
}

/** A named weight of a layer, e.g. `conv2d/kernel`. */
export interface LayerVariable {
  /** Full name as Keras/tfjs writes it: `<layer>/<weight>`. */
  readonly name: string;
  readonly tensor: Tensor;
  readonly trainable: boolean;
}

const nameCounts = new Map<string, number>();

/** Keras-style unique names: conv2d, conv2d_1, conv2d_2, ... per prefix, for the whole session. */
export function uniqueLayerName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Runs `fn` without consuming layer names: the counters are restored afterwards. */
export function withoutNaming<T>(fn: () => T): T {
  const saved = new Map(nameCounts);
  try {
    return fn();
  } finally {
    nameCounts.clear();
    for (const [k, v] of saved) nameCounts.set(k, v);
  }
}

/** Resets the name counters (Keras's `clear_session`). */
export function clearSession(): void {
  nameCounts.clear();
}

/** 'MaxPooling2D' → 'max_pooling2d' (Keras's to_snake_case). */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Expands `v` to a tuple of `n` positive integers, naming the argument in errors (Keras standardize_tuple). */
export function normalizeTuple(v: number | readonly number[], n: number, argName: string, where: string): number[] {
  const t = typeof v === 'number' ? Array<number>(n).fill(v) : [...v];
  if (t.length !== n || t.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ValueError(`${where}: ${argName} must be a positive integer or a tuple of ${n} positive integers. Received ${argName}=${JSON.stringify(v)}`);
  return t;
}

/** Validates a positive integer argument. */
export function positiveInt(v: unknown, argName: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ValueError(`${where}: ${argName} must be a positive integer. Received ${argName}=${String(v)}`);
  return v;
}

/** Short description of a non-tensor value for error messages. */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : `${typeof v} ${String(v)}`;
}

/** Copies the values of `src` (same size, any dtype) into the float32 tensor `dst` on the backend. */
export function assignValues(dst: Tensor, src: Tensor): void {
  const be = dst.backend;
  if (src.isHost) be.write(dst.storage, src.hostData);
  else if (src.dtype !== 'float32' || src.backend !== be) be.write(dst.storage, src.dataSync());
  else be.copy(src.storage, 0, dst.storage, 0, dst.size);
}

export abstract class Layer {
  /** Keras class name, e.g. 'Conv2D'. */
  readonly className: string;
  readonly name: string;
  trainable: boolean;
  /** Declared batch input shape (first layer of a Sequential). */
  readonly batchInputShape: Shape | null;
  protected built = false;
  private vars: LayerVariable[] = [];
  private shapeIn: Shape | null = null;
  private shapeOut: Shape | null = null;

  constructor(args: LayerArgs, className: string) {
    this.className = className;
    this.name = args.name ?? uniqueLayerName(snakeCase(className));
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) {
      for (const d of args.inputShape) if (!Number.isInteger(d) || d <= 0) throw new ValueError(`${this.describe()}: inputShape must hold positive integers. Received inputShape=${JSON.stringify(args.inputShape)}`);
      this.batchInputShape = [null, ...args.inputShape];
    } else this.batchInputShape = null;
  }

  /** `Conv2D 'conv2d_1'`, for error messages. */
  describe(): string {
    return `${this.className} '${this.name}'`;
  }

  /** Output shape for an input shape; throws a ShapeError naming the layer when the input is wrong. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** Forward computation on a built layer. `training` switches dropout-like behaviour. */
  abstract call(x: Tensor, training: boolean): Tensor;

  /** Creates the layer's weights for `inputShape`. Subclasses add weights via `addWeight` then call super. */
  build(inputShape: Shape): void {
    this.shapeIn = [...inputShape];
    this.shapeOut = this.computeOutputShape(inputShape);
    this.built = true;
  }

  get isBuilt(): boolean {
    return this.built;
  }

  get inputShape(): Shape {
    if (!this.shapeIn) throw new ValueError(`${this.describe()} is not built yet`);
    return this.shapeIn;
  }

  get outputShape(): Shape {
    if (!this.shapeOut) throw new ValueError(`${this.describe()} is not built yet`);
    return this.shapeOut;
  }

  protected addWeight(name: string, shape: number[], initializer: InitializerName): Tensor {
    const t = initialize(initializer, shape);
    t.requiresGrad = true;
    this.vars.push({ name: `${this.name}/${name}`, tensor: t, trainable: true });
    return t;
  }

  /** The layer's variables, in Keras order (kernel before bias). */
  get weights(): readonly LayerVariable[] {
    return this.vars;
  }

  get trainableWeights(): LayerVariable[] {
    return this.trainable ? this.vars.filter((v) => v.trainable) : [];
  }

  countParams(): number {
    return this.vars.reduce((s, v) => s + v.tensor.size, 0);
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
    if (weights.length !== this.vars.length)
      throw new ValueError(`${this.describe()}: setWeights expects ${this.vars.length} arrays (${this.vars.map((v) => fmtShape(v.tensor.shape)).join(', ')}). Received ${weights.length}`);
    weights.forEach((w, i) => {
      const v = this.vars[i];
      if (!(w instanceof Tensor)) throw new ValueError(`${this.describe()}: setWeights expects tensors. Received ${describeValue(w)} for weight '${v.name}'`);
      if (w.isDisposed) throw new ValueError(`${this.describe()}: the tensor given for weight '${v.name}' is disposed`);
      if (w.shape.length !== v.tensor.shape.length || w.shape.some((d, j) => d !== v.tensor.shape[j]))
        throw new ShapeError(`${this.describe()}: weight '${v.name}' has shape ${fmtShape(v.tensor.shape)}. Received ${fmtShape(w.shape)}`);
    });
    weights.forEach((w, i) => assignValues(this.vars[i].tensor, w));
  }

  /** The layer's configuration as plain JSON (Keras `get_config`). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape) config.batch_input_shape = this.batchInputShape;
    return config;
  }

  /** Builds on first use, then calls. */
  apply(x: Tensor, training = false): Tensor {
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
    return this.call(x, training);
  }
}
