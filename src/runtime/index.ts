// Public surface of the runtime: run compiled IR graphs on onnxruntime-node, train, checkpoint.
export { CompiledGraph, type CompileOptions, type HostTensor } from "./session";
export { Trainer, type TrainerOptions, type TrainStep, gradName, decayMatrices } from "./trainer";
export { AdamW, SGD, globalNorm, type Optimizer, type AdamWOptions, type AdamWState, type SGDOptions, type StepStats } from "./optim";
export { type ParamStore, initParams, paramCount, seededRandom } from "./params";
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors, type SafeTensor } from "./safetensors";
export { GraphAdamW } from "./optim-graph";
