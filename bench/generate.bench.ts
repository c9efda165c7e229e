// Batched greedy generation with the KV cache (PolicyGenerator: ONNX prefill + one decode run per
// token) against the same policy in PyTorch CPU (generate_reference.py), in one run with their
// generations interleaved so both see the same machine load. B = 64 shapes-vqa prompts with their
// images, N = 128 new tokens per row; stops are ignored on both sides, so both generate exactly
// B x N tokens. Prints tokens/s, prefill ms, decode ms per token, the ratio, and whether the two
// agree (greedy ids and their log-probs over the first steps).
// Usage: npm run bench -- generate   (env BENCH_REPS=N timed generations per side, default 3)

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { packPrompts } from "../src/policy/batch";
import { type Policy, initPolicy, loadPolicy, saveCheckpoint } from "../src/policy/checkpoint";
import { defaultPolicyConfig, imageTokens } from "../src/policy/config";
import { type Generation, PolicyGenerator } from "../src/policy/generate";
import { ItemBuilder } from "../src/policy/items";
import { readDataset } from "../src/policy/tasks/dataset";
import { PolicyTokenizer } from "../src/policy/tokenizer";
import { type SafeTensor, encodeSafetensors } from "../src/runtime/index";
import { type FairReference, fairTorchReference } from "./fair-reference";

const root = resolve(new URL("..", import.meta.url).pathname);
const workspace = join(root, "sample-workspaces/shapes-vqa");
const [B, N, CHECK] = [64, 128, 20];
const reps = Number(process.env.BENCH_REPS ?? 3);
const threads = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");

/** The shipped base policy, or a seeded random one (matrices scaled so greedy picks are not near-ties). */
function benchPolicy(): { policy: Policy; source: string } {
  const dir = join(workspace, "policy");
  if (existsSync(join(dir, "model.safetensors"))) return { policy: loadPolicy(dir), source: dir };
  const tok = PolicyTokenizer.characterLevel();
  const policy = initPolicy(defaultPolicyConfig(tok.vocabSize, { size: 64, patch: 8 }), tok, 0);
  for (const [name, p] of policy.params) if (name.endsWith(".w") || name === "wte") for (let i = 0; i < p.length; i++) p[i] *= 4;
  return { policy, source: "seeded initPolicy (no shipped policy yet), matrices x4" };
}

/** The same policy with stop ids no token has: every row generates exactly N tokens. */
function withoutStops(policy: Policy): Policy {
  const tokenizer = Object.assign(Object.create(PolicyTokenizer.prototype) as PolicyTokenizer, policy.tokenizer, { answerClose: -1, eos: -1 });
  return { ...policy, tokenizer };
}

interface Timing {
  prefillS: number;
  totalS: number;
}

/** The PyTorch side as a child process answering "run" with one JSON line (see the .py file). */
async function startTorch(dir: string): Promise<{ run: () => Promise<Record<string, unknown>>; close: () => Promise<Record<string, unknown>>; blas: FairReference } | string> {
  const python = "/usr/bin/python3";
  const install = "apt-get install -y python3-torch libopenblas0-pthread (Debian), then rerun";
  if (!existsSync(python)) return `skipped: ${python} not found; ${install}`;
  if (spawnSync(python, ["-c", "import torch"]).status !== 0) return `skipped: torch is not importable by ${python}; ${install}`;
  // Passive OpenMP waits: torch's idle threads would otherwise spin through our runs.
  const blas = fairTorchReference(python, process.env, threads);
  const env = { ...blas.env, OMP_WAIT_POLICY: "PASSIVE" };
  const script = new URL("./generate_reference.py", import.meta.url).pathname;
  const proc = spawn(python, [script, JSON.stringify({ dir, steps: N, check: CHECK, threads })], { env, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (command?: string) => {
    if (command) proc.stdin.write(command + "\n");
    const line = await lines.next();
    if (line.done) throw new Error("the torch reference exited early (its error is above)");
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  console.log(`torch ${String((await next()).torch)}: ${threads} threads, OMP_WAIT_POLICY=PASSIVE; ${blas.note}`);
  return { run: () => next("run"), close: () => next("done"), blas };
}

/** Compares greedy ids and their log-probs over the first CHECK steps. */
function agreement(ours: Generation[], torch: { ids: number[][]; logprobs: number[][] }): string {
  let sameRows = 0, maxDiff = 0, firstStepDiff = 0;
  for (let b = 0; b < B; b++) {
    let same = true;
    for (let t = 0; t < CHECK && same; t++) {
      same = ours[b].ids[t] === torch.ids[t][b];
      if (same) maxDiff = Math.max(maxDiff, Math.abs(ours[b].logprobs[t] - torch.logprobs[t][b]));
      if (t === 0) firstStepDiff = Math.max(firstStepDiff, Math.abs(ours[b].logprobs[0] - torch.logprobs[0][b]));
    }
    if (same) sameRows++;
  }
  const ok = sameRows === B && maxDiff < 1e-3 ? "OK" : "MISMATCH";
  return `${ok}: greedy ids identical for the first ${CHECK} steps in ${sameRows}/${B} rows; log-prob max |diff| ${maxDiff.toExponential(1)} (step 1: ${firstStepDiff.toExponential(1)})`;
}

function report(name: string, runs: Timing[]): number {
  const total = median(runs.map((r) => r.totalS));
  const prefill = median(runs.map((r) => r.prefillS));
  const decodeMs = (median(runs.map((r) => r.totalS - r.prefillS)) / (N - 1)) * 1000;
  const tps = (B * N) / total;
  console.log(`${name}: ${tps.toFixed(0)} tokens/s (${total.toFixed(2)} s for ${B}x${N}), prefill ${(prefill * 1000).toFixed(0)} ms, decode ${decodeMs.toFixed(1)} ms/token-step (${B} rows), best ${((B * N) / Math.min(...runs.map((r) => r.totalS))).toFixed(0)} tokens/s`);
  return tps;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-gen-"));
  try {
    await compare(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function compare(dir: string): Promise<void> {
  const { policy, source } = benchPolicy();
  const records = (await readDataset(join(workspace, "data/train.jsonl"))).slice(0, B);
  const builder = new ItemBuilder(policy);
  const items = records.map((r) => builder.item(r, join(workspace, "data")));
  const packed = packPrompts(policy.config, items, policy.tokenizer.pad);
  saveCheckpoint(join(dir, "policy"), policy);
  const inputs = new Map<string, SafeTensor>(Object.entries(packed.feeds).map(([k, t]) => [k, { dtype: t.data instanceof BigInt64Array ? "I64" : "F32", shape: [...t.shape], data: t.data as Float32Array }]));
  writeFileSync(join(dir, "policy/inputs.safetensors"), encodeSafetensors(inputs));
  console.log(`policy: ${source}; B ${B} prompts (shapes-vqa train, padded to ${packed.promptLen} tokens + ${imageTokens(policy.config)} image tokens), ${N} new tokens each, greedy, stops ignored; ${reps} timed runs per side after 1 warm-up, interleaved; load ${load()}`);

  const generator = new PolicyGenerator(withoutStops(policy), { threads });
  const ours = async (): Promise<{ timing: Timing; gens: Generation[] }> => {
    const t0 = performance.now();
    await generator.generate(items, { temperature: 0, topP: 1, maxNewTokens: 1, seed: 0 });
    const t1 = performance.now();
    const gens = await generator.generate(items, { temperature: 0, topP: 1, maxNewTokens: N, seed: 0 });
    const t2 = performance.now();
    if (gens.some((g) => g.ids.length !== N)) throw new Error(`a row generated ${Math.min(...gens.map((g) => g.ids.length))} tokens, expected ${N}`);
    return { timing: { prefillS: (t1 - t0) / 1000, totalS: (t2 - t1) / 1000 }, gens };
  };
  const torch = await startTorch(join(dir, "policy"));
  const [mine, theirs, pairs] = [[] as Timing[], [] as Timing[], [] as number[]];
  let check = "";
  try {
    for (let i = 0; i <= reps; i++) {
      // Alternate who goes first so neither side always runs right after the other.
      const torchRun = async () => (typeof torch === "string" ? null : await torch.run());
      const before = i % 2 === 1 ? await torchRun() : null;
      const o = await ours();
      const t = before ?? (await torchRun());
      if (i === 0 && t) check = agreement(o.gens, t as { ids: number[][]; logprobs: number[][] });
      if (i === 0) continue;
      mine.push(o.timing);
      if (t) {
        theirs.push({ prefillS: Number(t.prefill_s), totalS: Number(t.total_s) });
        pairs.push(Number(t.total_s) / o.timing.totalS);
      }
    }
  } finally {
    await generator.dispose();
  }
  const oursTps = report("ours ", mine);
  if (typeof torch === "string") {
    console.log(`torch: ${torch}`);
  } else {
    const rss = Number((await torch.close()).peak_rss_mb);
    const torchTps = report("torch", theirs);
    if (torch.blas.fair) console.log(`ratio ours/torch: ${(oursTps / torchTps).toFixed(2)}x of medians; paired runs [${pairs.map((r) => r.toFixed(2)).join(" ")}] (target >= 1.0x)`);
    else console.log(`ratio ours/torch: not printed (${torch.blas.note})`);
    console.log(`agreement: ${check}`);
    console.log(`peak RSS: ours ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (process), torch ${rss.toFixed(0)} MB`);
  }
  console.log(`load after: ${load()}`);
}

void main();
