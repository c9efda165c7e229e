/**
 * Prime Intellect `verifiers` evaluation results: `vf-eval --save-results` writes
 * `outputs/evals/<env>--<model>/<run>/results.jsonl` (beside `metadata.json`), one rollout per line,
 * built by `state_to_output` (verifiers/utils/save_utils.py):
 * `{example_id, prompt, completion, answer?, info?, task?, reward, metrics: {<reward function>: raw
 * score}, <the same metric keys again at top level>, timing, is_completed, is_truncated,
 * stop_condition, error, tool_defs | oai_tools, token_usage?}`. `prompt` / `completion` are message
 * lists (chat environments) or strings (completion environments). `reward` is the rubric's weighted
 * sum; the weights are not written, so each function's raw score is kept beside it. The rollouts of
 * one example form a group (`example-<id>`). The oldest layout (`eval_storage.py`) has `id` for
 * `example_id` and no `metrics` dict; it reads the same way.
 */
import type { TraceRecord } from "../../types";
import { isMessageList, isPlainObject, sampleId, sourceMeta, textOf, toRewardValue, unusedKeys } from "../common";
import { RowError, describe, rowImporter, share } from "../define";

/** Keys stored in trace fields (or derived from them), not repeated in meta.source.extra. */
const MAPPED = ["example_id", "prompt", "completion", "answer", "reward", "metrics"];

export const verifiersImporter = rowImporter({
  name: "verifiers",
  summary: "verifiers eval results (results.jsonl: example_id, prompt, completion, reward, metrics)",
  origin: "Prime Intellect verifiers: vf-eval --save-results, outputs/evals/<env>--<model>/<run>/results.jsonl",
  detect(probe) {
    const shaped = share(probe, (row) => ("example_id" in row || "id" in row) && "prompt" in row && "completion" in row && "reward" in row);
    const own = share(probe, (row) => isPlainObject(row.metrics) || "is_completed" in row || "stop_condition" in row || "timing" in row);
    return shaped * (0.55 + 0.4 * own);
  },
  toRecords(row, { file }) {
    const value = row.value;
    const prompt = textOf(value.prompt) ?? (value.prompt === null ? "" : undefined);
    const completion = textOf(value.completion) ?? (value.completion === null ? "" : undefined);
    if (prompt === undefined) throw new RowError(`"prompt" must be a string or a message list, got ${describe(value.prompt)}`);
    if (completion === undefined) throw new RowError(`"completion" must be a string or a message list, got ${describe(value.completion)}`);
    const exampleId = value.example_id ?? value.id;
    const metrics = isPlainObject(value.metrics) ? value.metrics : {};
    const rewards: Record<string, number | null> = {};
    for (const [name, score] of Object.entries(metrics)) {
      const reward = toRewardValue(score);
      if (reward !== undefined) rewards[name] = reward;
    }
    const extra = unusedKeys(value, MAPPED);
    // The flattened copies of the metrics (written for backwards compatibility) are the same numbers.
    for (const name of Object.keys(metrics)) if (extra[name] === metrics[name]) delete extra[name];
    // Old layout: no metrics dict, one top-level column per reward function.
    if (!isPlainObject(value.metrics)) {
      for (const [name, field] of Object.entries(extra)) {
        if (typeof field === "number" && name !== "id") {
          rewards[name] = toRewardValue(field) ?? null;
          delete extra[name];
        }
      }
    }
    const total = toRewardValue(value.reward);
    if (total !== undefined) rewards.reward = total;
    if (isMessageList(value.prompt)) extra.prompt = value.prompt;
    if (isMessageList(value.completion)) extra.completion = value.completion;
    if (Object.keys(metrics).length > 0 && Object.values(metrics).some((m) => toRewardValue(m) === undefined)) extra.metrics = metrics;
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: exampleId === undefined || exampleId === null ? undefined : `example-${String(exampleId)}`,
      prompt,
      completion,
      answer: value.answer,
      rewards,
      meta: { source: sourceMeta("verifiers", row, file, extra) },
    };
    return [record];
  },
});
