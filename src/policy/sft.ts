// Supervised warm start: next-token cross-entropy on the reference chains of thought, with AdamW,
// linear warm-up + cosine decay, atomic checkpoints and exact resume (batches are a pure function
// of seed and step; the optimizer's moments are saved with the weights).

import { basename, dirname } from "node:path";
import { GraphBuilder } from "../ir/index";
import { AdamW, type AdamWState, Trainer, decayMatrices, seededRandom } from "../runtime/index";
import { type SequenceItem, bucket, packSequences, PROMPT_BUCKET, RESPONSE_BUCKET } from "./batch";
import { type Policy, loadPolicy, readOptimizerState, readTrainerState, removeInterruptedSaves, saveCheckpoint } from "./checkpoint";
import { buildScoringGraph } from "./model";

export interface SftOptions {
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  seed: number;
  /** Checkpoint folder: written every `saveEvery` steps and at the end. */
  outDir: string;
  saveEvery: number;
  /** Continue from `outDir` when it holds a checkpoint with trainer-state.json. */
  resume: boolean;
  /** Passed to ONNX Runtime (intra-op threads). */
  threads?: number;
  onProgress?: (p: SftProgress) => void;
  /** Stops after the current step (the checkpoint is saved first). */
  signal?: AbortSignal;
}

export interface SftProgress {
  step: number;
  total: number;
  loss: number;
  lr: number;
  tokensPerSecond: number;
}

export interface SftResult {
  policy: Policy;
  steps: number;
  finalLoss: number;
  seconds: number;
  stopped: boolean;
}

interface SftState {
  step: number;
  seed: number;
  batchSize: number;
  loss: number;
}

/** Learning-rate multiplier: linear warm-up, then cosine decay to 10% at `total`. */
export function warmupCosine(step: number, warmup: number, total: number): number {
  if (step < warmup) return (step + 1) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/**
 * Groups items by padded prompt and response length. A batch is drawn from one group, so short
 * examples are not padded to the longest of the dataset (attention cost grows with the square of
 * the length) and the run compiles one ONNX session per group.
 */
export function lengthGroups(items: readonly SequenceItem[]): { promptLen: number; responseLen: number; members: number[] }[] {
  const groups = new Map<string, { promptLen: number; responseLen: number; members: number[] }>();
  items.forEach((it, i) => {
    const promptLen = bucket(it.promptIds.length, 2 * PROMPT_BUCKET);
    const responseLen = bucket(it.responseIds?.length ?? 0, 2 * RESPONSE_BUCKET);
    const key = `${promptLen}/${responseLen}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { promptLen, responseLen, members: [] }));
    group.members.push(i);
  });
  return [...groups.values()].sort((a, b) => a.promptLen - b.promptLen || a.responseLen - b.responseLen);
}

/**
 * The batch of `step`: a group chosen with probability proportional to its size, then
 * `batchSize` members sampled from it. A pure function of (seed, step), so resume is exact.
 */
export function sampleBatch(groups: ReturnType<typeof lengthGroups>, batchSize: number, step: number, seed: number) {
  const rand = seededRandom((seed * 1_000_003 + step) >>> 0);
  const total = groups.reduce((n, gr) => n + gr.members.length, 0);
  let u = rand() * total;
  const group = groups.find((gr) => (u -= gr.members.length) < 0) ?? groups[groups.length - 1];
  const indices = Array.from({ length: batchSize }, () => group.members[Math.floor(rand() * group.members.length)]);
  return { group, indices };
}

/** Trains `policy` (in place) on `items` (prompt + reference response ids). */
export async function trainSft(start: Policy, items: readonly SequenceItem[], options: SftOptions): Promise<SftResult> {
  if (items.length === 0) throw new Error("no training examples");
  let policy = start;
  let firstStep = 0;
  let moments: AdamWState | null = null;
  if (options.resume) removeInterruptedSaves(dirname(options.outDir), basename(options.outDir));
  const state = options.resume ? readTrainerState<SftState>(options.outDir) : null;
  if (state) {
    policy = loadPolicy(options.outDir);
    moments = readOptimizerState(options.outDir);
    firstStep = state.step;
  }

  const cfg = policy.config;
  const g = new GraphBuilder();
  const sg = buildScoringGraph(g, cfg);
  const mask = g.input("response_mask", "float32", ["B", "Tr"]);
  const loss = g.neg(g.div(g.sum(g.mul(sg.logProbs, mask)), g.max(g.sum(mask), 1)));
  const optimizer = new AdamW({ lr: options.lr, weightDecay: 0.01, clipNorm: 1, decays: decayMatrices(g) });
  if (moments) optimizer.importState(moments);
  const trainer = new Trainer(g, loss, {
    optimizer,
    params: policy.params,
    trainable: [...g.params.keys()].filter((n) => !sg.criticParams.has(n)),
    threads: options.threads,
  });
  const groups = lengthGroups(items);

  const began = performance.now();
  let lastLoss = NaN;
  let step = firstStep;
  const save = () => {
    const state: SftState = { step, seed: options.seed, batchSize: options.batchSize, loss: lastLoss };
    saveCheckpoint(options.outDir, policy, { state, optimizers: { actor: optimizer.exportState() } });
  };
  try {
    while (step < options.steps) {
      const t0 = performance.now();
      const { group, indices } = sampleBatch(groups, options.batchSize, step, options.seed);
      const batch = indices.map((i) => items[i]);
      const { promptLen, responseLen } = group;
      const packed = packSequences(cfg, batch, policy.tokenizer.pad, { promptLen, responseLen });
      const lrScale = warmupCosine(step, options.warmupSteps, options.steps);
      const out = await trainer.step({ ...packed.feeds, response_mask: { data: packed.mask, shape: [batch.length, responseLen] } }, lrScale);
      if (!Number.isFinite(out.loss)) {
        throw new Error(`loss became ${out.loss} at step ${step + 1}; the last good checkpoint is in ${options.outDir}`);
      }
      lastLoss = out.loss;
      step++;
      const tokens = batch.length * (promptLen + responseLen);
      options.onProgress?.({ step, total: options.steps, loss: out.loss, lr: options.lr * lrScale, tokensPerSecond: tokens / ((performance.now() - t0) / 1000) });
      if (step % options.saveEvery === 0 || step === options.steps) save();
      if (options.signal?.aborted) {
        if (step % options.saveEvery !== 0) save();
        break;
      }
    }
  } finally {
    await trainer.dispose();
  }
  return { policy, steps: step, finalLoss: lastLoss, seconds: (performance.now() - began) / 1000, stopped: step < options.steps };
}
