/**
 * ONNX export (opset 13) of a Sequential model. cnnkit computes in NHWC (channels last) like Keras;
 * the graph keeps the model's NHWC input and output, transposes to NCHW for Conv/MaxPool/AveragePool
 * (kernels converted from [kh, kw, in, out] to OIHW, TensorFlow 'same' padding written as explicit
 * pads), and transposes back to NHWC before Flatten so Dense kernels keep Keras's order.
 */
import { windowOutput } from '../../backend/shape.js';
import { ValueError } from '../../errors.js';
import { Conv2D } from '../../layers/convolutional.js';
import { Activation, Dense, Dropout, Flatten, Rescaling } from '../../layers/core.js';
import { Pooling2D } from '../../layers/pooling.js';
import type { Layer } from '../../layers/layer.js';
import type { Sequential } from '../../models/sequential.js';
import { GENERATED_BY } from '../save.js';
import { AttributeType, DataType, encodeModel, type AttributeMsg, type NodeMsg, type TensorMsg, type ValueInfoMsg } from './proto.js';

/** The ONNX operator set the graph targets. */
export const ONNX_OPSET = 13;
/** ONNX IR version matching opset 13. */
export const ONNX_IR_VERSION = 7;

type Layout = 'nhwc' | 'nchw' | 'flat';

const ints = (name: string, v: number[]): AttributeMsg => ({ name, type: AttributeType.INTS, ints: v });
const int = (name: string, v: number): AttributeMsg => ({ name, type: AttributeType.INT, i: v });
const float = (name: string, v: number): AttributeMsg => ({ name, type: AttributeType.FLOAT, f: v });

function floatTensor(name: string, dims: number[], values: Float32Array): TensorMsg {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, data_type: DataType.FLOAT, raw_data: raw };
}

function valueInfo(name: string, shape: (number | null)[]): ValueInfoMsg {
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: shape.map((d) => (d === null ? { dim_param: 'batch' } : { dim_value: d })) } } } };
}

/** [kh, kw, in, out] (Keras) → [out, in, kh, kw] (ONNX OIHW). */
function toOIHW(k: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
  return out;
}

/** ONNX pads [top, left, bottom, right] giving TensorFlow's 'valid'/'same' windows. */
function pads(inH: number, inW: number, k: readonly number[], s: readonly number[], padding: 'valid' | 'same'): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const side = (n: number, kk: number, ss: number): [number, number] => {
    const { out, padBefore } = windowOutput(n, kk, ss, 'same');
    const total = Math.max((out - 1) * ss + kk - n, 0);
    return [padBefore, total - padBefore];
  };
  const [t, b] = side(inH, k[0], s[0]);
  const [l, r] = side(inW, k[1], s[1]);
  return [t, l, b, r];
}

class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly inits: TensorMsg[] = [];
  private n = 0;
  current = 'input';
  layout: Layout = 'nhwc';

  op(opType: string, inputs: string[], attribute: AttributeMsg[] = [], label = opType.toLowerCase()): string {
    const out = `${label}_${this.n++}`;
    this.nodes.push({ name: out, op_type: opType, input: inputs, output: [out], attribute });
    return out;
  }
  init(name: string, dims: number[], values: Float32Array): string {
    this.inits.push(floatTensor(name, dims, values));
    return name;
  }
  /** Applies a single-input op to the current tensor. */
  step(opType: string, attribute: AttributeMsg[] = [], extra: string[] = [], label?: string): void {
    this.current = this.op(opType, [this.current, ...extra], attribute, label);
  }
  to(layout: 'nhwc' | 'nchw'): void {
    if (this.layout === layout || this.layout === 'flat') return;
    this.step('Transpose', [ints('perm', layout === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1])]);
    this.layout = layout;
  }
  activation(act: string, where: string): void {
    if (act === 'linear') return;
    if (act === 'relu') this.step('Relu');
    else if (act === 'sigmoid') this.step('Sigmoid');
    else if (act === 'tanh') this.step('Tanh');
    else if (act === 'softmax') this.step('Softmax', [int('axis', this.layout === 'nchw' ? 1 : -1)]);
    else throw new ValueError(`exportOnnx: ${where}: activation '${act}' has no ONNX mapping`);
  }
}

function weightsOf(l: Layer): Float32Array[] {
  return l.weights.map((v) => Float32Array.from(v.tensor.dataSync()));
}

function addLayer(g: GraphBuilder, l: Layer): void {
  const where = l.describe();
  const inShape = l.inputShape;
  if (l instanceof Conv2D) {
    g.to('nchw');
    const [k, b] = weightsOf(l);
    const w = g.init(`${l.name}/kernel`, [l.filters, inShape[3] as number, ...l.kernelSize], toOIHW(k, l.weights[0].tensor.shape));
    const extra = [w, ...(b ? [g.init(`${l.name}/bias`, [l.filters], b)] : [])];
    g.step('Conv', [ints('kernel_shape', l.kernelSize), ints('strides', l.strides), ints('dilations', [1, 1]), int('group', 1),
      ints('pads', pads(inShape[1] as number, inShape[2] as number, l.kernelSize, l.strides, l.padding))], extra);
    g.activation(l.activation, where);
  } else if (l instanceof Pooling2D) {
    g.to('nchw');
    const attrs = [ints('kernel_shape', l.poolSize), ints('strides', l.strides), ints('pads', pads(inShape[1] as number, inShape[2] as number, l.poolSize, l.strides, l.padding))];
    g.step(l.kind === 'max' ? 'MaxPool' : 'AveragePool', l.kind === 'max' ? attrs : [...attrs, int('count_include_pad', 0)]);
  } else if (l instanceof Flatten) {
    g.to('nhwc');
    g.step('Flatten', [int('axis', 1)]);
    g.layout = 'flat';
  } else if (l instanceof Dense) {
    const [k, b] = weightsOf(l);
    const kernel = g.init(`${l.name}/kernel`, [...l.weights[0].tensor.shape], k);
    if (inShape.length === 2) {
      const extra = [kernel, ...(b ? [g.init(`${l.name}/bias`, [l.units], b)] : [])];
      g.step('Gemm', [float('alpha', 1), float('beta', 1), int('transA', 0), int('transB', 0)], extra);
    } else {
      g.to('nhwc'); // Dense acts on the last (channels) axis
      g.step('MatMul', [], [kernel]);
      if (b) g.step('Add', [], [g.init(`${l.name}/bias`, [l.units], b)]);
    }
    g.activation(l.activation, where);
  } else if (l instanceof Activation) {
    g.activation(l.activation, where);
  } else if (l instanceof Rescaling) {
    g.step('Mul', [], [g.init(`${l.name}/scale`, [], Float32Array.of(l.scale))]);
  } else if (l instanceof Dropout) {
    // Identity at inference.
  } else {
    throw new ValueError(`exportOnnx: ${where} has no ONNX mapping (supported: Conv2D, MaxPooling2D, AveragePooling2D, Dense, Flatten, Dropout, Activation, Rescaling)`);
  }
}

/** The model as an ONNX ModelProto (plain object), input `input` [batch, ...] and output `output`, both channels-last. */
export function onnxModelProto(model: Sequential): Record<string, unknown> {
  if (model.layers.length === 0) throw new ValueError(`exportOnnx: model '${model.name}' has no layers`);
  const g = new GraphBuilder();
  if (model.inputShape.length !== 4) g.layout = 'flat';
  for (const l of model.layers) addLayer(g, l);
  if (g.layout === 'nchw') g.to('nhwc');
  g.nodes.push({ name: 'output_identity', op_type: 'Identity', input: [g.current], output: ['output'], attribute: [] });
  return {
    ir_version: ONNX_IR_VERSION, producer_name: 'cnnkit', producer_version: GENERATED_BY.split(' ')[1], model_version: 1,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name, node: g.nodes, initializer: g.inits,
      input: [valueInfo('input', model.inputShape)], output: [valueInfo('output', model.outputShape)],
    },
  };
}

/** The model encoded as ONNX protobuf bytes (opset 13). */
export function exportOnnxBytes(model: Sequential): Uint8Array {
  return encodeModel(onnxModelProto(model));
}
