// The one checkpoint module (DESIGN.md). A checkpoint is a folder:
//   config.json, model.safetensors, tokenizer.json    the policy (what `rewardlab eval` and RL load)
//   trainer-state.json                                 where a trainer stopped (step, seeds, sampler)
//   optimizer.safetensors, critic-optimizer.safetensors  AdamW moments, to resume exactly
// written atomically (a temporary sibling folder renamed into place), so a crash or a cancel never
// leaves a half-written checkpoint where a reader expects a whole one. SFT and RL both save here.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GraphBuilder } from "../ir/index";
import { type AdamWState, type ParamStore, type SafeTensor, encodeSafetensors, initParams, loadSafetensors, saveSafetensors } from "../runtime/index";
import { type PolicyConfig, parsePolicyConfig } from "./config";
import { buildScoringGraph } from "./model";
import { PolicyTokenizer } from "./tokenizer";

/** A loaded policy: its config, tokenizer and parameters (fed to every policy graph by name). */
export interface Policy {
  config: PolicyConfig;
  tokenizer: PolicyTokenizer;
  params: ParamStore;
}

/** Parameter names and shapes of a policy config, in graph order. */
export function policyParamShapes(config: PolicyConfig): Map<string, readonly number[]> {
  const g = new GraphBuilder();
  buildScoringGraph(g, config);
  return new Map([...g.params.values()].map((p) => [p.name, p.shape] as const));
}

/** A freshly initialised policy (seeded). */
export function initPolicy(config: PolicyConfig, tokenizer: PolicyTokenizer, seed: number): Policy {
  if (tokenizer.vocabSize !== config.vocab_size) {
    throw new Error(`tokenizer has ${tokenizer.vocabSize} tokens but the config says vocab_size ${config.vocab_size}`);
  }
  const g = new GraphBuilder();
  buildScoringGraph(g, config);
  return { config, tokenizer, params: initParams(g, seed) };
}

/** Reads a checkpoint folder; errors name the folder and what is missing or wrong. */
export function loadPolicy(dir: string): Policy {
  for (const file of ["config.json", "model.safetensors", "tokenizer.json"]) {
    if (!existsSync(join(dir, file))) throw new Error(`${dir}: not a policy checkpoint (no ${file})`);
  }
  const config = parsePolicyConfig(readJson(join(dir, "config.json")), join(dir, "config.json"));
  const tokenizer = new PolicyTokenizer(readJson(join(dir, "tokenizer.json")) as Record<string, unknown>);
  if (tokenizer.vocabSize !== config.vocab_size) {
    throw new Error(`${dir}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${config.vocab_size}`);
  }
  return { config, tokenizer, params: readParams(join(dir, "model.safetensors"), policyParamShapes(config)) };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

/** The tensors `shapes` names, in that order, each checked (extra tensors are ignored). */
export function readParams(file: string, shapes: ReadonlyMap<string, readonly number[]>): ParamStore {
  const { tensors } = loadSafetensors(file);
  const params: ParamStore = new Map();
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t || t.dtype !== "F32") throw new Error(`${file}: no float tensor "${name}" (the model expects it)`);
    if (t.shape.join(",") !== shape.join(",")) throw new Error(`${file}: "${name}" has shape [${t.shape}] but the model expects [${shape}]`);
    params.set(name, t.data as Float32Array);
  }
  return params;
}

/** What a trainer saves beside the policy to resume exactly. */
export interface TrainerCheckpoint {
  /** trainer-state.json: where the trainer stopped. */
  state: object;
  /** AdamW moments by optimizer: `actor` -> optimizer.safetensors, `critic` -> critic-optimizer.safetensors. */
  optimizers: Partial<Record<OptimizerName, AdamWState>>;
}

export type OptimizerName = "actor" | "critic";

const OPTIMIZER_FILES: Record<OptimizerName, string> = { actor: "optimizer.safetensors", critic: "critic-optimizer.safetensors" };
const TRAINER_STATE_FILE = "trainer-state.json";

/** Writes `policy` (and, for a trainer, its state and optimizer moments) to `dir` atomically. */
export function saveCheckpoint(dir: string, policy: Policy, trainer?: TrainerCheckpoint): void {
  const extra: Record<string, string | Uint8Array> = {};
  if (trainer) {
    extra[TRAINER_STATE_FILE] = JSON.stringify(trainer.state, null, 2) + "\n";
    for (const [name, state] of Object.entries(trainer.optimizers)) extra[OPTIMIZER_FILES[name as OptimizerName]] = encodeOptimizerState(state);
  }
  writeFolder(dir, policy, extra);
}

/**
 * Removes what an interrupted `saveCheckpoint` left in `parent` (the hidden `.<name>.tmp-*`
 * folders; a kill mid-save leaves one, up to a whole model in size). Call it when resuming: the
 * resuming process is then the only writer. `only`: just those of the checkpoint with that folder
 * name. Returns the names removed.
 */
export function removeInterruptedSaves(parent: string, only?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const pattern = /^\.(.+)\.tmp-\d+-\d+(\.old)?$/;
  const stale = names.filter((name) => {
    const match = pattern.exec(name);
    return match !== null && (only === undefined || match[1] === only);
  });
  for (const name of stale) rmSync(join(parent, name), { recursive: true, force: true });
  return stale;
}

/** Whether `dir` holds a trainer checkpoint (something to resume from). */
export function hasTrainerState(dir: string): boolean {
  return existsSync(join(dir, TRAINER_STATE_FILE));
}

/** trainer-state.json of a checkpoint folder, as the trainer that wrote it reads it; null when absent. */
export function readTrainerState<T extends object>(dir: string): T | null {
  const file = join(dir, TRAINER_STATE_FILE);
  if (!existsSync(file)) return null;
  const state = readJson(file);
  if (!state || typeof state !== "object") throw new Error(`${file}: expected a JSON object`);
  return state as T;
}

function writeFolder(dir: string, policy: Policy, extra: Record<string, string | Uint8Array>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, "config.json"), JSON.stringify(policy.config, null, 2) + "\n");
    saveSafetensors(join(tmp, "model.safetensors"), policy.params, policyParamShapes(policy.config), { format: "pt" });
    writeFileSync(join(tmp, "tokenizer.json"), JSON.stringify(policy.tokenizer.json) + "\n");
    for (const [name, content] of Object.entries(extra)) writeFileSync(join(tmp, name), content);
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A deep copy of the parameters (the frozen reference policy, a rollback point). */
export function cloneParams(params: ParamStore): ParamStore {
  return new Map([...params].map(([name, data]) => [name, data.slice()]));
}

/** AdamW state as a safetensors file (`m.<param>`, `v.<param>`, step count in the metadata). */
function encodeOptimizerState(state: AdamWState): Uint8Array {
  const tensors = new Map<string, SafeTensor>();
  for (const [prefix, moments] of [["m", state.m], ["v", state.v]] as const) {
    for (const [name, data] of moments) tensors.set(`${prefix}.${name}`, { dtype: "F32", shape: [data.length], data });
  }
  return encodeSafetensors(tensors, { step: String(state.t) });
}

/** An optimizer's moments from a checkpoint folder; null when the folder has none. */
export function readOptimizerState(dir: string, name: OptimizerName = "actor"): AdamWState | null {
  const file = join(dir, OPTIMIZER_FILES[name]);
  if (!existsSync(file)) return null;
  const { tensors, metadata } = loadSafetensors(file);
  const state: AdamWState = { t: Number(metadata.step ?? 0), m: new Map(), v: new Map() };
  for (const [key, t] of tensors) {
    const dot = key.indexOf(".");
    const target = key.slice(0, dot) === "m" ? state.m : state.v;
    target.set(key.slice(dot + 1), t.data as Float32Array);
  }
  return state;
}
