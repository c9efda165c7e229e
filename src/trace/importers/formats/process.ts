/**
 * Process-supervision data: one solution per row with a label per reasoning step. Steps become
 * `record.steps` ({text, label}) so a process reward can be compared with the human/automatic
 * labels (agreement, per-step confusion). Label scale: +1 good, 0 neutral, -1 bad (PRM800K's own
 * scale; TRL booleans and Math-Shepherd `+`/`-` map to +1/-1).
 */
import type { RecordStep, TraceRecord } from "../../types";
import { inferGroup, isPlainObject, sampleId, sourceMeta, stepLabel, stepsCompletion, unusedKeys } from "../common";
import { RowError, describe, requireString, rowImporter, share } from "../define";

/**
 * PRM800K raw labels (`prm800k/data/phase{1,2}_{train,test}.jsonl`): `question.problem`,
 * `question.ground_truth_answer`, and `label.steps[]`, each with rated `completions` (rating -1,
 * 0, +1), an optional `human_completion`, and `chosen_completion` (null where the labeler stopped
 * or wrote their own step).
 */
export const prm800kImporter = rowImporter({
  name: "prm800k",
  summary: "PRM800K raw labels (question.problem, label.steps[].completions[].rating -1/0/+1)",
  origin: "openai/prm800k data/phase{1,2}_{train,test}.jsonl",
  detect(probe) {
    return 0.99 * share(probe, (row) => isPlainObject(row.question) && isPlainObject(row.label) && Array.isArray(row.label.steps));
  },
  toRecords(row, { file }) {
    const value = row.value;
    const question = isPlainObject(value.question) ? value.question : {};
    const label = isPlainObject(value.label) ? value.label : {};
    if (typeof question.problem !== "string") throw new RowError(`"question.problem" must be a string, got ${describe(question.problem)}`);
    if (!Array.isArray(label.steps)) throw new RowError(`"label.steps" must be a list, got ${describe(label.steps)}`);
    const steps = label.steps.map((step, k) => prm800kStep(step, k));
    const extra = unusedKeys(value, ["question"]);
    const questionRest = unusedKeys(question, ["problem", "ground_truth_answer"]);
    if (Object.keys(questionRest).length > 0) extra.question = questionRest;
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(question.problem),
      prompt: question.problem,
      completion: stepsCompletion(steps),
      answer: question.ground_truth_answer,
      steps,
      meta: { source: sourceMeta("prm800k", row, file, extra) },
    };
    return [record];
  },
});

/**
 * The step on the solution's path: the chosen completion; else the labeler's own step (rated +1
 * by construction); else — the step where labeling stopped — the first completion rated -1.
 */
function prm800kStep(step: unknown, index: number): RecordStep {
  if (!isPlainObject(step) || !Array.isArray(step.completions)) throw new RowError(`label.steps[${index}] has no completions list`);
  const completions = step.completions.filter(isPlainObject);
  const chosen = typeof step.chosen_completion === "number" ? completions[step.chosen_completion] : undefined;
  if (chosen) return { text: String(chosen.text ?? ""), label: stepLabel(chosen.rating) };
  const human = step.human_completion;
  if (typeof human === "string") return { text: human, label: 1 };
  if (isPlainObject(human) && typeof human.text === "string") return { text: human.text, label: stepLabel(human.rating) ?? 1 };
  const stopped = completions.find((c) => c.rating === -1) ?? completions[0];
  if (!stopped) throw new RowError(`label.steps[${index}] has no completion`);
  return { text: String(stopped.text ?? ""), label: stepLabel(stopped.rating) };
}

/**
 * A TRL stepwise label on our +1 / -1 scale, read the way TRL reads it: `PRMTrainer.tokenize_row`
 * (trl/trainer/prm_trainer.py, TRL >= 0.12) takes `int(label)`, so `True` and `1.0` are correct
 * and everything below 1 (`False`, `0.0`, and a soft label such as `0.93`) is wrong. The source's
 * labels stay in `meta.source.extra.labels`.
 */
function trlStepLabel(value: unknown): number | null {
  if (typeof value === "boolean") return value ? 1 : -1;
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value) >= 1 ? 1 : -1;
  return null;
}

/**
 * TRL stepwise supervision (PRMTrainer): `{"prompt", "completions": [step, ...], "labels": [bool, ...]}`
 * (some datasets store the labels as floats; see {@link trlStepLabel}).
 */
export const trlStepwiseImporter = rowImporter({
  name: "trl-stepwise",
  summary: "TRL stepwise supervision (prompt, completions: list of steps, labels: list of booleans)",
  origin: "TRL PRMTrainer datasets (stepwise-supervision type, e.g. trl-lib/math_shepherd)",
  detect(probe) {
    return 0.95 * share(probe, (row) => typeof row.prompt === "string" && Array.isArray(row.completions) && Array.isArray(row.labels));
  },
  toRecords(row, { file }) {
    const value = row.value;
    const prompt = requireString(value, "prompt");
    const texts = value.completions;
    const labels = value.labels;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) throw new RowError(`"completions" must be a list of strings, got ${describe(texts)}`);
    if (!Array.isArray(labels) || labels.length !== texts.length) throw new RowError(`"labels" must be a list with one label per step (${texts.length})`);
    const steps = texts.map((text: string, k) => ({ text, label: trlStepLabel(labels[k]) }));
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(prompt),
      prompt,
      completion: stepsCompletion(steps),
      steps,
      meta: { source: sourceMeta("trl-stepwise", row, file, { ...unusedKeys(value, ["prompt", "completions"]) }) },
    };
    return [record];
  },
});

const STEP_TAG = "ки";

/**
 * Math-Shepherd (`peiyi9979/Math-Shepherd`): `input` is the question followed by the solution
 * with the tag `ки` after every step; `label` is the same text with each tag replaced by `+` or
 * `-`. The question ends where "Step 1" begins (the dataset's convention).
 */
export const mathShepherdImporter = rowImporter({
  name: "math-shepherd",
  summary: "Math-Shepherd (input with ки step tags, label with +/- in their place)",
  origin: "peiyi9979/Math-Shepherd math-shepherd.jsonl (automatic process annotation)",
  detect(probe) {
    return 0.98 * share(probe, (row) => typeof row.input === "string" && row.input.includes(STEP_TAG) && typeof row.label === "string");
  },
  toRecords(row, { file }) {
    const value = row.value;
    const input = requireString(value, "input");
    const labelText = requireString(value, "label");
    const pieces = input.split(STEP_TAG);
    // Each tag is 2 characters in `input` and 1 (`+`/`-`) in `label`: the k-th label sits at the
    // end of the k-th piece, shifted by k.
    const labels: (number | null)[] = [];
    let position = 0;
    for (let k = 0; k < pieces.length - 1; k++) {
      position += pieces[k].length;
      const mark = labelText[position + k];
      if (mark !== "+" && mark !== "-") throw new RowError(`step ${k + 1}: "label" has ${JSON.stringify(mark ?? "")} where "input" has ${STEP_TAG} (expected + or -)`);
      labels.push(mark === "+" ? 1 : -1);
    }
    const [first, ...rest] = pieces.slice(0, -1);
    const stepStart = first.search(/Step 1\s*:/);
    const question = stepStart > 0 ? first.slice(0, stepStart).trim() : "";
    const stepTexts = [stepStart > 0 ? first.slice(stepStart) : first, ...rest].map((text) => text.trim());
    const steps = stepTexts.map((text, k) => ({ text, label: labels[k] }));
    const trailing = pieces[pieces.length - 1].trim();
    const extra = unusedKeys(value, ["input", "label"]);
    if (trailing !== "") extra.trailing_text = trailing;
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(question),
      prompt: question,
      completion: stepsCompletion(steps),
      steps,
      meta: { source: sourceMeta("math-shepherd", row, file, extra) },
    };
    return [record];
  },
});
