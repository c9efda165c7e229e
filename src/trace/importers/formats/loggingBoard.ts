/**
 * The RL Logging Board's rollout JSONL (HarderThenHarder/RLLoggingBoard, vendored in OpenRLHF as
 * openrlhf/utils/rl_logging_board): one line per sample, `{prompt, response, response_tokens:
 * [str], logprobs: [float], ref_logprobs: [float], values: [float] | null, token_rewards: [float],
 * reward, step, ref_response?, ref_reward?}`. The per-token lists become token channels the trace
 * viewer paints over the response:
 *   `logprob`, `ref_logprob`, `log_ratio` = logprob - ref_logprob (the k1 KL estimate),
 *   `kl` = exp(r) - 1 - r with r = ref_logprob - logprob (the k3 estimate, never negative),
 *   `value` (critic) and `token_reward` (KL penalty plus the reward on its token).
 * The board's token list may be one longer than the float lists; the extra tokens get no values.
 * The tokens are decoded one by one; when they do not add up to `response` (special tokens, byte
 * pieces), the completion is their concatenation so the channels line up, and `response` is kept in
 * `meta.source.extra`.
 */
import type { TokenInfo, TraceRecord } from "../../types";
import { inferGroup, sampleId, sourceMeta, toRewardValue, toStep, unusedKeys } from "../common";
import { RowError, describe, requireString, rowImporter, share } from "../define";

const MAPPED = ["prompt", "response", "response_tokens", "logprobs", "ref_logprobs", "values", "token_rewards", "reward", "step"];

export const loggingBoardImporter = rowImporter({
  name: "rl-logging-board",
  summary: "RL Logging Board rollouts (prompt, response, response_tokens, logprobs, ref_logprobs, values, token_rewards)",
  origin: "RL Logging Board JSONL (HarderThenHarder/RLLoggingBoard; OpenRLHF openrlhf/utils/rl_logging_board)",
  detect(probe) {
    return 0.97 * share(probe, (row) => typeof row.response === "string" && Array.isArray(row.response_tokens) && (Array.isArray(row.logprobs) || Array.isArray(row.token_rewards)));
  },
  toRecords(row, { file }) {
    const value = row.value;
    const prompt = requireString(value, "prompt");
    const response = requireString(value, "response");
    const texts = value.response_tokens;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) throw new RowError(`"response_tokens" must be a list of strings, got ${describe(texts)}`);
    const channel = (key: string): (number | undefined)[] => {
      const list = value[key];
      if (list === undefined || list === null) return [];
      if (!Array.isArray(list)) throw new RowError(`"${key}" must be a list of numbers, got ${describe(list)}`);
      return list.map((x) => (typeof x === "number" && Number.isFinite(x) ? x : undefined));
    };
    const logprob = channel("logprobs");
    const ref = channel("ref_logprobs");
    const critic = channel("values");
    const tokenReward = channel("token_rewards");
    const tokens: TokenInfo[] = texts.map((text: string, i) => {
      const token: TokenInfo = { text };
      if (logprob[i] !== undefined) token.logprob = logprob[i];
      if (ref[i] !== undefined) token.ref_logprob = ref[i];
      if (logprob[i] !== undefined && ref[i] !== undefined) {
        const r = (ref[i] as number) - (logprob[i] as number);
        token.log_ratio = -r;
        token.kl = Math.expm1(r) - r;
      }
      if (critic[i] !== undefined) token.value = critic[i];
      if (tokenReward[i] !== undefined) token.token_reward = tokenReward[i];
      return token;
    });
    // No tokens logged: the response is the completion, without channels.
    const joined = texts.length > 0 ? texts.join("") : response;
    const extra = unusedKeys(value, MAPPED);
    if (joined !== response) extra.response = response;
    const step = toStep(value.step);
    if (value.step !== undefined && step === undefined) extra.step = value.step;
    const reward = toRewardValue(value.reward);
    const record: TraceRecord = {
      id: sampleId(row, file),
      group: inferGroup(prompt, step),
      step,
      prompt,
      completion: joined,
      tokens: tokens.length > 0 ? tokens : undefined,
      rewards: reward === undefined ? {} : { reward },
      meta: { source: sourceMeta("rl-logging-board", row, file, extra) },
    };
    return [record];
  },
});
