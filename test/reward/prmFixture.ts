// A tiny ONNX process reward model built with the repo's IR, and a character-level tokenizer.json
// with a "<extra_0>" step separator, for the onnxPrm tests.
//
// The model reads each token's features [isDigit, isSeparator] and the previous token's, and gives
//   logits = [NEGATIVE_LOGIT, SEPARATOR_WEIGHT * isSeparator + DIGIT_WEIGHT * previousIsDigit + BIAS]
// so at a separator P(label 1) depends on whether the step's last character is a digit, and every
// other position is independent of what comes after it (causal: padding changes nothing).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GraphBuilder, emitOnnx, type Tensor } from "../../src/ir/index";
import { ModelProto } from "../../src/ir/onnx-proto";
import { characterTokenizerJson } from "../../src/policy/tokenizer";

export const SEPARATOR = "<extra_0>";
export const NEGATIVE_LOGIT = 0.25;
export const SEPARATOR_WEIGHT = 1;
export const DIGIT_WEIGHT = 2;
export const BIAS = -1;

/** P(label 1) at a separator, computed by hand from the weights above (float64). */
export function expectedStepScore(stepText: string): number {
  const previousIsDigit = /[0-9]$/.test(stepText) ? 1 : 0;
  const positive = SEPARATOR_WEIGHT + DIGIT_WEIGHT * previousIsDigit + BIAS;
  return Math.exp(positive) / (Math.exp(NEGATIVE_LOGIT) + Math.exp(positive));
}

/** The character tokenizer plus the separator as an added (special) token. */
export function prmTokenizerJson(separator = SEPARATOR): { json: Record<string, unknown>; separatorId: number; vocabSize: number } {
  const json = characterTokenizerJson();
  const model = json.model as { vocab: Record<string, number> };
  const separatorId = Object.keys(model.vocab).length;
  model.vocab[separator] = separatorId;
  (json.added_tokens as object[]).push({ id: separatorId, content: separator, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return { json, separatorId, vocabSize: separatorId + 1 };
}

export type PrmFixtureVariant = "prm" | "no-mask" | "renamed-input" | "flat-output";

/** ONNX bytes of the tiny PRM (or of a broken variant, for the error tests). */
export function prmModelBytes(variant: PrmFixtureVariant = "prm"): Uint8Array {
  const { json, separatorId, vocabSize } = prmTokenizerJson();
  const vocab = (json.model as { vocab: Record<string, number> }).vocab;
  const features = new Float32Array(vocabSize * 2);
  for (const [piece, id] of Object.entries(vocab)) {
    if (/^[0-9]$/.test(piece)) features[id * 2] = 1;
  }
  features[separatorId * 2 + 1] = 1;

  const g = new GraphBuilder();
  const ids = g.input(variant === "renamed-input" ? "tokens" : "input_ids", "int64", ["B", "T"]);
  const current = g.gather(g.constant(features, [vocabSize, 2]), ids); // [B, T, 2]
  // The previous token's features: shift right by one along T (pad one in front, drop the last).
  const previous = g.slice(g.pad(current, 1, 1, 0), 1, 0, "T");
  const currentWeights = g.constant(new Float32Array([0, 0, 0, SEPARATOR_WEIGHT]), [2, 2]);
  const previousWeights = g.constant(new Float32Array([0, DIGIT_WEIGHT, 0, 0]), [2, 2]);
  const bias = g.constant(new Float32Array([NEGATIVE_LOGIT, BIAS]), [2]);
  let logits: Tensor = g.add(g.add(g.matmul(current, currentWeights), g.matmul(previous, previousWeights)), bias);
  if (variant !== "no-mask") {
    // Zero the logits of padding (mask 0 -> [0, 0], mask 1 -> [1, 1]): real positions are unchanged.
    const mask = g.input("attention_mask", "int64", ["B", "T"]);
    logits = g.mul(logits, g.gather(g.constant(new Float32Array([0, 0, 1, 1]), [2, 2]), mask));
  }
  if (variant === "flat-output") logits = g.sum(logits, [2]);
  // T = -1: the shift's Slice then ends one before the end whatever T is (ONNX counts negative
  // ends from the back), so one model takes any length; the declared dims become symbolic below.
  const { bytes } = emitOnnx(g, { outputs: { logits }, bindings: { B: 1, T: -1 } });
  return withSymbolicBatchDims(bytes);
}

/** Declares dims 0 and 1 of every graph input and output as "B" and "T". */
function withSymbolicBatchDims(bytes: Uint8Array): Uint8Array {
  const model = ModelProto.toObject(ModelProto.decode(bytes)) as {
    graph: { input: ValueInfo[]; output: ValueInfo[] };
  };
  for (const value of [...model.graph.input, ...model.graph.output]) {
    const dims = value.type.tensorType.shape.dim;
    dims[0] = { dimParam: "B" };
    if (dims.length > 1) dims[1] = { dimParam: "T" };
  }
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

interface ValueInfo {
  type: { tensorType: { shape: { dim: object[] } } };
}

/** Writes `model.onnx` + `tokenizer.json` into `folder` and returns it. */
export function writePrmFolder(folder: string, variant: PrmFixtureVariant = "prm"): string {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "model.onnx"), prmModelBytes(variant));
  writeFileSync(join(folder, "tokenizer.json"), JSON.stringify(prmTokenizerJson().json));
  return folder;
}
