// One training step (forward + backward + AdamW) of the RECIPES.md reference decoder (vocab 128,
// d 256, 4 layers, 4 heads, seq 192, batch 16; 3.27M params) in our engine and in PyTorch CPU,
// same process run, same shapes. Prints tokens/s for both and the ratio, effective GFLOP/s, peak
// RSS, ORT's own MatMul GFLOP/s (the kernel ceiling) and JS vs in-graph optimizer times.
// Usage: npm run bench -- autodiff   (env BENCH_STEPS=N for more timed steps)

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { GraphBuilder, decoderLM } from "../src/ir/index";
import { AdamW, GraphAdamW, Trainer, decayMatrices, paramCount } from "../src/runtime/index";
import { ortMatmulGflops } from "./ir-matmul";

const cfg = { vocab: 128, dModel: 256, layers: 4, heads: 4, maxSeq: 192 };
const [B, T] = [16, 192];
const steps = Number(process.env.BENCH_STEPS ?? 4);
const warmup = 2;
const threads = 2;

/** Matmul FLOPs of one training step (3x forward: forward, dX and dW GEMMs). */
function stepFlops(): number {
  const { dModel: d, layers: l, vocab: v } = cfg;
  const matmulParams = l * 12 * d * d + d * v;
  const attention = 4 * l * T * d; // QK^T and PV per token
  return 3 * B * T * (2 * matmulParams + attention);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ours(): Promise<{ stepS: number; tokensPerS: number; loss: number; optimizer: Record<string, number> }> {
  const g = new GraphBuilder();
  const tokens = g.input("tokens", "int64", ["B", "T"]);
  const targets = g.input("targets", "int64", ["B", "T"]);
  const { loss } = decoderLM(g, cfg, tokens, targets);
  const adamOptions = { lr: 1e-3, weightDecay: 0.01, decays: decayMatrices(g) };
  const optimizer = new AdamW(adamOptions);
  const trainer = new Trainer(g, loss, { optimizer, seed: 0, threads });
  console.log(`ours: ${paramCount(trainer.params)} params, ${g.nodes.length} IR nodes`);
  const ids = BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7) % cfg.vocab));
  const feeds = { tokens: { data: ids, shape: [B, T] }, targets: { data: ids, shape: [B, T] } };
  const times: number[] = [];
  const jsOpt: number[] = [];
  let last = 0;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    last = (await trainer.computeGradients(feeds)).loss;
    const t1 = performance.now();
    optimizer.step(trainer.params, trainer.grads);
    const t2 = performance.now();
    if (i >= warmup) {
      times.push(t2 - t0);
      jsOpt.push(t2 - t1);
    }
  }
  const shapes = new Map([...g.params.values()].map((p) => [p.name, p.shape] as const));
  const inGraph = new GraphAdamW(shapes, adamOptions);
  const graphOpt: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await inGraph.step(trainer.params, trainer.grads);
    if (i >= warmup) graphOpt.push(performance.now() - t0);
  }
  await inGraph.dispose();
  await trainer.dispose();
  const stepS = median(times) / 1000;
  return { stepS, tokensPerS: (B * T) / stepS, loss: last, optimizer: { js_ms: median(jsOpt), in_graph_ms: median(graphOpt) } };
}

function torchReference(): Record<string, number> | string {
  const python = "/usr/bin/python3";
  const install = "apt-get install -y python3-torch libopenblas0-pthread (Debian), then rerun";
  if (!existsSync(python)) return `skipped: ${python} not found; ${install}`;
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return `skipped: torch is not importable by ${python}; ${install}`;
  const args = JSON.stringify({ ...cfg, seq: T, batch: B, steps, warmup, threads });
  const run = spawnSync(python, [new URL("./autodiff_reference.py", import.meta.url).pathname, args], { encoding: "utf8" });
  if (run.status !== 0) return `failed: ${run.stderr.trim().split("\n").pop()}`;
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<string, number>;
}

async function main(): Promise<void> {
  const flops = stepFlops();
  console.log(`config: ${JSON.stringify(cfg)}, batch ${B}, seq ${T}; ${(flops / 1e9).toFixed(1)} GFLOP (matmul) per step; ${steps} timed steps after ${warmup} warm-up`);
  const kernelBefore = await ortMatmulGflops(1024, 10, threads);
  const mine = await ours();
  const rss = process.resourceUsage().maxRSS / 1024;
  const torch = torchReference();
  const kernelAfter = await ortMatmulGflops(1024, 10, threads);
  const kernel = (kernelBefore + kernelAfter) / 2;
  const eff = flops / mine.stepS / 1e9;
  console.log(`ORT MatMul 1024^3: ${kernel.toFixed(1)} GFLOP/s (before ${kernelBefore.toFixed(1)}, after ${kernelAfter.toFixed(1)})`);
  console.log(`ours:  ${mine.tokensPerS.toFixed(0)} tokens/s, ${mine.stepS.toFixed(3)} s/step, ${eff.toFixed(1)} GFLOP/s effective (${((100 * eff) / kernel).toFixed(0)}% of ORT MatMul), peak RSS ${rss.toFixed(0)} MB, loss ${mine.loss.toFixed(3)}`);
  console.log(`optimizer (AdamW, ${(3274240 / 1e6).toFixed(2)}M params): JS ${mine.optimizer.js_ms.toFixed(1)} ms/step, in-graph (ORT) ${mine.optimizer.in_graph_ms.toFixed(1)} ms/step`);
  if (typeof torch === "string") {
    console.log(`torch: ${torch}`);
    return;
  }
  const torchEff = flops / torch.step_s / 1e9;
  console.log(`torch ${torch.torch}: ${torch.tokens_per_s.toFixed(0)} tokens/s, ${torch.step_s.toFixed(3)} s/step, ${torchEff.toFixed(1)} GFLOP/s effective, peak RSS ${torch.peak_rss_mb.toFixed(0)} MB, matmul ${torch.matmul_gflops.toFixed(1)} GFLOP/s, loss ${torch.loss.toFixed(3)}`);
  console.log(`ratio ours/torch: ${(mine.tokensPerS / torch.tokens_per_s).toFixed(2)}x (target >= 1.0x, goal 1.5x)`);
}

void main();
