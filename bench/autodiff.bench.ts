// One training step (forward + backward + AdamW) of the RECIPES.md reference decoder (vocab 128,
// d 256, 4 layers, 4 heads, seq 192, batch 16; 3.27M params) in our engine and in PyTorch CPU, same
// shapes, in one run with their steps interleaved (the machine is shared: both see the same load).
// Prints tokens/s for both and the ratio, effective GFLOP/s, peak RSS, ORT's own MatMul GFLOP/s
// (the kernel ceiling) and the three AdamW implementations' times.
// Usage: npm run bench -- autodiff   (env BENCH_STEPS=N for more timed steps)

import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphBuilder, decoderLM } from "../src/ir/index";
import { AdamW, GraphAdamW, Trainer, decayMatrices, paramCount, saveSafetensors } from "../src/runtime/index";
import { type FairReference, fairTorchReference } from "./fair-reference";
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

/** The PyTorch reference as a child process that runs one step per request (see the .py file). */
class TorchReference {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private readonly proc: ChildProcessWithoutNullStreams;

  constructor(
    python: string,
    args: string,
    /** What the reference's BLAS is (fairTorchReference): its env, and whether a ratio is fair. */
    readonly blas: FairReference,
  ) {
    // Passive OpenMP waiting: torch's idle threads would otherwise spin through our steps (ours
    // do not spin either, see CompileOptions.spinning). It never slowed torch's own steps here.
    const env = { ...blas.env, OMP_WAIT_POLICY: "PASSIVE" };
    this.proc = spawn(python, [new URL("./autodiff_reference.py", import.meta.url).pathname, args], { env });
    let buffer = "";
    this.proc.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        this.lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
      this.flush();
    });
    this.proc.on("exit", () => {
      this.lines.push(JSON.stringify({ error: "torch reference exited" }));
      this.flush();
    });
  }
  private flush(): void {
    if (this.waiting && this.lines.length > 0) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(this.lines.shift()!);
    }
  }
  /** Sends a command ("" just reads the next line) and returns the JSON reply. */
  async request(command: string): Promise<Record<string, number | string>> {
    if (command) this.proc.stdin.write(command + "\n");
    const line = await new Promise<string>((resolve) => {
      this.waiting = resolve;
      this.flush();
    });
    const reply = JSON.parse(line) as Record<string, number | string>;
    if (reply.error) throw new Error(String(reply.error));
    return reply;
  }
}

/** Starts the torch reference, or says why it cannot. */
async function startTorch(weights: string): Promise<TorchReference | string> {
  const python = "/usr/bin/python3";
  const install = "apt-get install -y python3-torch libopenblas0-pthread (Debian), then rerun";
  if (!existsSync(python)) return `skipped: ${python} not found; ${install}`;
  const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return `skipped: torch is not importable by ${python}; ${install}`;
  const torch = new TorchReference(python, JSON.stringify({ ...cfg, seq: T, batch: B, steps, warmup, threads, interleaved: true, weights }), fairTorchReference(python, process.env, threads));
  await torch.request(""); // "ready"
  return torch;
}

interface Result {
  stepS: number;
  bestS: number;
  /** ours/torch speed ratio of each adjacent pair of steps (same load). */
  pairRatios: number[];
  /** Loss of every step (warm-up included), before that step's update, ours and torch's from the same initial weights. */
  losses: { ours: number[]; torch: number[] };
  optimizer: { simdMs: number; scalarMs: number; inGraphMs: number };
  torch: Record<string, number | string> | string;
  /** The reference's BLAS and whether a ratio against it is fair. */
  blas?: FairReference;
}

/** Our training steps, each followed by one torch step, so both see the same machine load. */
async function run(): Promise<Result> {
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
  // Torch starts from our initial weights, so the two losses must agree step by step: a check that
  // both sides compute the same training step, not just steps of the same size.
  const dir = mkdtempSync(join(tmpdir(), "rl-bench-autodiff-"));
  const weights = join(dir, "weights.safetensors");
  const shapes = new Map([...g.params.values()].map((p) => [p.name, p.shape.map(Number)] as const));
  saveSafetensors(weights, trainer.params, shapes);
  const torch = await startTorch(weights);
  const [times, jsOpt, pairRatios] = [[] as number[], [] as number[], [] as number[]];
  const losses = { ours: [] as number[], torch: [] as number[] };
  for (let i = 0; i < warmup + steps; i++) {
    // Alternate who goes first so neither side always runs right after the other's step.
    const torchStep = async () => {
      if (typeof torch === "string") return 0;
      const reply = await torch.request("step");
      losses.torch.push(Number(reply.loss));
      return Number(reply.step_s);
    };
    const before = i % 2 === 1 ? await torchStep() : 0;
    const t0 = performance.now();
    losses.ours.push((await trainer.computeGradients(feeds)).loss);
    const t1 = performance.now();
    optimizer.step(trainer.params, trainer.grads);
    const t2 = performance.now();
    const after = i % 2 === 0 ? await torchStep() : 0;
    if (i >= warmup) {
      times.push(t2 - t0);
      jsOpt.push(t2 - t1);
      if (before + after > 0) pairRatios.push((before + after) / ((t2 - t0) / 1000));
    }
  }
  const torchSummary = typeof torch === "string" ? torch : await torch.request("done");
  rmSync(dir, { recursive: true, force: true });
  // The other two AdamW implementations on the same gradients (the parameters move on; only time counts).
  const inGraph = new GraphAdamW(shapes, adamOptions);
  const scalar = new AdamW({ ...adamOptions, simd: false });
  const graphOpt: number[] = [];
  const scalarOpt: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await inGraph.step(trainer.params, trainer.grads);
    const t1 = performance.now();
    scalar.step(trainer.params, trainer.grads);
    const t2 = performance.now();
    if (i >= warmup) {
      graphOpt.push(t1 - t0);
      scalarOpt.push(t2 - t1);
    }
  }
  await inGraph.dispose();
  await trainer.dispose();
  const optimizerMs = { simdMs: median(jsOpt), scalarMs: median(scalarOpt), inGraphMs: median(graphOpt) };
  return { stepS: median(times) / 1000, bestS: Math.min(...times) / 1000, pairRatios, losses, optimizer: optimizerMs, torch: torchSummary, ...(typeof torch === "string" ? {} : { blas: torch.blas }) };
}

async function main(): Promise<void> {
  const flops = stepFlops();
  console.log(`config: ${JSON.stringify(cfg)}, batch ${B}, seq ${T}; ${(flops / 1e9).toFixed(1)} GFLOP (matmul) per step; ${steps} timed steps after ${warmup} warm-up, interleaved with torch's`);
  const kernelBefore = await ortMatmulGflops(1024, 10, threads);
  const mine = await run();
  const rss = process.resourceUsage().maxRSS / 1024;
  const kernelAfter = await ortMatmulGflops(1024, 10, threads);
  const kernel = (kernelBefore + kernelAfter) / 2;
  const tokensPerS = (B * T) / mine.stepS;
  const eff = flops / mine.stepS / 1e9;
  console.log(`ORT MatMul 1024^3: ${kernel.toFixed(1)} GFLOP/s (before ${kernelBefore.toFixed(1)}, after ${kernelAfter.toFixed(1)})`);
  console.log(`ours:  ${tokensPerS.toFixed(0)} tokens/s, ${mine.stepS.toFixed(3)} s/step, ${eff.toFixed(1)} GFLOP/s effective (${((100 * eff) / kernel).toFixed(0)}% of ORT MatMul), peak RSS ${rss.toFixed(0)} MB (process)`);
  const opt = mine.optimizer;
  console.log(`optimizer (AdamW, 3.27M params): wasm SIMD ${opt.simdMs.toFixed(1)} ms/step (used above), scalar JS ${opt.scalarMs.toFixed(1)}, in-graph (ORT) ${opt.inGraphMs.toFixed(1)}`);
  const torch = mine.torch;
  if (typeof torch === "string") {
    console.log(`torch: ${torch}`);
    return;
  }
  const [torchStep, torchTps] = [Number(torch.step_s), Number(torch.tokens_per_s)];
  console.log(`torch ${torch.torch}: ${torchTps.toFixed(0)} tokens/s, ${torchStep.toFixed(3)} s/step, ${(flops / torchStep / 1e9).toFixed(1)} GFLOP/s effective, peak RSS ${Number(torch.peak_rss_mb).toFixed(0)} MB, matmul ${Number(torch.matmul_gflops).toFixed(1)} GFLOP/s`);
  const { ours, torch: theirs } = mine.losses;
  const gap = Math.max(...ours.map((l, i) => Math.abs(l - theirs[i])));
  console.log(`same step, same weights: loss per step ours [${ours.map((l) => l.toFixed(4)).join(" ")}], torch [${theirs.map((l) => l.toFixed(4)).join(" ")}]; largest difference ${gap.toExponential(1)}`);
  const bestTorch = Number(torch.best_step_s);
  console.log(mine.blas?.note ?? "reference BLAS: not probed");
  if (!mine.blas?.fair) {
    console.log("ratio ours/torch: not printed (the reference is not fairly configured, above)");
    return;
  }
  console.log(`ratio ours/torch: ${(tokensPerS / torchTps).toFixed(2)}x of medians; ${median(mine.pairRatios).toFixed(2)}x median of paired steps [${mine.pairRatios.map((r) => r.toFixed(2)).join(" ")}]; ${(bestTorch / mine.bestS).toFixed(2)}x of best steps (${mine.bestS.toFixed(3)} s vs ${bestTorch.toFixed(3)} s) (target >= 1.0x, goal 1.5x)`);
}

void main();
