/**
 * ONNX export (opset 13). Each layer writes its own nodes (`layer.toOnnx`, through the builder in
 * builder.ts); the graph keeps the model's NHWC input and output, with NCHW between convolutions
 * and poolings.
 */
import { ValueError } from '../../errors.js';
import type { Shape } from '../../layers/layer.js';
import type { Sequential } from '../../models/sequential.js';
import { GENERATED_BY } from '../save.js';
import { OnnxBuilder, type OnnxValue } from './builder.js';
import { DataType, encodeModel, type ValueInfoMsg } from './proto.js';

/** The ONNX operator set the graph targets. */
export const ONNX_OPSET = 13;
/** ONNX IR version matching opset 13. */
export const ONNX_IR_VERSION = 7;

function valueInfo(name: string, shape: (number | null)[]): ValueInfoMsg {
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: shape.map((d) => (d === null ? { dim_param: 'batch' } : { dim_value: d })) } } } };
}

/** A model input as a graph value: 4-D inputs are NHWC. */
function inputValue(g: OnnxBuilder, name: string, shape: Shape): OnnxValue {
  return g.value(name, shape.length === 4 ? 'nhwc' : 'plain', shape);
}

/** The model as an ONNX ModelProto (plain object), input `input` [batch, ...] and output `output`, both channels-last. */
export function onnxModelProto(model: Sequential): Record<string, unknown> {
  if (model.layers.length === 0) throw new ValueError(`exportOnnx: model '${model.name}' has no layers`);
  const g = new OnnxBuilder();
  let v = inputValue(g, 'input', model.inputShape);
  for (const l of model.layers) {
    const out = l.toOnnx(g, [v]);
    if (Array.isArray(out)) throw new ValueError(`exportOnnx: ${l.describe()} gives several outputs`);
    v = out;
  }
  v = g.nhwc(v);
  g.nodes.push({ name: 'output_identity', op_type: 'Identity', input: [v.name], output: ['output'], attribute: [] });
  return {
    ir_version: ONNX_IR_VERSION, producer_name: 'cnnkit', producer_version: GENERATED_BY.split(' ')[1], model_version: 1,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name, node: g.nodes, initializer: g.initializers,
      input: [valueInfo('input', model.inputShape)], output: [valueInfo('output', model.outputShape)],
    },
  };
}

/** The model encoded as ONNX protobuf bytes (opset 13). */
export function exportOnnxBytes(model: Sequential): Uint8Array {
  return encodeModel(onnxModelProto(model));
}
