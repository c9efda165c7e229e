// Public surface of the IR: build graphs from primitives and composites, differentiate, emit ONNX.
export { GraphBuilder, type ParamInit, type ParamSpec, type InputSpec } from "./builder";
export { Tensor, type DType, type Primitive, type PrimitiveAttrs, type Node, type TensorData } from "./primitives";
export { type Dim, type Shape, type DimBindings, addDims, subDims, mulDims, divDims, bindShape, resolveDim, resolveShape, formatShape, numel } from "./shape";
export { grad } from "./autodiff";
export { gradients, unbroadcast } from "./gradients";
export { emitOnnx, OPSET, type EmitOptions, type EmittedModel } from "./onnx";
export { evaluate, reference, type RefArray } from "./evaluate";
export { softmax, logSoftmax, sigmoid, relu, clamp, abs, gelu, layerNorm, rmsNorm, causalMaskBias, tokenLogProbs, crossEntropy } from "./composites";
export { type DecoderConfig, linear, linearParams, causalSelfAttention, decoderBlock, decoderLM } from "./nn";
