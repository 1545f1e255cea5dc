/**
 * ONNX export (opset 13). Each layer writes its own nodes (`layer.toOnnx`, through the builder in
 * builder.ts); the graph keeps the model's NHWC input and output, with NCHW between convolutions
 * and poolings.
 */
import { ValueError } from '../../errors.js';
import type { Shape } from '../../layers/layer.js';
import type { LayersModel } from '../../models/model.js';
import type { Layer } from '../../layers/layer.js';
import type { SymbolicTensor } from '../../layers/symbolic.js';
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

/**
 * The model as an ONNX ModelProto (plain object). One input and output are named `input` and
 * `output`; several take their layers' names. Inputs and outputs are channels-last, as in cnnkit.
 */
export function onnxModelProto(model: LayersModel): Record<string, unknown> {
  if (model.layers.length === 0) throw new ValueError(`exportOnnx: model '${model.name}' has no layers`);
  const g = new OnnxBuilder();
  const inputs = model.inputs, outputs = model.outputs;
  const inNames = inputs.length === 1 ? ['input'] : model.inputNames;
  const outNames = outputs.length === 1 ? ['output'] : model.outputNames;
  const values = new Map<SymbolicTensor, OnnxValue>();
  inputs.forEach((t, i) => values.set(t, inputValue(g, inNames[i], t.shape)));
  for (const node of model.nodes) {
    const layer = node.outboundLayer as unknown as Layer;
    const out = layer.toOnnx(g, node.inputTensors.map((t) => values.get(t) as OnnxValue));
    const list = Array.isArray(out) ? out : [out];
    if (list.length !== node.outputTensors.length) throw new ValueError(`exportOnnx: ${layer.describe()} wrote ${list.length} outputs for ${node.outputTensors.length}`);
    node.outputTensors.forEach((t, i) => values.set(t, list[i]));
  }
  outputs.forEach((t, i) => {
    const v = g.nhwc(values.get(t) as OnnxValue);
    g.nodes.push({ name: `${outNames[i]}_identity`, op_type: 'Identity', input: [v.name], output: [outNames[i]], attribute: [] });
  });
  return {
    ir_version: ONNX_IR_VERSION, producer_name: 'cnnkit', producer_version: GENERATED_BY.split(' ')[1], model_version: 1,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name, node: g.nodes, initializer: g.initializers,
      input: inputs.map((t, i) => valueInfo(inNames[i], t.shape)), output: outputs.map((t, i) => valueInfo(outNames[i], t.shape)),
    },
  };
}

/** The model encoded as ONNX protobuf bytes (opset 13). */
export function exportOnnxBytes(model: LayersModel): Uint8Array {
  return encodeModel(onnxModelProto(model));
}
