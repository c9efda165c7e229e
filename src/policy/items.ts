// From task examples and dataset records to the token sequences the policy graphs consume.

import { isAbsolute, join } from "node:path";
import { type SequenceItem } from "./batch";
import { type Policy } from "./checkpoint";
import { ImageLoader, pixelsFromRgb } from "./images";
import { type RgbImage } from "./tasks/types";

/** The text the policy sees before its response: the question, then a newline. */
export function formatPrompt(prompt: string): string {
  return `${prompt}\n`;
}

/** What a prompt needs: its text and (for image tasks) an image in memory or a file path. */
export interface PromptSource {
  id?: string;
  prompt: string;
  image?: RgbImage;
  /** Image paths, relative to `baseDir` (the dataset file's folder). */
  images?: readonly string[];
}

/** Turns prompts (and optional target responses) into `SequenceItem`s for one policy. */
export class ItemBuilder {
  private readonly loader: ImageLoader | null;

  constructor(readonly policy: Policy) {
    this.loader = policy.config.image ? new ImageLoader(policy.config.image.size) : null;
  }

  /** Prompt ids (+ image) of `source`; `response` (a target completion) adds response ids. */
  item(source: PromptSource, baseDir: string, response?: string): SequenceItem {
    const tok = this.policy.tokenizer;
    const where = source.id ? `example ${source.id}` : "example";
    const text = formatPrompt(source.prompt);
    const unknown = tok.unknownCharacters(text + (response ?? ""));
    if (unknown.length > 0) throw new Error(`${where}: characters outside the policy's vocabulary: ${unknown.map((c) => JSON.stringify(c)).join(" ")}`);
    return {
      promptIds: tok.encode(text),
      responseIds: response === undefined ? undefined : tok.encode(response),
      image: this.image(source, baseDir, where),
    };
  }

  private image(source: PromptSource, baseDir: string, where: string): Float32Array | null {
    if (!this.loader) return null;
    if (source.image) return pixelsFromRgb(source.image.rgb);
    const path = source.images?.[0];
    if (!path) throw new Error(`${where}: the policy needs an image and the example has none`);
    return this.loader.load(isAbsolute(path) ? path : join(baseDir, path));
  }
}
