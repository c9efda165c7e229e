/**
 * An ONNX process reward model in a reward worker: a Hugging Face tokenizer.json read with
 * @huggingface/tokenizers and an onnxruntime-node session. Both are loaded on first use and cached
 * per worker thread (keyed by path and modification time), so hot reloads of reward files reuse
 * them. onnxruntime-node is imported here directly, lazily: src/reward may not use src/runtime, and
 * workers that never score a PRM never load the native library.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Tokenizer } from "@huggingface/tokenizers";
import type * as Ort from "onnxruntime-node";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import type { PrmSequence } from "./prmInput";

export interface PrmModelSpec {
  /** Absolute path of the .onnx file. */
  model: string;
  /** Absolute path of tokenizer.json. */
  tokenizer: string;
  separator: string;
  /** Output to read; default "logits", else the model's only output. */
  output?: string;
  /** ONNX Runtime intra-op threads; default: ONNX Runtime's choice. */
  threads?: number;
  /** Padding id; default the tokenizer.json `padding.pad_id`, else 0. */
  padTokenId?: number;
}

/** A loaded PRM: its tokenizer and a `run` that returns positive-label probabilities at separators. */
export interface PrmModel {
  readonly separatorId: number;
  encode(text: string): number[];
  /** For each sequence, P(positiveLabel) at each of its separator positions (null where the position is -1). */
  positiveProbabilities(sequences: readonly PrmSequence[], positiveLabel: number): Promise<(number | null)[][]>;
}

interface LoadedTokenizer {
  encode(text: string): number[];
  padId: number;
}

/** Inputs a PRM may declare; anything else is an error naming it. */
const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids"]);

const sessions = new Map<string, { stamp: string; session: Promise<InferenceSession> }>();
const tokenizers = new Map<string, { stamp: string; tokenizer: LoadedTokenizer }>();

/** The PRM for `spec`, loading its tokenizer and session the first time (per worker thread). */
export async function loadPrmModel(spec: PrmModelSpec): Promise<PrmModel> {
  const tokenizer = loadTokenizer(spec.tokenizer);
  const separatorId = separatorTokenId(tokenizer, spec);
  const session = await loadSession(spec);
  const io = checkSession(session, spec);
  const padId = spec.padTokenId ?? tokenizer.padId;
  return {
    separatorId,
    encode: tokenizer.encode,
    positiveProbabilities: async (sequences, positiveLabel) => {
      const feeds = batchFeeds(sequences, padId, io, onnxRuntime(spec.model).Tensor);
      let outputs: InferenceSession.OnnxValueMapType;
      try {
        outputs = await session.run(feeds, [io.output]);
      } catch (error) {
        throw new Error(`${spec.model}: ONNX Runtime failed to run the model: ${(error as Error).message}`);
      }
      return readProbabilities(outputs[io.output] as Tensor, sequences, positiveLabel, spec.model, io.output);
    },
  };
}

/** Modification time and size: a changed file on disk is loaded again. */
function stampOf(path: string): string {
  const stats = statSync(path);
  return `${stats.mtimeMs}:${stats.size}`;
}

function loadTokenizer(path: string): LoadedTokenizer {
  if (!existsSync(path)) throw new Error(`tokenizer not found: ${path} (pass \`tokenizer\`, or put tokenizer.json next to the model)`);
  const stamp = stampOf(path);
  const cached = tokenizers.get(path);
  if (cached?.stamp === stamp) return cached.tokenizer;
  let json: { padding?: { pad_id?: unknown } | null };
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: not a tokenizer.json (${(error as Error).message})`);
  }
  const configPath = join(dirname(path), "tokenizer_config.json");
  const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : {};
  // A CommonJS require keeps the tokenizer out of module start-up: only PRM users pay for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hfTokenizers = require("@huggingface/tokenizers") as { Tokenizer: typeof Tokenizer };
  let hf: Tokenizer;
  try {
    hf = new hfTokenizers.Tokenizer(json, config);
  } catch (error) {
    throw new Error(`${path}: @huggingface/tokenizers cannot read it: ${(error as Error).message}`);
  }
  const padId = typeof json.padding?.pad_id === "number" ? json.padding.pad_id : 0;
  const tokenizer = { encode: (text: string) => hf.encode(text, { add_special_tokens: false }).ids, padId };
  tokenizers.set(path, { stamp, tokenizer });
  return tokenizer;
}

function separatorTokenId(tokenizer: LoadedTokenizer, spec: PrmModelSpec): number {
  const ids = tokenizer.encode(spec.separator);
  if (ids.length === 1) return ids[0];
  const what = ids.length === 0 ? "is not in its vocabulary" : `encodes to ${ids.length} tokens [${ids.slice(0, 8).join(", ")}${ids.length > 8 ? ", …" : ""}]`;
  throw new Error(
    `separator ${JSON.stringify(spec.separator)} ${what} in ${spec.tokenizer}; it must be exactly one token ` +
      `(the one the PRM was trained to score after each step, e.g. "<extra_0>" for Qwen2.5-Math-PRM)`,
  );
}

async function loadSession(spec: PrmModelSpec): Promise<InferenceSession> {
  if (!existsSync(spec.model)) throw new Error(`PRM model not found: ${spec.model}`);
  const stamp = stampOf(spec.model);
  const cached = sessions.get(spec.model);
  if (cached?.stamp === stamp) return cached.session;
  const session = createSession(spec);
  sessions.set(spec.model, { stamp, session });
  // A failed load is not cached: the next batch tries again (the file may be mid-copy).
  session.catch(() => sessions.get(spec.model)?.session === session && sessions.delete(spec.model));
  return session;
}

/** onnxruntime-node, required on first use (a plain require: it resolves the same way in tests, the CLI and the packaged extension). */
function onnxRuntime(model: string): typeof Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("onnxruntime-node") as typeof Ort;
  } catch (error) {
    throw new Error(`onnxruntime-node could not be loaded to run ${model}: ${(error as Error).message}`);
  }
}

async function createSession(spec: PrmModelSpec): Promise<InferenceSession> {
  const ort = onnxRuntime(spec.model);
  try {
    return await ort.InferenceSession.create(spec.model, {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      // Spinning intra-op threads keep every core busy between runs and slow the other reward
      // workers (RECIPES.md); waking them costs little next to a model run.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
      ...(spec.threads ? { intraOpNumThreads: spec.threads, interOpNumThreads: 1 } : {}),
    });
  } catch (error) {
    throw new Error(`${spec.model}: ONNX Runtime could not load the model: ${(error as Error).message}`);
  }
}

interface SessionIo {
  output: string;
  inputs: string[];
  /** Element type of input_ids (and the other integer inputs). */
  idType: "int64" | "int32";
}

function checkSession(session: InferenceSession, spec: PrmModelSpec): SessionIo {
  const inputs = [...session.inputNames];
  const where = `${spec.model}: inputs [${inputs.join(", ")}], outputs [${session.outputNames.join(", ")}]`;
  if (!inputs.includes("input_ids")) throw new Error(`${where}: a PRM must take "input_ids" (int64 [batch, tokens])`);
  const unknown = inputs.filter((name) => !KNOWN_INPUTS.has(name));
  if (unknown.length > 0) {
    throw new Error(`${where}: cannot feed ${unknown.map((n) => `"${n}"`).join(", ")}; a PRM may take only input_ids, attention_mask and position_ids (export it without a KV cache)`);
  }
  const output = spec.output ?? (session.outputNames.includes("logits") ? "logits" : session.outputNames.length === 1 ? session.outputNames[0] : undefined);
  if (output === undefined || !session.outputNames.includes(output)) {
    throw new Error(`${where}: ${spec.output ? `no output "${spec.output}"` : 'no "logits" output'}; name the output of logits [batch, tokens, labels] with \`output\``);
  }
  const meta = session.inputMetadata.find((m) => m.name === "input_ids");
  const type = meta?.isTensor ? meta.type : "int64";
  if (type !== "int64" && type !== "int32") throw new Error(`${where}: input_ids is ${type}; expected int64`);
  return { output, inputs, idType: type };
}

/** input_ids (and attention_mask / position_ids when the model takes them), right-padded to the longest. */
function batchFeeds(sequences: readonly PrmSequence[], padId: number, io: SessionIo, Tensor: typeof Ort.Tensor): Record<string, Tensor> {
  const batch = sequences.length;
  const length = Math.max(1, ...sequences.map((s) => s.ids.length));
  const make = () => (io.idType === "int64" ? new BigInt64Array(batch * length) : new Int32Array(batch * length));
  const ids = make();
  const mask = make();
  const positions = make();
  const one = io.idType === "int64" ? 1n : 1;
  sequences.forEach((sequence, b) => {
    const row = b * length;
    for (let t = 0; t < length; t++) {
      const real = t < sequence.ids.length;
      const id = real ? sequence.ids[t] : padId;
      ids[row + t] = io.idType === "int64" ? BigInt(id) : id;
      if (real) mask[row + t] = one;
      // Right padding: real tokens sit at 0..n-1 either way; pads repeat the last position.
      const position = Math.min(t, Math.max(0, sequence.ids.length - 1));
      positions[row + t] = io.idType === "int64" ? BigInt(position) : position;
    }
  });
  const dims = [batch, length];
  const feeds: Record<string, Tensor> = { input_ids: new Tensor(io.idType, ids, dims) };
  if (io.inputs.includes("attention_mask")) feeds.attention_mask = new Tensor(io.idType, mask, dims);
  if (io.inputs.includes("position_ids")) feeds.position_ids = new Tensor(io.idType, positions, dims);
  return feeds;
}

/** Softmax over the label axis at each separator; checks the output is [batch, tokens, labels]. */
function readProbabilities(logits: Tensor, sequences: readonly PrmSequence[], positiveLabel: number, model: string, name: string): (number | null)[][] {
  const [batch, length, labels] = logits.dims;
  const expectedLength = Math.max(1, ...sequences.map((s) => s.ids.length));
  if (logits.dims.length !== 3 || batch !== sequences.length || length !== expectedLength) {
    throw new Error(`${model}: output "${name}" has shape [${logits.dims.join(", ")}]; expected [batch, tokens, labels] = [${sequences.length}, ${expectedLength}, labels]`);
  }
  if (labels < 2 || positiveLabel >= labels) {
    throw new Error(`${model}: output "${name}" has ${labels} label${labels === 1 ? "" : "s"} per token; positiveLabel ${positiveLabel} needs at least ${Math.max(2, positiveLabel + 1)}`);
  }
  if (logits.type !== "float32" && logits.type !== "float64") throw new Error(`${model}: output "${name}" is ${logits.type}; expected float32 logits`);
  const data = logits.data as Float32Array | Float64Array;
  return sequences.map((sequence, b) =>
    sequence.separators.map((position) => {
      if (position < 0) return null;
      const base = (b * length + position) * labels;
      let max = -Infinity;
      for (let k = 0; k < labels; k++) max = Math.max(max, data[base + k]);
      let sum = 0;
      for (let k = 0; k < labels; k++) sum += Math.exp(data[base + k] - max);
      return Math.exp(data[base + positiveLabel] - max) / sum;
    }),
  );
}
