// Held-out evaluation of a policy: accuracy, format rate, mean IoU on grounding questions and
// response length, judged the way the sample workspaces' rewards judge (answerCorrect, the strict
// R1 format), plus the rollouts as a trace file for the trace viewer.

import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type PolicyGenerator } from "../policy/generate";
import { ItemBuilder } from "../policy/items";
import { answerCorrect, parseBox, pixelBoxIou } from "../policy/tasks/answers";
import { type DatasetRecord } from "../policy/tasks/dataset";
import { formatReward } from "../reward/builtin/format";
import { TraceSample } from "../reward/sample";
import { extractAnswer } from "../trace/answer";
import { writeFileAtomic } from "../trace/io";
import { type TraceRecord } from "../trace/types";
import { rolloutRecord, tokenInfo } from "./rollouts";

export interface EvalOptions {
  batchSize: number;
  /** 0 = greedy (the default for evaluation). */
  temperature: number;
  topP: number;
  maxNewTokens: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalMetrics {
  count: number;
  accuracy: number;
  format_rate: number;
  /** Mean IoU of the answered box on grounding ("locate") questions; null when there are none. */
  iou: number | null;
  response_length: number;
  /**
   * The largest share of a question type's answers that are one and the same answer, over the
   * types with at least {@link MIN_ANSWERS_FOR_SHARE} answers (null when none has). A policy that
   * learned to give the most common answer instead of solving the task shows up here.
   */
  answer_top_share: number | null;
}

/** Per question type: how many, how many right, and its most common answer with that answer's share. */
export interface TypeResult {
  count: number;
  accuracy: number;
  /** Most common answer among the type's responses that have one (null when none has). */
  topAnswer: { text: string; share: number } | null;
}

export interface EvalResult {
  metrics: EvalMetrics;
  /** Accuracy, count and most common answer per question type (meta.type). */
  byType: Record<string, TypeResult>;
  /** Accuracy and count per difficulty level (meta.difficulty), when the records have one. */
  byLevel: Record<string, { count: number; accuracy: number }>;
  records: TraceRecord[];
}

export const DEFAULT_EVAL: EvalOptions = { batchSize: 64, temperature: 0, topP: 1, maxNewTokens: 200, seed: 0 };

const strictFormat = formatReward({ strict: true });

/** Types with fewer answers than this are too small for their top answer's share to mean much. */
export const MIN_ANSWERS_FOR_SHARE = 10;

/** Answers compared for "the same answer": trimmed, inner whitespace collapsed, lower case. */
function answerKey(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

/** The most common key in `counts`, its count and the count of all keys. */
function mostCommon(counts: ReadonlyMap<string, number>): { text: string | null; count: number; total: number } {
  let text: string | null = null, count = 0, total = 0;
  for (const [key, n] of counts) {
    total += n;
    if (n > count) [text, count] = [key, n];
  }
  return { text, count, total };
}

/** The most common key in `counts` and its share of all of them; null when empty. */
export function topAnswer(counts: ReadonlyMap<string, number>): { text: string; share: number } | null {
  const { text, count, total } = mostCommon(counts);
  return text === null ? null : { text, share: count / total };
}

/** The largest top-answer share over types with enough answers (see {@link EvalMetrics}). */
export function answerTopShare(answersByType: Iterable<ReadonlyMap<string, number>>): number | null {
  let share: number | null = null;
  for (const counts of answersByType) {
    const { count, total } = mostCommon(counts);
    if (total >= MIN_ANSWERS_FOR_SHARE) share = Math.max(share ?? 0, count / total);
  }
  return share;
}

/** Scores one completion against its dataset record. */
export function judge(record: DatasetRecord, completion: string): { correct: boolean; format: boolean; iou: number | null; predicted: string | null } {
  const predicted = extractAnswer(completion)?.text ?? null;
  const sample = new TraceSample({ completion }, 0, 0, { mode: "auto" });
  const format = strictFormat.score(sample, {} as never) === 1;
  const gold = parseBox(record.answer);
  const pred = predicted === null ? null : parseBox(predicted);
  const iou = gold ? (pred ? pixelBoxIou(gold, pred) : 0) : null;
  return { correct: answerCorrect(record.answer, predicted), format, iou, predicted };
}

/**
 * Generates a response for every record (batched) and judges it. `outFile` is where the rollouts
 * will be written (image paths in the records are made relative to it).
 */
export async function evaluatePolicy(
  generator: PolicyGenerator,
  records: readonly DatasetRecord[],
  datasetFile: string,
  outFile: string,
  options: EvalOptions = DEFAULT_EVAL,
): Promise<EvalResult> {
  const policy = generator.policy;
  const builder = new ItemBuilder(policy);
  const datasetDir = dirname(resolve(datasetFile));
  const out: TraceRecord[] = [];
  const byType: Record<string, { count: number; correct: number; answers: Map<string, number> }> = {};
  const byLevel: Record<string, { count: number; correct: number }> = {};
  let correct = 0, formatted = 0, length = 0, iouSum = 0, iouCount = 0;
  for (let start = 0; start < records.length; start += options.batchSize) {
    const batch = records.slice(start, start + options.batchSize);
    const items = batch.map((r) => builder.item(r, datasetDir));
    const gens = await generator.generate(items, { ...options, seed: options.seed + start });
    gens.forEach((gen, i) => {
      const record = batch[i];
      const completion = policy.tokenizer.decode(gen.ids);
      const verdict = judge(record, completion);
      correct += +verdict.correct;
      formatted += +verdict.format;
      length += gen.ids.length;
      if (verdict.iou !== null) {
        iouSum += verdict.iou;
        iouCount++;
      }
      const type = String(record.meta?.type ?? "all");
      const tally = (byType[type] ??= { count: 0, correct: 0, answers: new Map() });
      tally.count++;
      tally.correct += +verdict.correct;
      const level = record.meta?.difficulty;
      if (typeof level === "number") {
        const atLevel = (byLevel[String(level)] ??= { count: 0, correct: 0 });
        atLevel.count++;
        atLevel.correct += +verdict.correct;
      }
      if (verdict.predicted !== null) {
        const key = answerKey(verdict.predicted);
        tally.answers.set(key, (tally.answers.get(key) ?? 0) + 1);
      }
      const rewards: Record<string, number | null> = { accuracy: +verdict.correct, format: +verdict.format, iou: verdict.iou };
      out.push(rolloutRecord(record, completion, tokenInfo(policy.tokenizer, gen), { datasetDir, outFile }, { rewards, meta: { stop: gen.stop } }));
    });
    options.onProgress?.(Math.min(records.length, start + batch.length), records.length);
  }
  const n = Math.max(1, records.length);
  return {
    metrics: {
      count: records.length,
      accuracy: correct / n,
      format_rate: formatted / n,
      iou: iouCount ? iouSum / iouCount : null,
      response_length: length / n,
      answer_top_share: answerTopShare(Object.values(byType).map((v) => v.answers)),
    },
    byType: Object.fromEntries(Object.entries(byType).map(([t, v]) => [t, { count: v.count, accuracy: v.correct / v.count, topAnswer: topAnswer(v.answers) }])),
    byLevel: Object.fromEntries(Object.entries(byLevel).map(([level, v]) => [level, { count: v.count, accuracy: v.correct / v.count }])),
    records: out,
  };
}

/** Writes trace records as JSONL, atomically. */
export async function writeTrace(file: string, records: readonly TraceRecord[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
}
