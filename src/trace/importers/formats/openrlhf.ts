/**
 * OpenRLHF, two shapes:
 *
 * - Remote reward requests (`--remote_rm_url`): the trainer POSTs `{"query": [...], "prompts":
 *   [...], "labels": [...]}` (newer releases may add `"metas"`), where `query[i]` is the full text
 *   (prompt + response, chat template applied), `prompts[i]` the prompt and `labels[i]` the
 *   dataset's label (`--label_key`). A log of these bodies, one per line, expands each line into
 *   one sample per entry. If the logger also stored the server's reply (`rewards`, `scores`),
 *   those become `rewards.reward` / `rewards.score`.
 * - Its vision-language data format: `{"prompt": [messages with {"type": "image"} parts],
 *   "images": [...], "label": ...}` (a prompt may also be the message list as a JSON string).
 *   These are prompts without completions; they import with an empty completion.
 */
import type { TraceRecord } from "../../types";
import { datasetRecord, hasImageParts, imagePartSources, inferGroup, isMessageList, messagesToText, sampleId, sourceMeta, toRewardValue, toStep, unusedKeys, type ChatMessage } from "../common";
import { RowError, describe, rowImporter, share } from "../define";

const REQUEST_KEYS = ["query", "prompts", "labels", "metas", "rewards", "scores", "step"];

export const openrlhfRemoteRmImporter = rowImporter({
  name: "openrlhf-rm",
  summary: "OpenRLHF remote reward-model request log (JSONL of {query, prompts, labels} bodies)",
  origin: "Bodies POSTed by OpenRLHF to --remote_rm_url (remote_rm_fn), logged one per line",
  detect(probe) {
    const batch = share(probe, (row) => Array.isArray(row.query) && row.query.every((q) => typeof q === "string"));
    const keyed = share(probe, (row) => "prompts" in row || "labels" in row);
    return batch * (0.6 + 0.35 * keyed);
  },
  toRecords(row, { file }) {
    const value = row.value;
    const queries = asList(value.query, "query");
    const prompts = value.prompts === undefined ? [] : asList(value.prompts, "prompts");
    const labels = Array.isArray(value.labels) ? value.labels : [];
    const metas = Array.isArray(value.metas) ? value.metas : [];
    const rewards = Array.isArray(value.rewards) ? value.rewards : [];
    const scores = Array.isArray(value.scores) ? value.scores : [];
    const step = toStep(value.step);
    const extra = unusedKeys(value, REQUEST_KEYS);
    return queries.map((query, i): TraceRecord => {
      const prompt = typeof prompts[i] === "string" ? (prompts[i] as string) : undefined;
      // The query is prompt + response; store the response alone when the prompt is its prefix.
      const completion = prompt !== undefined && query.startsWith(prompt) ? query.slice(prompt.length) : query;
      const sampleExtra: Record<string, unknown> = { ...extra };
      if (prompt !== undefined && completion === query) sampleExtra.query_without_prompt = true;
      if (metas[i] !== undefined) sampleExtra.meta = metas[i];
      const sampleRewards: Record<string, number | null> = {};
      if (i < rewards.length) sampleRewards.reward = toRewardValue(rewards[i]) ?? null;
      if (i < scores.length) sampleRewards.score = toRewardValue(scores[i]) ?? null;
      return {
        id: sampleId(row, file, i),
        group: inferGroup(prompt ?? "", step, `l${row.line ?? row.row}`),
        step,
        prompt,
        completion,
        answer: labels[i],
        rewards: Object.keys(sampleRewards).length > 0 ? sampleRewards : undefined,
        meta: { source: { ...sourceMeta("openrlhf-rm", row, file, sampleExtra), index: i } },
      };
    });
  },
});

function asList(value: unknown, key: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  throw new RowError(`"${key}" must be a list of strings, got ${describe(value)}`);
}

/** The prompt as a message list, also when it is stored as a JSON string. */
function promptMessages(value: unknown): ChatMessage[] | undefined {
  if (isMessageList(value)) return value;
  if (typeof value === "string" && value.trimStart().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isMessageList(parsed)) return parsed;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const VISION_KEYS = ["prompt", "images", "label"];

export const openrlhfVisionImporter = rowImporter({
  name: "openrlhf-vision",
  summary: "OpenRLHF vision-language data (prompt message list with {\"type\":\"image\"} parts, images, label)",
  origin: "OpenRLHF VLM RL datasets (--input_key prompt --image_key images --label_key label)",
  detect(probe) {
    const withImages = share(probe, (row) => {
      const messages = promptMessages(row.prompt);
      return messages !== undefined && hasImageParts(messages);
    });
    const messagesWithLabel = share(probe, (row) => promptMessages(row.prompt) !== undefined && "label" in row && !("completion" in row));
    return Math.max(0.9 * withImages, 0.55 * messagesWithLabel);
  },
  async toRecords(row, { file, images }) {
    const value = row.value;
    const messages = promptMessages(value.prompt);
    if (!messages) throw new RowError(`"prompt" must be a message list, got ${describe(value.prompt)}`);
    const extra = unusedKeys(value, VISION_KEYS);
    extra.prompt = value.prompt;
    // Explicit `images` win; otherwise the references inside the image parts.
    const imageRefs = await images.resolveAll(value.images ?? imagePartSources(messages));
    if (value.images !== undefined) extra.images = value.images;
    const prompt = messagesToText(messages);
    return [datasetRecord("openrlhf-vision", row, file, { prompt, images: imageRefs, answer: value.label, extra })];
  },
});
