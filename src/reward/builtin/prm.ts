/** Process reward from an ONNX process reward model (PRM), Qwen2.5-Math-PRM style. */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { ProcessReward, RewardContext, RewardSample, Score, StepAggregate } from "../api/types";
import { buildPrmSequence, planRuns, QWEN_PRM_SYSTEM, type PrmSequence, type PrmTemplate } from "./prmInput";
import { loadPrmModel, type PrmModelSpec } from "./prmModel";

export interface OnnxPrmOptions {
  /** Reward name (default "prm"). */
  name?: string;
  weight?: number;
  /**
   * The model: an .onnx file, or a folder holding model.onnx (and tokenizer.json). A relative path
   * is looked up from the reward file's folder, then from its workspace (the nearest folder above
   * with a rewardlab.json), then from the current directory.
   */
  model: string;
  /** Hugging Face tokenizer.json (default: tokenizer.json next to the model). Relative like `model`. */
  tokenizer?: string;
  /** The step separator: one token of the tokenizer, e.g. "<extra_0>" for Qwen2.5-Math-PRM. */
  separator: string;
  /** Label index whose probability is the step score (default 1: "correct" in Qwen2.5-Math-PRM and TRL). */
  positiveLabel?: number;
  /** How step scores become the sample's score (default "min": a chain is as good as its worst step). */
  aggregate?: StepAggregate;
  /** Most tokens per sequence (default 4096); longer inputs lose prompt tokens from the left first. */
  maxLength?: number;
  /** "plain" (default; TRL's PRM format: prompt, then steps each followed by the separator) or "qwen" (Qwen2.5-Math-PRM's chat template). */
  template?: PrmTemplate;
  /** System message of the "qwen" template (default: the model card's). */
  system?: string;
  /** Output holding logits [batch, tokens, labels] (default "logits", or the model's only output). */
  output?: string;
  /** Most samples per model run (default 8). */
  batchSize?: number;
  /** Most padded tokens (samples x longest) per model run (default 16384). */
  batchTokens?: number;
  /** Padding token id (default: tokenizer.json's padding.pad_id, else 0). */
  padTokenId?: number;
  /** ONNX Runtime intra-op threads per reward worker (default: ONNX Runtime's choice). */
  threads?: number;
}

/** What onnxPrm returns: a process reward that always scores asynchronously, a batch at a time. */
export interface OnnxProcessReward extends ProcessReward {
  score(sample: RewardSample, ctx: RewardContext): Promise<Score[] | null>;
  scoreBatch(samples: readonly RewardSample[], ctx: RewardContext): Promise<(Score[] | null)[]>;
}

const AGGREGATES: readonly StepAggregate[] = ["min", "mean", "last", "prod", "sum"];

/**
 * A process reward scored by an ONNX PRM. Each step's score is the softmax probability of
 * `positiveLabel` at the separator token that follows the step (Qwen2.5-Math-PRM's
 * `make_step_rewards`; TRL's PRMTrainer labels the same token):
 *
 *   input = prompt ++ step_1 ++ <sep> ++ step_2 ++ <sep> ++ ... ++ step_n ++ <sep>
 *   score_i = softmax(logits[b, pos(<sep>_i), :])[positiveLabel]
 *
 * The model takes `input_ids` int64 [B, T] (plus `attention_mask` / `position_ids` when it declares
 * them) and returns logits [B, T, labels]. The samples of a scoring batch go through the model
 * together, longest first, right-padded to each run's longest. A sample without steps scores null;
 * a step cut off by `maxLength` scores null, and truncation is logged as the metrics
 * `<name>/truncated_prompt_tokens` and `<name>/truncated_steps`.
 *
 * The model and tokenizer load on first use, once per reward worker, and stay loaded across hot
 * reloads until the files change.
 */
export function onnxPrm(options: OnnxPrmOptions): OnnxProcessReward {
  const settings = checkOptions(options);
  const base = callerFolder();
  const model = modelFile(findPath(options.model, "model", base));
  const tokenizer = options.tokenizer === undefined ? join(dirname(model), "tokenizer.json") : findPath(options.tokenizer, "tokenizer", base);
  if (!existsSync(tokenizer)) throw new Error(`onnxPrm: tokenizer not found: ${tokenizer} (pass \`tokenizer\`, or put tokenizer.json next to ${basename(model)})`);
  const spec: PrmModelSpec = { model, tokenizer, separator: options.separator, output: options.output, threads: options.threads, padTokenId: options.padTokenId };
  const scoreBatch = (samples: readonly RewardSample[], ctx: RewardContext) => scorePrmBatch(spec, settings, samples, ctx);
  return {
    name: settings.name,
    weight: options.weight ?? 1,
    kind: "process",
    aggregate: settings.aggregate,
    description: `ONNX PRM ${basename(dirname(model))}/${basename(model)}: P(label ${settings.positiveLabel}) at ${JSON.stringify(options.separator)} after each step, ${settings.aggregate} over steps`,
    async score(sample, ctx) {
      return (await scoreBatch([sample], ctx))[0];
    },
    scoreBatch,
  };
}

interface PrmSettings {
  name: string;
  aggregate: StepAggregate;
  positiveLabel: number;
  maxLength: number;
  template: PrmTemplate;
  system: string;
  batchSize: number;
  batchTokens: number;
}

function checkOptions(options: OnnxPrmOptions): PrmSettings {
  const fail = (message: string): never => {
    throw new Error(`onnxPrm: ${message}`);
  };
  if (options === null || typeof options !== "object") fail("pass an options object: onnxPrm({ model, separator })");
  if (typeof options.model !== "string" || options.model === "") fail("`model` must be the path of an .onnx file or of a folder holding model.onnx");
  if (typeof options.separator !== "string" || options.separator === "") fail('`separator` must be the step separator token, e.g. "<extra_0>"');
  const positiveInteger = (value: number | undefined, name: string, fallback: number) => {
    if (value === undefined) return fallback;
    return Number.isInteger(value) && value > 0 ? value : fail(`\`${name}\` must be a positive integer, got ${value}`);
  };
  const positiveLabel = options.positiveLabel ?? 1;
  if (!Number.isInteger(positiveLabel) || positiveLabel < 0) fail(`\`positiveLabel\` must be a label index (0, 1, ...), got ${positiveLabel}`);
  const aggregate = options.aggregate ?? "min";
  if (!AGGREGATES.includes(aggregate)) fail(`\`aggregate\` must be one of ${AGGREGATES.join(", ")}, got ${JSON.stringify(aggregate)}`);
  const template = options.template ?? "plain";
  if (template !== "plain" && template !== "qwen") fail(`\`template\` must be "plain" or "qwen", got ${JSON.stringify(template)}`);
  return {
    name: options.name ?? "prm",
    aggregate,
    positiveLabel,
    maxLength: positiveInteger(options.maxLength, "maxLength", 4096),
    template,
    system: options.system ?? QWEN_PRM_SYSTEM,
    batchSize: positiveInteger(options.batchSize, "batchSize", 8),
    batchTokens: positiveInteger(options.batchTokens, "batchTokens", 16384),
  };
}

/** Step scores of every sample, from as few model runs as `batchSize` / `batchTokens` allow. */
async function scorePrmBatch(spec: PrmModelSpec, settings: PrmSettings, samples: readonly RewardSample[], ctx: RewardContext): Promise<(Score[] | null)[]> {
  const scores: (Score[] | null)[] = samples.map(() => null);
  const withSteps = samples.flatMap((sample, i) => (sample.steps.length > 0 ? [i] : []));
  if (withSteps.length === 0) return scores;
  const model = await loadPrmModel(spec);
  const sequences = new Map<number, PrmSequence>();
  for (const i of withSteps) {
    const sample = samples[i];
    const sequence = buildPrmSequence(model.encode, sample.prompt, sample.steps.map((step) => step.text), model.separatorId, settings);
    sequences.set(i, sequence);
    if (sequence.truncatedPromptTokens > 0) ctx.log.metric("truncated_prompt_tokens", sequence.truncatedPromptTokens, sample);
    if (sequence.truncatedSteps > 0) ctx.log.metric("truncated_steps", sequence.truncatedSteps, sample);
  }
  const lengths = withSteps.map((i) => sequences.get(i)!.ids.length);
  for (const run of planRuns(lengths, settings.batchSize, settings.batchTokens)) {
    const members = run.map((k) => withSteps[k]);
    const probabilities = await model.positiveProbabilities(members.map((i) => sequences.get(i)!), settings.positiveLabel);
    members.forEach((i, k) => (scores[i] = probabilities[k]));
  }
  return scores;
}

/**
 * The folder of the reward file calling onnxPrm. The sandbox evaluates each reward file as
 * `<file>.bundle.js`, so the first stack frame in such a bundle names it; outside the sandbox (a
 * script importing the library) there is none and paths resolve from the current directory.
 */
function callerFolder(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n")) {
    const match = /(?:\(|at )([^()]+?)\.bundle\.js:\d+:\d+\)?$/.exec(line.trim());
    if (match) return dirname(match[1]);
  }
  return undefined;
}

/** The nearest folder at or above `folder` with a rewardlab.json. */
function workspaceOf(folder: string): string | undefined {
  for (let dir = folder; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "rewardlab.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function findPath(path: string, what: string, base: string | undefined): string {
  if (isAbsolute(path)) {
    if (!existsSync(path)) throw new Error(`onnxPrm: ${what} not found: ${path}`);
    return path;
  }
  const workspace = base === undefined ? undefined : workspaceOf(base);
  const candidates = [...new Set([base, workspace, process.cwd()].filter((dir): dir is string => dir !== undefined).map((dir) => resolve(dir, path)))];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`onnxPrm: ${what} ${JSON.stringify(path)} not found (looked for ${candidates.join(", ")})`);
  return found;
}

/** A folder names its model.onnx. */
function modelFile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, "model.onnx");
  if (!existsSync(file)) throw new Error(`onnxPrm: ${path} is a folder without model.onnx; name the .onnx file in \`model\``);
  return file;
}
