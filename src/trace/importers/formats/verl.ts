/**
 * verl rollout and validation dumps: `trainer.rollout_data_dir` / `trainer.validation_data_dir`,
 * one `{global_step}.jsonl` per step, written by `RayPPOTrainer._dump_generations`. Each line is
 * `{"input", "output", "gts", "score", "step", ...reward_extra_infos}`; `input` is the decoded
 * prompt (chat template applied), `output` the decoded response, `gts` the ground truth. Reward
 * extra-info keys are whatever the reward function returned in its dict (e.g. `acc`, `pred`);
 * validation dumps may carry `reward`. A `uid` column (verl's group id, present when the reward
 * function or a patched trainer dumps it) names the GRPO group; otherwise equal prompt + step do.
 */
import type { TraceRecord } from "../../types";
import { inferGroup, sampleId, sourceMeta, toRewardValue, toStep, unusedKeys } from "../common";
import { requireString, rowImporter, share } from "../define";

const MAPPED = ["input", "output", "gts", "score", "step", "reward"];

export const verlImporter = rowImporter({
  name: "verl",
  summary: "verl rollout/validation dump ({global_step}.jsonl: input, output, gts, score, step)",
  origin: "verl trainer.rollout_data_dir / validation_data_dir, written by RayPPOTrainer._dump_generations",
  detect(probe) {
    const texts = share(probe, (row) => typeof row.input === "string" && typeof row.output === "string");
    const verlKeys = share(probe, (row) => "score" in row || "gts" in row || "step" in row);
    return texts * (0.5 + 0.45 * verlKeys);
  },
  toRecords(row, { file }) {
    const value = row.value;
    const prompt = requireString(value, "input");
    const completion = requireString(value, "output");
    const step = toStep(value.step);
    const rewards: Record<string, number | null> = {};
    const extra = unusedKeys(value, MAPPED);
    for (const key of ["score", "reward"]) {
      const reward = toRewardValue(value[key]);
      if (reward !== undefined) rewards[key] = reward;
      else if (key in value) extra[key] = value[key];
      if (isNonFinite(value[key])) extra[key] = String(value[key]);
    }
    // Reward extra-info values that are numbers (or booleans such as `acc`, stored as 1/0) are
    // rewards too. Numbers move; booleans also stay in meta.source.extra, as they were changed.
    // NaN and ±Infinity (Python's json.dumps writes them bare) are no score (null); the source's
    // value stays in meta.source.extra as the text "NaN" / "Infinity" / "-Infinity".
    for (const [key, field] of Object.entries(extra)) {
      if (typeof field === "number") {
        rewards[key] = toRewardValue(field) ?? null;
        if (isNonFinite(field)) extra[key] = String(field);
        else delete extra[key];
      } else if (typeof field === "boolean") rewards[key] = field ? 1 : 0;
    }
    if (value.step !== undefined && step === undefined) extra.step = value.step;
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(prompt, step, undefined, { uid: value.uid }),
      step,
      prompt,
      completion,
      answer: value.gts,
      rewards,
      meta: { source: sourceMeta("verl", row, file, extra) },
    };
    return [record];
  },
});

function isNonFinite(value: unknown): value is number {
  return typeof value === "number" && !Number.isFinite(value);
}
