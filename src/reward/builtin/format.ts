/**
 * R1-style format reward: reasoning in `<think>…</think>`, then the answer in `<answer>…</answer>`.
 */
import type { OutcomeReward } from "../api/types";

export interface FormatRewardOptions {
  name?: string;
  weight?: number;
  /** Require the `<think>…</think>` block (default true). When false, `<answer>…</answer>` alone also scores 1. */
  requireThink?: boolean;
  /**
   * Strict mode (default false): after trimming, the completion is exactly
   * `<think>A</think> <answer>B</answer>` with nothing else outside the tags and exactly one of each tag
   * (A and B contain no `<think>`, `</think>`, `<answer>`, `</answer>`).
   */
  strict?: boolean;
  /**
   * The opening `<think>` is in the prompt (default false). DeepSeek-R1's chat template, and many
   * templates copied from it, end the prompt with `<think>\n`, so the completion starts *inside* the
   * think block and only contains `</think>`. With this option a completion that does not start with
   * `<think>` is read as if it did; one that repeats the tag is accepted too.
   */
  thinkOpenedInPrompt?: boolean;
}

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const ANSWER_OPEN = "<answer>";
const ANSWER_CLOSE = "</answer>";

/**
 * Format reward: 1 when the completion has the R1 layout, else 0.
 *
 * - Lenient (default): some `<think>…</think>` is followed, with only whitespace between, by
 *   `<answer>…</answer>`; text before `<think>` and after `</answer>` is allowed. This is the
 *   `<think>.*?</think>\s*<answer>.*?</answer>` check of R1-V / Visual-RFT `format_reward`, searched
 *   rather than full-matched.
 * - Strict: the whole (trimmed) completion is `<think>A</think>\s*<answer>B</answer>` with one of each
 *   tag, like open-r1 `format_reward` (`^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$`) but
 *   without requiring the newlines.
 *
 * Follows the DeepSeek-R1 format reward (arXiv 2501.12948 §2.2.2) and TRL `think_format_reward`
 * (trl/rewards/format_rewards.py), which additionally accepts the think block alone.
 */
export function formatReward(options: FormatRewardOptions = {}): OutcomeReward {
  const { name = "format", weight = 1, requireThink = true, strict = false, thinkOpenedInPrompt = false } = options;
  const check = strict ? isStrictFormat : isLenientFormat;
  return {
    name,
    weight,
    kind: "outcome",
    description: `R1 format: <think>…</think> then <answer>…</answer>${strict ? " (strict)" : ""}`,
    score(sample) {
      let text = sample.completion.trim();
      if (thinkOpenedInPrompt && !text.startsWith(THINK_OPEN)) text = THINK_OPEN + text;
      return check(text, requireThink) ? 1 : 0;
    },
  };
}

/** Index just past the whitespace that starts at `from`. */
function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029 || code === 0xfeff;
}

/** Whether `<answer>…</answer>` starts at `at`. */
function answerBlockAt(text: string, at: number): boolean {
  return text.startsWith(ANSWER_OPEN, at) && text.indexOf(ANSWER_CLOSE, at + ANSWER_OPEN.length) >= 0;
}

function isLenientFormat(text: string, requireThink: boolean): boolean {
  const firstOpen = text.indexOf(THINK_OPEN);
  if (firstOpen >= 0) {
    // Any `</think>` after the first `<think>` may be the one followed by the answer.
    let close = text.indexOf(THINK_CLOSE, firstOpen + THINK_OPEN.length);
    while (close >= 0) {
      if (answerBlockAt(text, skipWhitespace(text, close + THINK_CLOSE.length))) return true;
      close = text.indexOf(THINK_CLOSE, close + THINK_CLOSE.length);
    }
  }
  if (requireThink) return false;
  const answer = text.indexOf(ANSWER_OPEN);
  return answer >= 0 && answerBlockAt(text, answer);
}

function isStrictFormat(text: string, requireThink: boolean): boolean {
  let at = 0;
  if (text.startsWith(THINK_OPEN)) {
    const close = text.indexOf(THINK_CLOSE, THINK_OPEN.length);
    if (close < 0 || hasAnyTag(text, THINK_OPEN.length, close)) return false;
    at = skipWhitespace(text, close + THINK_CLOSE.length);
  } else if (requireThink) {
    return false;
  }
  if (!text.startsWith(ANSWER_OPEN, at)) return false;
  const contentStart = at + ANSWER_OPEN.length;
  const answerClose = text.indexOf(ANSWER_CLOSE, contentStart);
  return (
    answerClose >= 0 &&
    answerClose + ANSWER_CLOSE.length === text.length &&
    !hasAnyTag(text, contentStart, answerClose)
  );
}

/** Whether text[from, to) contains one of the four format tags. */
function hasAnyTag(text: string, from: number, to: number): boolean {
  let lt = text.indexOf("<", from);
  while (lt >= 0 && lt < to) {
    if (
      text.startsWith(THINK_OPEN, lt) ||
      text.startsWith(THINK_CLOSE, lt) ||
      text.startsWith(ANSWER_OPEN, lt) ||
      text.startsWith(ANSWER_CLOSE, lt)
    ) {
      return lt < to;
    }
    lt = text.indexOf("<", lt + 1);
  }
  return false;
}
