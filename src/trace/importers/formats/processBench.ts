/**
 * Process-reward benchmarks: solutions with human step labels, for scoring a process reward
 * against them (`rewardlab prm-eval`). Like the process-supervision formats (process.ts) they
 * become `record.steps` ({text, label}, +1 correct / 0 neutral / -1 wrong, null unlabelled); the
 * benchmark's split goes in `meta.split` so reports can be per split, as the benchmarks report.
 */
import { basename, extname } from "node:path";
import type { RecordStep, TraceRecord } from "../../types";
import { inferGroup, isPlainObject, sampleId, sourceMeta, stepsCompletion, unusedKeys } from "../common";
import { RowError, describe, requireString, rowImporter, share } from "../define";

/**
 * ProcessBench (Qwen/ProcessBench on Hugging Face: `gsm8k.json`, `math.json`,
 * `olympiadbench.json`, `omnimath.json`, each one JSON array; or the Hub's parquet conversion):
 * `{id, generator, problem, steps: [string], final_answer_correct, label}` where `label` is the
 * 0-based index of the earliest wrong step, -1 when every step is correct.
 *
 * Steps before `label` are correct (+1), step `label` is wrong (-1), and the steps after it are
 * unlabelled (null): ProcessBench judges only the earliest error (its evaluation,
 * QwenLM/ProcessBench code/run_eval_prm_trl.py, compares the first step predicted wrong with
 * `label`). The split is the id's prefix (`gsm8k-17` -> `gsm8k`), else the file's name.
 */
export const processBenchImporter = rowImporter({
  name: "processbench",
  summary: "ProcessBench (problem, steps: list of strings, label: index of the earliest wrong step, -1 none)",
  origin: "Qwen/ProcessBench {gsm8k,math,olympiadbench,omnimath}.json (HF dataset; QwenLM/ProcessBench)",
  detect(probe) {
    return 0.97 * share(probe, (row) => typeof row.problem === "string" && Array.isArray(row.steps) && Number.isInteger(row.label));
  },
  toRecords(row, { file }) {
    const value = row.value;
    const problem = requireString(value, "problem");
    const texts = value.steps;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) throw new RowError(`"steps" must be a list of strings, got ${describe(texts)}`);
    const label = value.label;
    if (typeof label !== "number" || !Number.isInteger(label) || label < -1 || label >= texts.length) {
      throw new RowError(`"label" must be -1 (no wrong step) or a step index from 0 to ${texts.length - 1}, got ${JSON.stringify(label) ?? "nothing"}`);
    }
    const steps: RecordStep[] = texts.map((text: string, k) => ({ text, label: label === -1 || k < label ? 1 : k === label ? -1 : null }));
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(problem),
      prompt: problem,
      completion: stepsCompletion(steps),
      steps,
      meta: { split: processBenchSplit(value.id, file), source: sourceMeta("processbench", row, file, unusedKeys(value, ["problem", "steps"])) },
    };
    return [record];
  },
});

/** `gsm8k-17` -> `gsm8k`; without such an id, the file's name (`math.json` -> `math`). */
function processBenchSplit(id: unknown, file: string): string {
  const match = typeof id === "string" ? /^(.+)-\d+$/.exec(id) : null;
  return match ? match[1] : fileStem(file);
}

function fileStem(file: string): string {
  const name = basename(file).replace(/\.gz$/, "");
  return name.slice(0, name.length - extname(name).length);
}

/** VisualProcessBench's `process_correctness` values: 1 correct, 0 neutral, -1 incorrect. */
const VISUAL_LABELS = new Set([1, 0, -1]);

/**
 * VisualProcessBench (OpenGVLab/VisualProcessBench on Hugging Face: `test.jsonl` plus
 * `images.zip`): `{image: [path] | path, question, answer, response: {steps: [string],
 * process_correctness: [1 | 0 | -1]}, policy_model, data_source}`. Every step is labelled (the
 * benchmark asks for all wrong steps, not only the first): 1 correct, 0 neutral ("no reasoning or
 * no new information"), -1 incorrect, kept as they are. The split is `data_source` (MMMU,
 * MathVision, MathVerse, DynaMath, WeMath). Image paths are relative to the file's folder.
 */
export const visualProcessBenchImporter = rowImporter({
  name: "visualprocessbench",
  summary: "VisualProcessBench (image, question, response.steps, response.process_correctness 1/0/-1)",
  origin: "OpenGVLab/VisualProcessBench test.jsonl (HF dataset; VisualPRM, InternVL)",
  detect(probe) {
    return 0.97 * share(probe, (row) => typeof row.question === "string" && isPlainObject(row.response) && Array.isArray(row.response.steps) && Array.isArray(row.response.process_correctness));
  },
  async toRecords(row, { file, images }) {
    const value = row.value;
    const question = requireString(value, "question");
    const steps = visualSteps(value.response);
    const imageRefs = await images.resolveAll(typeof value.image === "string" ? [value.image] : value.image);
    const extra = unusedKeys(value, ["question", "answer", "response", "data_source"]);
    const response = isPlainObject(value.response) ? unusedKeys(value.response, ["steps"]) : {};
    extra.response = response;
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(question, undefined, undefined, { images: imageRefs }),
      prompt: question,
      images: imageRefs.length > 0 ? imageRefs : undefined,
      completion: stepsCompletion(steps),
      answer: value.answer,
      steps,
      meta: { split: visualSplit(value.data_source), source: sourceMeta("visualprocessbench", row, file, extra) },
    };
    return [record];
  },
});

function visualSteps(response: unknown): RecordStep[] {
  if (!isPlainObject(response)) throw new RowError(`"response" must be an object with steps and process_correctness, got ${describe(response)}`);
  const { steps, process_correctness: labels } = response;
  if (!Array.isArray(steps) || !steps.every((t) => typeof t === "string")) throw new RowError(`"response.steps" must be a list of strings, got ${describe(steps)}`);
  if (!Array.isArray(labels) || labels.length !== steps.length) throw new RowError(`"response.process_correctness" must be a list with one label per step (${steps.length})`);
  return steps.map((text: string, k) => {
    const label = labels[k];
    if (!VISUAL_LABELS.has(label as number)) throw new RowError(`response.process_correctness[${k}] must be 1, 0 or -1, got ${JSON.stringify(label) ?? "nothing"}`);
    return { text, label: label as number };
  });
}

/** `data_source`; rows without one are in the split "all". */
function visualSplit(dataSource: unknown): string {
  if (typeof dataSource === "string" && dataSource !== "") return dataSource;
  if (dataSource === undefined || dataSource === null) return "all";
  throw new RowError(`"data_source" must be a string, got ${describe(dataSource)}`);
}
