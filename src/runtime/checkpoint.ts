// Checkpoint folders (DESIGN.md): config.json + model.safetensors + tokenizer.json.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type GraphBuilder } from "../ir/index";
import { type ParamStore } from "./params";
import { loadSafetensors, saveSafetensors } from "./safetensors";

export interface Checkpoint {
  config: unknown;
  params: ParamStore;
  /** tokenizer.json content (opaque to the runtime); null when the folder has none. */
  tokenizer: unknown;
}

/** Writes `dir/config.json`, `dir/model.safetensors` and (if given) `dir/tokenizer.json`. */
export function saveCheckpoint(dir: string, graph: GraphBuilder, ckpt: Checkpoint): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(ckpt.config, null, 2) + "\n");
  const shapes = new Map([...graph.params.values()].map((p) => [p.name, p.shape] as const));
  saveSafetensors(join(dir, "model.safetensors"), ckpt.params, shapes, { format: "pt" });
  if (ckpt.tokenizer !== null) writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(ckpt.tokenizer) + "\n");
}

/**
 * Reads a checkpoint folder. With `graph`, checks that every parameter of the graph is present
 * with the right shape (extra tensors are ignored) and returns them in graph order.
 */
export function loadCheckpoint(dir: string, graph?: GraphBuilder): Checkpoint {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as unknown;
  const file = join(dir, "model.safetensors");
  const { tensors } = loadSafetensors(file);
  const params: ParamStore = new Map();
  const specs = graph ? [...graph.params.values()] : [...tensors.keys()].map((name) => ({ name, shape: null }));
  for (const { name, shape } of specs) {
    const t = tensors.get(name);
    if (!t || t.dtype !== "F32") throw new Error(`${file}: no float tensor "${name}" (the model expects it)`);
    if (shape && t.shape.join(",") !== shape.join(",")) {
      throw new Error(`${file}: "${name}" has shape [${t.shape}] but the model expects [${shape}]`);
    }
    params.set(name, t.data as Float32Array);
  }
  const tokPath = join(dir, "tokenizer.json");
  const tokenizer = existsSync(tokPath) ? (JSON.parse(readFileSync(tokPath, "utf8")) as unknown) : null;
  return { config, params, tokenizer };
}
