/**
 * The small graph-building API through which each layer writes itself to ONNX
 * (`layer.toOnnx(g, inputs)`).
 *
 * cnnkit computes in NHWC (channels last) like Keras; ONNX's Conv and pooling want NCHW. Every
 * value therefore carries its layout: a 4-D value is 'nhwc' or 'nchw', anything else 'plain'.
 * `g.nchw(v)` / `g.nhwc(v)` give a value in the layout an op needs, adding one Transpose per value
 * and layout at most, so a chain of convolutions and poolings stays in NCHW between them. A
 * value's `shape` is always its logical (Keras, NHWC) shape.
 */
import { windowOutput, type Padding } from '../../backend/shape.js';
import type { Shape } from '../../layers/layer.js';
import { AttributeType, DataType, type AttributeMsg, type NodeMsg, type TensorMsg } from './proto.js';

/** How a value's dimensions are ordered in the ONNX graph. */
export type OnnxLayout = 'nhwc' | 'nchw' | 'plain';

/** A tensor of the graph being built. */
export interface OnnxValue {
  /** Its name in the graph. */
  readonly name: string;
  readonly layout: OnnxLayout;
  /** The logical (Keras, channels-last) shape; null for the batch dimension. */
  readonly shape: Shape;
}

function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorMsg {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: raw };
}

export class OnnxBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private count = 0;
  private readonly names = new Set<string>();
  private readonly relaid = new Map<string, OnnxValue>();

  /** An INT attribute. */
  int(name: string, v: number): AttributeMsg {
    return { name, type: AttributeType.INT, i: v };
  }
  /** An INTS attribute. */
  ints(name: string, v: readonly number[]): AttributeMsg {
    return { name, type: AttributeType.INTS, ints: [...v] };
  }
  /** A STRING attribute. */
  string(name: string, v: string): AttributeMsg {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  }
  /** A FLOAT attribute. */
  float(name: string, v: number): AttributeMsg {
    return { name, type: AttributeType.FLOAT, f: v };
  }

  /** Adds a node with one output; returns the output's name (`<label>_<n>`). */
  node(opType: string, inputs: readonly string[], attributes: readonly AttributeMsg[] = [], label = opType.toLowerCase()): string {
    const out = `${label}_${this.count++}`;
    this.nodes.push({ name: out, op_type: opType, input: [...inputs], output: [out], attribute: [...attributes] });
    return out;
  }

  /** A value for the output `name` of a node. */
  value(name: string, layout: OnnxLayout, shape: Shape): OnnxValue {
    return { name, layout, shape: [...shape] };
  }

  /** A node on one value whose output keeps its layout and shape (Relu, Softmax on its axis, ...). */
  unary(opType: string, x: OnnxValue, attributes: readonly AttributeMsg[] = [], extraInputs: readonly string[] = []): OnnxValue {
    return this.value(this.node(opType, [x.name, ...extraInputs], attributes), x.layout, x.shape);
  }

  /**
   * Adds a float32 constant (an initializer) and returns its name. Names are `<layer>/<weight>`
   * (layer names are unique in a model), so a layer called twice (shared) defines its weights once.
   */
  constant(name: string, dims: readonly number[], values: Float32Array): string {
    if (this.names.has(name)) return name;
    this.names.add(name);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  /** Adds a 1-D int64 constant (a shape, pads) and returns its name, which must be new. */
  int64Constant(name: string, values: readonly number[]): string {
    if (this.names.has(name)) throw new Error(`ONNX export: constant '${name}' is defined twice`);
    this.names.add(name);
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: raw });
    return name;
  }

  /** `x` with NCHW dimension order (a 4-D value). */
  nchw(x: OnnxValue): OnnxValue {
    return this.relayout(x, 'nchw');
  }

  /** `x` with NHWC (logical) dimension order; values that are not 4-D are returned as they are. */
  nhwc(x: OnnxValue): OnnxValue {
    return this.relayout(x, 'nhwc');
  }

  /** The values in one layout, the first one's (for element-wise merges). */
  sameLayout(xs: readonly OnnxValue[]): OnnxValue[] {
    const layout = xs.find((x) => x.layout !== 'plain')?.layout ?? 'plain';
    return xs.map((x) => (x.layout === 'plain' || layout === 'plain' ? x : this.relayout(x, layout)));
  }

  /** Where logical (NHWC) axis `axis` of a value of rank `rank` sits in `layout`. */
  axisIn(layout: OnnxLayout, axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    return layout === 'nchw' ? [0, 2, 3, 1][a] : a;
  }

  private relayout(x: OnnxValue, layout: 'nhwc' | 'nchw'): OnnxValue {
    if (x.layout === 'plain' || x.layout === layout) return x;
    const key = `${x.name}>${layout}`;
    let v = this.relaid.get(key);
    if (!v) {
      const perm = layout === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1];
      v = this.value(this.node('Transpose', [x.name], [this.ints('perm', perm)]), layout, x.shape);
      this.relaid.set(key, v);
    }
    return v;
  }
}

/** A conv kernel [kh, kw, in, out] (Keras) as [out, in, kh, kw] (ONNX OIHW). */
export function toOIHW(k: ArrayLike<number>, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
  return out;
}

/** ONNX pads [top, left, bottom, right] giving TensorFlow's 'valid'/'same' windows over an NHWC input shape. */
export function onnxPads(inputShape: Shape, k: readonly number[], s: readonly number[], padding: Padding): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const side = (n: number, kk: number, ss: number): [number, number] => {
    const { out, padBefore } = windowOutput(n, kk, ss, 'same');
    const total = Math.max((out - 1) * ss + kk - n, 0);
    return [padBefore, total - padBefore];
  };
  const [t, b] = side(inputShape[1] as number, k[0], s[0]);
  const [l, r] = side(inputShape[2] as number, k[1], s[1]);
  return [t, l, b, r];
}
