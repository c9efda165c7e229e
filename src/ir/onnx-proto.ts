// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) the emitter writes,
// as a protobufjs reflection schema: field numbers and types copied from the upstream file.

import protobuf from "protobufjs";

const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: "int64" },
            producerName: { id: 2, type: "string" },
            graph: { id: 7, type: "GraphProto" },
            opsetImport: { id: 8, rule: "repeated", type: "OperatorSetIdProto" },
          },
        },
        OperatorSetIdProto: { fields: { domain: { id: 1, type: "string" }, version: { id: 2, type: "int64" } } },
        GraphProto: {
          fields: {
            node: { id: 1, rule: "repeated", type: "NodeProto" },
            name: { id: 2, type: "string" },
            initializer: { id: 5, rule: "repeated", type: "TensorProto" },
            input: { id: 11, rule: "repeated", type: "ValueInfoProto" },
            output: { id: 12, rule: "repeated", type: "ValueInfoProto" },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, rule: "repeated", type: "string" },
            output: { id: 2, rule: "repeated", type: "string" },
            name: { id: 3, type: "string" },
            opType: { id: 4, type: "string" },
            attribute: { id: 5, rule: "repeated", type: "AttributeProto" },
            domain: { id: 7, type: "string" },
          },
        },
        AttributeProto: {
          fields: {
            name: { id: 1, type: "string" },
            f: { id: 2, type: "float" },
            i: { id: 3, type: "int64" },
            s: { id: 4, type: "bytes" },
            t: { id: 5, type: "TensorProto" },
            ints: { id: 8, rule: "repeated", type: "int64" },
            type: { id: 20, type: "int32" },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, rule: "repeated", type: "int64" },
            dataType: { id: 2, type: "int32" },
            name: { id: 8, type: "string" },
            rawData: { id: 9, type: "bytes" },
          },
        },
        ValueInfoProto: { fields: { name: { id: 1, type: "string" }, type: { id: 2, type: "TypeProto" } } },
        TypeProto: {
          fields: { tensorType: { id: 1, type: "TensorTypeProto" } },
        },
        TensorTypeProto: {
          fields: { elemType: { id: 1, type: "int32" }, shape: { id: 2, type: "TensorShapeProto" } },
        },
        TensorShapeProto: { fields: { dim: { id: 1, rule: "repeated", type: "Dimension" } } },
        Dimension: { fields: { dimValue: { id: 1, type: "int64" }, dimParam: { id: 2, type: "string" } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
/** protobufjs message type for `onnx.ModelProto`. */
export const ModelProto = root.lookupType("onnx.ModelProto");

/** ONNX TensorProto.DataType codes. */
export const OnnxDataType = { float32: 1, bool: 9, int64: 7 } as const;
/** ONNX AttributeProto.AttributeType codes. */
export const OnnxAttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 } as const;
