// Policy configuration (`config.json` of a checkpoint), validated with zod so a hand-edited or
// foreign config fails with the key that is wrong.

import { z } from "zod";

export const imageConfigSchema = z.object({
  /** Square images, `size x size` pixels, RGB. */
  size: z.number().int().positive(),
  /** Square patches of `patch x patch` pixels; `size` must be a multiple. */
  patch: z.number().int().positive(),
});

export const policyConfigSchema = z
  .object({
    model_type: z.literal("rewardlab-policy"),
    version: z.literal(1),
    vocab_size: z.number().int().positive(),
    d_model: z.number().int().positive(),
    n_layers: z.number().int().positive(),
    n_heads: z.number().int().positive(),
    d_hidden: z.number().int().positive(),
    /** Size of the text position table: prompt + response tokens. */
    max_text_len: z.number().int().positive(),
    image: imageConfigSchema.nullable(),
    /** A scalar value head on the final hidden state (PPO's critic shares the trunk). */
    value_head: z.boolean(),
    /** Free-form provenance: task, how it was trained. */
    info: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((c) => c.d_model % c.n_heads === 0, { message: "d_model must be divisible by n_heads" })
  .refine((c) => !c.image || c.image.size % c.image.patch === 0, { message: "image.size must be a multiple of image.patch" });

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

/** Number of image tokens (patches) in front of the text; 0 for text-only policies. */
export function imageTokens(cfg: PolicyConfig): number {
  return cfg.image ? (cfg.image.size / cfg.image.patch) ** 2 : 0;
}

/** Values of one patch: patch * patch * 3. */
export function patchDim(cfg: PolicyConfig): number {
  return cfg.image ? cfg.image.patch * cfg.image.patch * 3 : 0;
}

/** The default small policy: ~0.9M parameters, trains on 2 CPU cores in minutes. */
export function defaultPolicyConfig(vocabSize: number, image: PolicyConfig["image"], info?: Record<string, unknown>): PolicyConfig {
  return {
    model_type: "rewardlab-policy",
    version: 1,
    vocab_size: vocabSize,
    d_model: 128,
    n_layers: 4,
    n_heads: 4,
    d_hidden: 512,
    max_text_len: 256,
    image,
    value_head: true,
    ...(info ? { info } : {}),
  };
}

/** Parses a config object, naming `source` and the offending key on failure. */
export function parsePolicyConfig(raw: unknown, source: string): PolicyConfig {
  const result = policyConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? ` at "${issue.path.join(".")}"` : "";
  throw new Error(`${source}: invalid policy config${where}: ${issue.message}`);
}
