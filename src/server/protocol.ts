/**
 * OpenRLHF's remote reward protocol (`--reward.remote_url`, formerly `--remote_rm_url`).
 *
 * The trainer POSTs `{"query": [...], "prompts": [...], "labels": [...]}`, one entry per sample:
 * - `query`: the full text the policy saw and wrote, prompt (with chat template) + response;
 * - `prompts`: the prompt part of each query (older OpenRLHF releases send `query` only);
 * - `labels`: the ground truth from the dataset's `--label_key` (may be absent or null).
 * It reads back `{"rewards": [...], "scores": [...], "extra_logs": {key: [...]}}`: `rewards` feed the
 * advantage estimator, `scores` the dynamic filter (DAPO), and every `extra_logs` list (one number per
 * sample) is averaged and logged to wandb.
 *
 * Mapping to our trace model: completion = query minus its prompt when the query starts with it
 * (else the whole query), prompt = prompts[i], answer = labels[i].
 */
import type { TraceRecord } from "../trace/types";
import type { ScoreTable } from "../reward/table";

/** A request the server refuses before scoring (HTTP 4xx); `message` names the field and index. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "RequestError";
  }
}

export interface RewardRequest {
  records: TraceRecord[];
}

/** The body OpenRLHF reads. `version` is ours (extra keys are ignored by the trainer). */
export interface RewardResponse {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
  version: number;
}

function stringList(body: Record<string, unknown>, field: string, required: boolean): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw new RequestError(400, `"${field}" is required: a list of strings, one per sample`);
    return undefined;
  }
  if (!Array.isArray(value)) throw new RequestError(400, `"${field}" must be a list of strings (got ${typeName(value)})`);
  value.forEach((item, i) => {
    if (typeof item !== "string") throw new RequestError(400, `"${field}[${i}]" must be a string (got ${typeName(item)})`);
  });
  return value as string[];
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** How deep a label may nest (objects and lists). Deeper values are refused before they reach a worker. */
export const MAX_LABEL_DEPTH = 64;

/** Whether `value` nests deeper than `limit` levels (iterative: a hostile value cannot overflow the stack here). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses and validates a `/get_reward` body into trace records. Throws `RequestError` (400; 413
 * over `maxSamples`). JSON.parse itself does not recurse, so a deeply nested body parses; what is
 * nested too deep is refused here, before structured cloning to a worker could overflow the stack.
 */
export function parseRewardRequest(text: string, maxSamples = Infinity): RewardRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `body is not valid JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestError(400, `body must be a JSON object {"query": [...], "prompts": [...], "labels": [...]} (got ${typeName(body)})`);
  }
  const fields = body as Record<string, unknown>;
  if (Array.isArray(fields.query) && fields.query.length > maxSamples) {
    throw new RequestError(413, `"query" has ${fields.query.length} samples; this server takes at most ${maxSamples} per request (rewardlab serve --max-samples)`);
  }
  const queries = stringList(fields, "query", true)!;
  const prompts = stringList(fields, "prompts", false);
  const labels = fields.labels ?? undefined;
  if (labels !== undefined && !Array.isArray(labels)) throw new RequestError(400, `"labels" must be a list, one per sample (got ${typeName(labels)})`);
  if (prompts && prompts.length !== queries.length) {
    throw new RequestError(400, `"prompts" has ${prompts.length} entries but "query" has ${queries.length}: they must match one to one`);
  }
  if (labels && labels.length !== queries.length) {
    throw new RequestError(400, `"labels" has ${labels.length} entries but "query" has ${queries.length}: they must match one to one`);
  }
  labels?.forEach((label, i) => {
    if (nestsDeeperThan(label, MAX_LABEL_DEPTH)) throw new RequestError(400, `"labels[${i}]" nests deeper than ${MAX_LABEL_DEPTH} levels`);
  });
  const records = queries.map((query, i): TraceRecord => {
    const prompt = prompts?.[i];
    const completion = prompt !== undefined && query.startsWith(prompt) ? query.slice(prompt.length) : query;
    const record: TraceRecord = { id: `q${i}`, completion };
    if (prompt !== undefined) record.prompt = prompt;
    const label = labels?.[i];
    if (label !== undefined && label !== null) record.answer = label;
    return record;
  });
  return { records };
}

export interface ResponseOptions {
  version: number;
  /** Reward whose value goes to `scores` (DAPO dynamic filtering); default: the weighted total. */
  scoreReward?: string;
}

/**
 * Builds the response from a scored table.
 *
 * Nulls: JSON lists that become tensors cannot hold null, so a sample with no reward value (every
 * reward returned null or failed) gets 0 in `rewards`/`scores`, and per-reward lists use 0 for a
 * null. What was replaced is counted, per sample, in `extra_logs.reward_null` (1 when the total was
 * null), `extra_logs.reward_failed` (rewards that threw on that sample) so it shows in wandb.
 */
export function buildRewardResponse(table: ScoreTable, options: ResponseOptions): RewardResponse {
  const n = table.size;
  const rewards = new Array<number>(n);
  const scores = new Array<number>(n);
  const extra: Record<string, number[]> = {};
  for (const reward of table.rewards) extra[reward.name] = new Array<number>(n);
  const nulls = new Array<number>(n);
  const failed = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const sample = table.sampleScores(i);
    rewards[i] = sample.reward ?? 0;
    nulls[i] = sample.reward === null ? 1 : 0;
    failed[i] = sample.reward_errors ? Object.keys(sample.reward_errors).length : 0;
    for (const [name, value] of Object.entries(sample.rewards)) extra[name][i] = value ?? 0;
    scores[i] = options.scoreReward ? (sample.rewards[options.scoreReward] ?? 0) : rewards[i];
  }
  extra.reward_null = nulls;
  extra.reward_failed = failed;
  return { rewards, scores, extra_logs: extra, version: options.version };
}
