// Policy checkpoints (DESIGN.md): a folder with config.json + model.safetensors + tokenizer.json,
// written atomically (a temporary sibling folder renamed into place), so a crash or a cancel never
// leaves a half-written checkpoint where a reader expects a whole one.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { GraphBuilder } from "../ir/index";
import { type AdamWState, type ParamStore, type SafeTensor, encodeSafetensors, initParams, loadCheckpoint, loadSafetensors, saveSafetensors } from "../runtime/index";
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
  const raw = loadCheckpoint(dir);
  const config = parsePolicyConfig(raw.config, join(dir, "config.json"));
  const g = new GraphBuilder();
  buildScoringGraph(g, config);
  const ckpt = loadCheckpoint(dir, g);
  const tokenizer = new PolicyTokenizer(ckpt.tokenizer as Record<string, unknown>);
  if (tokenizer.vocabSize !== config.vocab_size) {
    throw new Error(`${dir}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json says vocab_size ${config.vocab_size}`);
  }
  return { config, tokenizer, params: ckpt.params };
}

/**
 * Writes `policy` to `dir` atomically; `extra` files (e.g. trainer-state.json, optimizer moments)
 * are written into the same folder before it is renamed into place.
 */
export function savePolicy(dir: string, policy: Policy, extra: Record<string, string | Uint8Array> = {}): void {
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
export function encodeOptimizerState(state: AdamWState): Uint8Array {
  const tensors = new Map<string, SafeTensor>();
  for (const [prefix, moments] of [["m", state.m], ["v", state.v]] as const) {
    for (const [name, data] of moments) tensors.set(`${prefix}.${name}`, { dtype: "F32", shape: [data.length], data });
  }
  return encodeSafetensors(tensors, { step: String(state.t) });
}

/** Reads `optimizer.safetensors` from a checkpoint folder; null when the folder has none. */
export function readOptimizerState(dir: string): AdamWState | null {
  const file = join(dir, "optimizer.safetensors");
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
