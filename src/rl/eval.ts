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
}

export interface EvalResult {
  metrics: EvalMetrics;
  /** Accuracy and count per question type (meta.type). */
  byType: Record<string, { count: number; accuracy: number }>;
  records: TraceRecord[];
}

export const DEFAULT_EVAL: EvalOptions = { batchSize: 64, temperature: 0, topP: 1, maxNewTokens: 200, seed: 0 };

const strictFormat = formatReward({ strict: true });

/** Scores one completion against its dataset record. */
export function judge(record: DatasetRecord, completion: string): { correct: boolean; format: boolean; iou: number | null } {
  const predicted = extractAnswer(completion)?.text ?? null;
  const sample = new TraceSample({ completion }, 0, 0, { mode: "auto" });
  const format = strictFormat.score(sample, {} as never) === 1;
  const gold = parseBox(record.answer);
  const pred = predicted === null ? null : parseBox(predicted);
  const iou = gold ? (pred ? pixelBoxIou(gold, pred) : 0) : null;
  return { correct: answerCorrect(record.answer, predicted), format, iou };
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
  const byType: Record<string, { count: number; correct: number }> = {};
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
      byType[type] ??= { count: 0, correct: 0 };
      byType[type].count++;
      byType[type].correct += +verdict.correct;
      const rewards: Record<string, number | null> = { accuracy: +verdict.correct, format: +verdict.format, iou: verdict.iou };
      out.push(rolloutRecord(record, completion, tokenInfo(policy.tokenizer, gen), { datasetDir, outFile }, { rewards, meta: { stop: gen.stop } }));
    });
    options.onProgress?.(Math.min(records.length, start + batch.length), records.length);
  }
  const n = Math.max(1, records.length);
  return {
    metrics: { count: records.length, accuracy: correct / n, format_rate: formatted / n, iou: iouCount ? iouSum / iouCount : null, response_length: length / n },
    byType: Object.fromEntries(Object.entries(byType).map(([t, v]) => [t, { count: v.count, accuracy: v.correct / v.count }])),
    records: out,
  };
}

/** Writes trace records as JSONL, atomically. */
export async function writeTrace(file: string, records: readonly TraceRecord[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
}
