/**
 * What a process reward model reads: the prompt, then each step followed by the step separator
 * token, as token ids, plus where each separator sits (the positions whose logits score the steps).
 * Pure functions over a tokenizer's `encode`, so they are tested without a model.
 */

/** How the prompt and steps become the model's text. */
export type PrmTemplate = "plain" | "qwen";

/** Qwen2.5-Math-PRM's system message (from its model card). */
export const QWEN_PRM_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}.";

export interface PrmSequenceOptions {
  template: PrmTemplate;
  /** System message of the "qwen" template. */
  system: string;
  /** Most tokens per sequence. */
  maxLength: number;
}

/** One sample's model input. */
export interface PrmSequence {
  ids: number[];
  /** Index in `ids` of each step's separator; -1 for a step cut off by `maxLength`. */
  separators: number[];
  /** Tokens dropped from the left of the prompt to fit `maxLength`. */
  truncatedPromptTokens: number;
  /** Steps whose separator did not fit even with the whole prompt dropped. */
  truncatedSteps: number;
}

/**
 * Token ids for `prompt` + `steps`, with `separatorId` after every step.
 *
 * - "plain" (TRL's PRMTrainer.tokenize_row): prompt ids, then each step's ids followed by the
 *   separator; no special tokens added.
 * - "qwen" (the Qwen2.5-Math-PRM model card): the chat template around it, i.e.
 *   `<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n`
 *   + steps joined by the separator with one after the last + `<|im_end|>\n`.
 *
 * Texts are encoded piece by piece and the separator id is inserted, not encoded from text: a step
 * that happens to contain the separator string cannot shift which positions are read. Too long
 * for `maxLength`: tokens go from the left of the prompt first (as TRL truncates prompts), then
 * from the end, and steps whose separator is cut off get no score.
 */
export function buildPrmSequence(
  encode: (text: string) => number[],
  prompt: string,
  steps: readonly string[],
  separatorId: number,
  options: PrmSequenceOptions,
): PrmSequence {
  const head = encode(options.template === "qwen" ? qwenHead(options.system, prompt) : prompt);
  const tail = options.template === "qwen" ? encode("<|im_end|>\n") : [];
  const body: number[] = [];
  const stepEnds: number[] = [];
  for (const step of steps) {
    for (const id of encode(step)) body.push(id);
    stepEnds.push(body.length);
    body.push(separatorId);
  }
  const excess = head.length + body.length + tail.length - options.maxLength;
  const dropped = Math.min(head.length, Math.max(0, excess));
  const kept = dropped > 0 ? head.slice(dropped) : head;
  const ids = kept.concat(body, tail);
  if (ids.length > options.maxLength) ids.length = options.maxLength;
  const separators = stepEnds.map((end) => (kept.length + end < ids.length ? kept.length + end : -1));
  return {
    ids,
    separators,
    truncatedPromptTokens: dropped,
    truncatedSteps: separators.filter((position) => position < 0).length,
  };
}

function qwenHead(system: string, prompt: string): string {
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n`;
}

/**
 * Splits sequences into model runs: longest first, so each run pads to a similar length, with at
 * most `batchSize` sequences and `batchTokens` padded tokens (batch x longest) per run; a sequence
 * longer than `batchTokens` runs alone. Returns indices into `lengths`.
 */
export function planRuns(lengths: readonly number[], batchSize: number, batchTokens: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const runs: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Sorted longest first, so the run's first sequence sets its padded length.
    const longest = current.length > 0 ? lengths[current[0]] : lengths[i];
    if (current.length > 0 && (current.length >= batchSize || (current.length + 1) * longest > batchTokens)) {
      runs.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
