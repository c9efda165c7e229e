// The one resolver of a run's RL settings, used by `rewardlab train`, `rewardlab export`, the
// extension's "Train with current reward" and the trainer itself: which preset (named, else
// rewardlab.json `trainer.algo`, else the default), then rewardlab.json's `trainer` values, then
// `--set key=value` overrides. An unknown preset or key fails with the same message everywhere,
// naming close matches. Registry names (estimators, policy losses) are checked here, so
// settings.ts stays a leaf.

import { basename } from "node:path";
import { z } from "zod";
import { advantageEstimatorNames, getAdvantageEstimator } from "./advantages";
import { policyLossNames } from "./losses";
import { BASE_SETTINGS, DEFAULT_PRESET, PRESETS, presetNames, type PresetName } from "./presets";
import { type RlSettingKey, type RlSettings, rlSettingsSchema, settingKeys } from "./settings";

/** Responses one local training step may generate (train_batch_size x rollout_n): far beyond what a CPU step does in minutes, well below what exhausts memory. */
const MAX_RESPONSES_PER_STEP = 65_536;

/** Checks that involve a registry or more than one key (verl asserts most of these at start-up). */
function consistencyIssues(s: RlSettings): { key: RlSettingKey; message: string }[] {
  const issues: { key: RlSettingKey; message: string }[] = [];
  const fail = (key: RlSettingKey, message: string) => issues.push({ key, message });
  const estimators = advantageEstimatorNames();
  if (!estimators.includes(s.adv_estimator)) fail("adv_estimator", `unknown estimator "${s.adv_estimator}"; valid: ${estimators.join(", ")}`);
  else if (getAdvantageEstimator(s.adv_estimator).groupBased && s.rollout_n < 2) {
    fail("rollout_n", `${s.adv_estimator} compares the samples of a prompt, so it needs rollout_n >= 2 (got ${s.rollout_n})`);
  }
  if (s.train_batch_size * s.rollout_n > MAX_RESPONSES_PER_STEP) {
    fail("train_batch_size", `train_batch_size x rollout_n = ${s.train_batch_size * s.rollout_n} responses per step; at most ${MAX_RESPONSES_PER_STEP} fit in memory here`);
  }
  const losses = policyLossNames();
  if (!losses.includes(s.policy_loss)) fail("policy_loss", `unknown policy loss "${s.policy_loss}"; valid: ${losses.join(", ")}`);
  if (s.ppo_mini_batch_size > s.train_batch_size || s.train_batch_size % s.ppo_mini_batch_size !== 0) {
    fail("ppo_mini_batch_size", `must divide train_batch_size (${s.train_batch_size}); got ${s.ppo_mini_batch_size}`);
  }
  if (s.overlong_buffer_enable && !(s.overlong_buffer_len > 0 && s.overlong_buffer_len <= s.max_response_length)) {
    fail("overlong_buffer_len", `must be in 1..max_response_length (${s.max_response_length}) when overlong_buffer_enable is on; got ${s.overlong_buffer_len}`);
  }
  return issues;
}

/** One line per setting (key, expected type, doc): for `--help` and error messages. */
export function describeSettings(): { key: RlSettingKey; type: string; doc: string }[] {
  return settingKeys().map((key) => ({ key, type: expectedType(key), doc: rlSettingsSchema.shape[key].description ?? "" }));
}

type FieldSchema = (typeof rlSettingsSchema.shape)[RlSettingKey];

function expectedType(key: RlSettingKey): string {
  const schema: FieldSchema = rlSettingsSchema.shape[key];
  const nullable = schema.def.type === "nullable";
  const inner = (nullable ? (schema as z.ZodNullable<z.ZodNumber>).unwrap() : schema) as z.ZodType;
  const dynamic = key === "adv_estimator" ? advantageEstimatorNames() : key === "policy_loss" ? policyLossNames() : null;
  let type: string = inner.def.type;
  if (dynamic) type = `one of ${dynamic.join(" | ")}`;
  else if (inner instanceof z.ZodEnum) type = `one of ${inner.options.join(" | ")}`;
  else if (inner instanceof z.ZodNumber) type = `${inner.isInt ? "integer" : "number"}${numberBounds(inner)}`;
  return nullable ? `${type} or null` : type;
}

/** " >= 0 and <= 1" from a zod number's checks ("" when unbounded). */
function numberBounds(schema: z.ZodNumber): string {
  const bounds = (schema.def.checks ?? []).flatMap((check) => {
    const def = check._zod.def as { check: string; value?: number; inclusive?: boolean };
    if (def.check === "greater_than") return [`${def.inclusive ? ">=" : ">"} ${def.value}`];
    if (def.check === "less_than") return [`${def.inclusive ? "<=" : "<"} ${def.value}`];
    return [];
  });
  return bounds.length ? ` ${bounds.join(" and ")}` : "";
}

/** Parses one `--set` value into the type the setting has (validation comes after). */
export function parseSettingValue(key: RlSettingKey, raw: string): unknown {
  const schema: FieldSchema = rlSettingsSchema.shape[key];
  const text = raw.trim();
  let inner: z.ZodType = schema;
  if (schema.def.type === "nullable") {
    if (text === "null" || text === "none") return null;
    inner = (schema as z.ZodNullable<z.ZodNumber>).unwrap();
  }
  const bad = () => new Error(`setting "${key}" = "${raw}": expected ${expectedType(key)} (${schema.description})`);
  switch (inner.def.type) {
    case "number": {
      const value = text === "" ? NaN : Number(text);
      if (!Number.isFinite(value)) throw bad();
      return value;
    }
    case "boolean":
      if (["true", "1", "yes", "on"].includes(text.toLowerCase())) return true;
      if (["false", "0", "no", "off"].includes(text.toLowerCase())) return false;
      throw bad();
    default:
      return text;
  }
}

/** `KEY=VALUE` strings (repeated `--set`) to a record, keys trimmed; throws naming a bad one. */
export function parseSetFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new Error(`--set "${item}": write KEY=VALUE, e.g. --set clip_ratio_high=0.28`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1);
  }
  return out;
}

/** Candidates within a small edit distance of `word` (for "did you mean"), closest first. */
export function closeMatches(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  const scored = candidates.map((k) => {
    const c = k.toLowerCase();
    return { k, d: c === w ? 0 : c.includes(w) || w.includes(c) ? 1 : editDistance(w, c) };
  });
  if (scored.some((s) => s.d === 0)) return scored.filter((s) => s.d === 0).map((s) => s.k);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d).slice(0, 3).map((s) => s.k);
}

/** Setting keys close to `key`. */
export function closeSettingKeys(key: string): string[] {
  return closeMatches(key, settingKeys());
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function unknownKeyError(key: string, where: string): Error {
  const close = closeSettingKeys(key);
  const hint = close.length ? ` Did you mean ${close.join(", ")}?` : " `rewardlab train --help` lists the settings.";
  return new Error(`${where}: unknown setting "${key}".${hint}`);
}

/**
 * A preset by name; anything else fails naming `where` (e.g. "--algo", "rewardlab.json:
 * trainer.algo"), close matches and every preset.
 */
export function presetByName(name: unknown, where: string): PresetName {
  if (typeof name === "string" && Object.hasOwn(PRESETS, name)) return name as PresetName;
  const names = presetNames();
  if (typeof name !== "string") return failPreset(`${where}: the algorithm preset must be a name (got ${JSON.stringify(name)})`, names);
  const close = closeMatches(name, names);
  return failPreset(`${where}: unknown algorithm preset "${name}".${close.length ? ` Did you mean ${close.join(", ")}?` : ""}`, names);
}

function failPreset(message: string, names: readonly string[]): never {
  throw new Error(`${message} Presets: ${names.join(", ")}.`);
}

export interface ResolveOptions {
  /** Typed values from a config file (e.g. rewardlab.json `trainer`), applied before `overrides`. */
  config?: Readonly<Record<string, unknown>>;
  /** Names the config in errors, e.g. "rewardlab.json: trainer". */
  configSource?: string;
}

/**
 * The settings of `preset`: its values over BASE_SETTINGS, then `options.config` (typed), then
 * `overrides` (`--set` strings, parsed to each key's type). Unknown keys fail with close matches;
 * invalid values fail naming the key, the value and what was expected.
 */
export function resolveSettings(preset: string, overrides: Readonly<Record<string, string>> = {}, options: ResolveOptions = {}): RlSettings {
  const entry = PRESETS[presetByName(preset, "preset")];
  const merged: Record<string, unknown> = { ...BASE_SETTINGS, ...entry.settings };
  const keys = new Set<string>(settingKeys());
  for (const [key, value] of Object.entries(options.config ?? {})) {
    if (!keys.has(key)) throw unknownKeyError(key, options.configSource ?? "config");
    merged[key] = value;
  }
  for (const [key, raw] of Object.entries(overrides)) {
    if (!keys.has(key)) throw unknownKeyError(key, "--set");
    merged[key] = parseSettingValue(key as RlSettingKey, raw);
  }
  return validateSettings(merged, `preset "${preset}"`);
}

/** Validates a complete settings object; errors name every bad key with its value and doc. */
export function validateSettings(candidate: Readonly<Record<string, unknown>>, where = "settings"): RlSettings {
  const parsed = rlSettingsSchema.safeParse(candidate);
  const issues = parsed.success
    ? consistencyIssues(parsed.data)
    : parsed.error.issues.map((issue) => ({ key: issue.path[0] as RlSettingKey | undefined, message: issue.message }));
  if (parsed.success && issues.length === 0) return parsed.data;
  const lines = issues.map(({ key, message }) => {
    if (!key) return message;
    const doc = rlSettingsSchema.shape[key]?.description;
    return `${key} = ${JSON.stringify(candidate[key])}: ${message}${doc ? ` (${doc})` : ""}`;
  });
  throw new Error(`invalid RL settings (${where}):\n  ${lines.join("\n  ")}`);
}

export interface RunSettingsRequest {
  /** The preset asked for (`--algo`, the extension's picker, a resumed run's); else `trainer.algo`. */
  preset?: string;
  /** Names `preset` in errors; default "--algo". */
  presetSource?: string;
  /** rewardlab.json `trainer` (its `algo` names the preset), or a resumed run's settings. */
  trainer?: Readonly<Record<string, unknown>>;
  /** Names `trainer` in errors, e.g. "/ws/rewardlab.json". */
  trainerSource?: string;
  /** `--set` overrides, as strings. */
  overrides?: Readonly<Record<string, string>>;
}

export interface RunSettings {
  preset: PresetName;
  settings: RlSettings;
  /** Where they came from, for logs and READMEs: `preset "dapo" + rewardlab.json trainer (rollout_n) + --set lr`. */
  source: string;
}

/** Resolves a run's preset and settings; every entry point (CLI, extension, trainer, exporters) comes here. */
export function resolveRunSettings(request: RunSettingsRequest): RunSettings {
  const source = request.trainerSource ?? "rewardlab.json";
  const { algo, ...config } = request.trainer ?? {};
  const preset = request.preset !== undefined
    ? presetByName(request.preset, request.presetSource ?? "--algo")
    : algo !== undefined ? presetByName(algo, `${source}: trainer.algo`) : DEFAULT_PRESET;
  const overrides = request.overrides ?? {};
  const settings = resolveSettings(preset, overrides, { config, configSource: `${source}: trainer` });
  const parts = [`preset "${preset}"`];
  if (Object.keys(config).length > 0) parts.push(`${basename(source)} trainer (${Object.keys(config).join(", ")})`);
  if (Object.keys(overrides).length > 0) parts.push(`--set ${Object.keys(overrides).join(", ")}`);
  return { preset, settings, source: parts.join(" + ") };
}
