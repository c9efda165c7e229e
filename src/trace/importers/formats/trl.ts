/**
 * TRL GRPO completion logs: `<output_dir>/completions/completions_<step:05d>.parquet` (newer
 * releases: `completions/<mode>/...`), written by `GRPOTrainer.log` when `log_completions=True`.
 * The table is `{"step", "prompt", "completion", **rewards, **extra, "advantage"}` (+ `mode` in
 * newer releases, `image` when multimodal): one column per reward function, named after it, and
 * the user's `log_extra` columns, with no boundary between the two. `prompt`/`completion` are
 * strings (standard format) or message lists (conversational format). Some releases log `step`
 * as a string.
 */
import { basename } from "node:path";
import type { TraceRecord } from "../../types";
import { inferGroup, isMessageList, sampleId, sourceMeta, textOf, toRewardValue, toStep, unusedKeys } from "../common";
import { RowError, describe, rowImporter, share } from "../define";

const KNOWN = ["step", "prompt", "completion", "advantage", "image", "images"];
const TRACE_KEYS = ["id", "group", "rewards", "meta", "regions", "tokens"];

export const trlImporter = rowImporter({
  name: "trl",
  summary: "TRL GRPO completions log (completions_*.parquet: step, prompt, completion, <reward columns>, advantage)",
  origin: "TRL GRPOTrainer with log_completions=True: <output_dir>/completions/completions_<step>.parquet",
  detect(probe) {
    const pairs = share(probe, (row) => textOf(row.prompt) !== undefined && textOf(row.completion) !== undefined);
    if (pairs === 0 || probe.rows.some((row) => TRACE_KEYS.some((key) => key in row))) return 0.2 * pairs;
    const trlColumns = probe.columns.includes("advantage") ? 0.4 : probe.columns.includes("step") ? 0.25 : 0;
    const named = /^completions_\d+\.parquet$/.test(basename(probe.file)) ? 0.1 : 0;
    return Math.min(1, pairs * (0.45 + trlColumns + named));
  },
  async toRecords(row, { file, images, options, state }) {
    const value = row.value;
    const prompt = textOf(value.prompt);
    const completion = textOf(value.completion);
    if (prompt === undefined) throw new RowError(`"prompt" must be a string or a message list, got ${describe(value.prompt)}`);
    if (completion === undefined) throw new RowError(`"completion" must be a string or a message list, got ${describe(value.completion)}`);
    const step = toStep(value.step);
    const extra = unusedKeys(value, KNOWN);
    const rewards: Record<string, number | null> = {};
    const declared = options.rewardColumns;
    const numeric = numericColumns(state);
    for (const [key, field] of Object.entries(extra)) {
      if (typeof field === "number") numeric.add(key);
      // A reward function that does not apply to a sample logs NaN, which parquet stores as null:
      // a null in a column seen numeric is a null reward.
      const isReward = declared ? declared.includes(key) : typeof field === "number" || (field === null && numeric.has(key));
      if (!isReward) continue;
      rewards[key] = toRewardValue(field) ?? null;
      delete extra[key];
    }
    // Conversational prompts/completions are rendered to text; the message lists are kept.
    if (isMessageList(value.prompt)) extra.prompt = value.prompt;
    if (isMessageList(value.completion)) extra.completion = value.completion;
    if (value.step !== undefined && typeof value.step !== "number") extra.step = value.step;
    const imageRefs = await images.resolveAll(value.image ?? value.images);
    if (value.image !== undefined || value.images !== undefined) extra[value.image !== undefined ? "image" : "images"] = value.image ?? value.images;
    const advantage = toRewardValue(value.advantage);
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(prompt, step, undefined, { images: imageRefs }),
      step,
      prompt,
      images: imageRefs.length > 0 ? imageRefs : undefined,
      completion,
      rewards,
      advantage: typeof advantage === "number" ? advantage : undefined,
      meta: { source: sourceMeta("trl", row, file, extra) },
    };
    return [record];
  },
});

function numericColumns(state: Map<string, unknown>): Set<string> {
  let columns = state.get("numericColumns") as Set<string> | undefined;
  if (!columns) state.set("numericColumns", (columns = new Set()));
  return columns;
}
