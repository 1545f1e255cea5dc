/**
 * The subset of the ONNX protobuf schema (onnx.proto, IR version 7+) that an exported cnnkit model
 * uses, declared with the official field numbers and encoded by protobufjs.
 */
import protobuf from 'protobufjs/light.js';

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
/** ONNX AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

const f = (type: string, id: number, rule?: 'repeated') => ({ type, id, ...(rule ? { rule } : {}) });

const schema = {
  nested: {
    onnx: {
      nested: {
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1), producer_name: f('string', 2), producer_version: f('string', 3), domain: f('string', 4),
            model_version: f('int64', 5), doc_string: f('string', 6), graph: f('GraphProto', 7), opset_import: f('OperatorSetIdProto', 8, 'repeated'),
          },
        },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'), name: f('string', 2), initializer: f('TensorProto', 5, 'repeated'), doc_string: f('string', 10),
            input: f('ValueInfoProto', 11, 'repeated'), output: f('ValueInfoProto', 12, 'repeated'), value_info: f('ValueInfoProto', 13, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'), output: f('string', 2, 'repeated'), name: f('string', 3), op_type: f('string', 4),
            attribute: f('AttributeProto', 5, 'repeated'), doc_string: f('string', 6), domain: f('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1), f: f('float', 2), i: f('int64', 3), s: f('bytes', 4), t: f('TensorProto', 5),
            floats: f('float', 7, 'repeated'), ints: f('int64', 8, 'repeated'), type: f('int32', 20),
          },
        },
        TensorProto: {
          fields: { dims: f('int64', 1, 'repeated'), data_type: f('int32', 2), name: f('string', 8), raw_data: f('bytes', 9) },
        },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), doc_string: f('string', 3) } },
        TypeProto: {
          nested: { Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } } },
          fields: { tensor_type: f('Tensor', 1) },
        },
        TensorShapeProto: {
          nested: { Dimension: { fields: { dim_value: f('int64', 1), dim_param: f('string', 2) } } },
          fields: { dim: f('Dimension', 1, 'repeated') },
        },
      },
    },
  },
};

let root: protobuf.Root | null = null;

/** The protobufjs type of an ONNX message, e.g. `onnxType('ModelProto')`. */
export function onnxType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(schema);
  return root.lookupType(`onnx.${name}`);
}

/** Plain-object forms of the messages (fields as in onnx.proto). */
export interface TensorMsg {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}
export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
}
export interface NodeMsg {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute?: AttributeMsg[];
}
export interface ValueInfoMsg {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

/** Encodes an ONNX ModelProto given as a plain object. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const T = onnxType('ModelProto');
  const err = T.verify(model);
  if (err) throw new Error(`ONNX ModelProto: ${err}`);
  return T.encode(T.fromObject(model)).finish();
}

/** Decodes an ONNX ModelProto into a plain object (for tests and inspection). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const T = onnxType('ModelProto');
  return T.toObject(T.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
