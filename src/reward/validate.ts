/**
 * Checks what a reward file exported, with messages that name the file and the offending key:
 * reward definitions come from user code and anything may be there.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import type { RewardDefinition, RewardExample } from "./api/types";

// zod's functional build: the reward worker loads this file, and the classic build with every locale
// was 750 KB of the worker's 970 KB bundle (parsed by each worker on start). English messages only.
z.config(en());

const callable = z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", "must be a function");

/**
 * Names other places already give a meaning: the total (`reward/total/*`, `score` and `seq_reward`
 * in filter_groups_metric / curriculum_metric), the server's own extra_logs, and keys that objects
 * built from names would lose (`__proto__`).
 */
export const RESERVED_REWARD_NAMES = ["total", "score", "seq_reward", "reward_null", "reward_failed", "__proto__", "constructor", "prototype"];

/** Letters, digits, `_`, `.`, `-`: a name is a metric key (`reward/<name>/mean`), a JSON key and a CSV column. */
const REWARD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const base = {
  name: z.string().check(
    z.minLength(1, "must be a non-empty string"),
    z.maxLength(120),
    z.regex(REWARD_NAME, "may use only letters, digits, _ . - (it becomes a metric key and a JSON key)"),
    z.refine((name) => !RESERVED_REWARD_NAMES.includes(name), { message: `is reserved (${RESERVED_REWARD_NAMES.join(", ")}); pick another name` }),
  ),
  weight: z.optional(z.number()),
  description: z.optional(z.string()),
  examples: z.optional(z.array(z.looseObject({ completion: z.string(), expect: z.nullable(z.number()), note: z.optional(z.string()) }))),
};

const rewardSchema = z.discriminatedUnion("kind", [
  z.looseObject({ ...base, kind: z.literal("outcome"), score: callable }),
  z.looseObject({ ...base, kind: z.literal("process"), aggregate: z.enum(["min", "mean", "last", "prod", "sum"]), score: callable, scoreBatch: z.optional(callable) }),
  z.looseObject({ ...base, kind: z.literal("batch"), scoreBatch: callable }),
]);

/** Public description of a loaded reward (no functions: it crosses thread and process boundaries). */
export interface RewardInfo {
  name: string;
  kind: "outcome" | "process" | "batch";
  weight: number;
  aggregate?: "min" | "mean" | "last" | "prod" | "sum";
  description?: string;
  /** Absolute path of the reward file that defined it. */
  file: string;
  /** Its pinned cases (JSON data: they cross threads). */
  examples?: RewardExample[];
}

/** One pinned case checked (`rewardlab test`, and its `--json` output the Test Explorer reads). */
export interface CaseResult {
  reward: string;
  /** The reward file (absolute in the engine; `--json` prints it relative to the working directory). */
  file: string;
  /** 1-based position in the reward's `examples`. */
  example: number;
  note?: string;
  expect: number | null;
  got: number | null;
  error?: string;
  ok: boolean;
}

/** Turns a module's default export into validated definitions, or throws an Error naming the file and problem. */
export function validateRewardExport(exported: unknown, file: string): RewardDefinition[] {
  if (exported === undefined || exported === null) {
    throw new Error(`${file}: no default export. Export a reward: \`export default defineReward({ name, score })\`.`);
  }
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0) throw new Error(`${file}: the default export is an empty array; export at least one reward.`);
  return list.map((item, i) => {
    const candidate = item !== null && typeof item === "object" && !("kind" in item) ? { ...item, kind: "outcome" } : item;
    const parsed = rewardSchema.safeParse(candidate);
    if (!parsed.success) {
      const where = Array.isArray(exported) ? ` (export #${i + 1})` : "";
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "reward"} ${issue.message}`).join("; ");
      throw new Error(`${file}${where}: invalid reward definition: ${issues}`);
    }
    // Keep the user's own object (closures, methods), with the default kind filled in.
    const reward = item as RewardDefinition;
    if (!("kind" in reward) || reward.kind === undefined) (reward as { kind: string }).kind = "outcome";
    return reward;
  });
}

export function describeReward(reward: RewardDefinition, file: string): RewardInfo {
  return {
    name: reward.name,
    kind: reward.kind ?? "outcome",
    weight: reward.weight ?? 1,
    ...(reward.kind === "process" ? { aggregate: reward.aggregate } : {}),
    ...(reward.description ? { description: reward.description } : {}),
    ...(reward.examples?.length ? { examples: reward.examples.map((e) => ({ ...e })) } : {}),
    file,
  };
}
