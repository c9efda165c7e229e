// The policy's tokenizer: character level (printable ASCII and "\n") plus the special tokens of an
// R1-style reasoner. Stored as a Hugging Face `tokenizer.json` (a BPE model with single-character
// vocabulary and no merges) so @huggingface/tokenizers — and Python's `tokenizers` — load it as is.
//
// Why characters: the synthetic tasks write digits and boxes; a ~1M-parameter model learns numbers
// far more reliably one digit per token, and the vocabulary stays ~100 rows.

import { Tokenizer } from "@huggingface/tokenizers";

/** Special tokens, in id order (ids 0..6). */
export const SPECIAL_TOKENS = ["<pad>", "<eos>", "<image>", "<think>", "</think>", "<answer>", "</answer>"] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** The characters of the base vocabulary: "\n" then printable ASCII 32..126. */
export function baseCharacters(): string[] {
  const chars = ["\n"];
  for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
  return chars;
}

/** A tokenizer.json (Hugging Face format) for the character-level vocabulary. */
export function characterTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  [...SPECIAL_TOKENS, ...baseCharacters()].forEach((t, i) => (vocab[t] = i));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: "Fuse" },
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [],
    },
  };
}

/** Encodes and decodes policy text; wraps @huggingface/tokenizers with the ids the model needs. */
export class PolicyTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly pieces: string[];
  readonly vocabSize: number;
  readonly pad: number;
  readonly eos: number;
  readonly thinkOpen: number;
  readonly answerClose: number;

  constructor(readonly json: Record<string, unknown>) {
    this.tokenizer = new Tokenizer(json, {});
    const vocab = (json.model as { vocab?: Record<string, number> } | undefined)?.vocab;
    if (!vocab || typeof vocab !== "object") throw new Error("tokenizer.json: no model.vocab");
    this.pieces = [];
    for (const [piece, id] of Object.entries(vocab)) this.pieces[id] = piece;
    this.vocabSize = this.pieces.length;
    const id = (t: SpecialToken) => {
      const v = vocab[t];
      if (v === undefined) throw new Error(`tokenizer.json: special token ${t} is missing`);
      return v;
    };
    this.pad = id("<pad>");
    this.eos = id("<eos>");
    this.thinkOpen = id("<think>");
    this.answerClose = id("</answer>");
  }

  static characterLevel(): PolicyTokenizer {
    return new PolicyTokenizer(characterTokenizerJson());
  }

  /**
   * Token ids of `text`. Characters outside the vocabulary have no id: they are dropped by the
   * underlying model, so callers that need exact round trips check `unknownCharacters` first.
   */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of `ids` (special tokens included, as written in completions). */
  decode(ids: readonly number[]): string {
    let out = "";
    for (const id of ids) out += this.pieces[id] ?? "";
    return out;
  }

  /** The text of one token id. */
  piece(id: number): string {
    return this.pieces[id] ?? "";
  }

  /** Characters of `text` the vocabulary cannot represent (outside special tokens). */
  unknownCharacters(text: string): string[] {
    const known = new Set(this.pieces);
    const stripped = SPECIAL_TOKENS.reduce((s, t) => s.split(t).join(""), text);
    return [...new Set([...stripped].filter((c) => !known.has(c)))];
  }
}
