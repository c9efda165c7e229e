import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { hasTrainerState, initPolicy } from "../../policy/checkpoint";
import { defaultPolicyConfig } from "../../policy/config";
import { ItemBuilder } from "../../policy/items";
import { trainSft } from "../../policy/sft";
import { readDataset } from "../../policy/tasks/dataset";
import { decodeRgbPng } from "../../policy/tasks/png";
import { PolicyTokenizer } from "../../policy/tokenizer";
import { loadWorkspace, splitFile } from "../../rl/workspace";
import { formatDuration } from "../../rl/trainer/progress";
import { CliError, usageErrors, type CliCommand } from "../command";
import { num, progressBar, progressLine } from "../format";
import { intOption, numberOption } from "./options";

const usage = `rewardlab sft [WORKSPACE] [options]

Supervised warm start: trains a policy from scratch (or resumes one) on the reference chains of
thought of the workspace's training split (rewardlab.json "data.train"), with next-token
cross-entropy on the response tokens. The result is a checkpoint folder (config.json,
model.safetensors, tokenizer.json) usable as the workspace's base policy ("policy" in rewardlab.json).

Options:
  --out DIR         checkpoint folder, default WORKSPACE/runs/sft (never the shipped policy/)
  --steps N         optimisation steps, default 1500
  --batch-size N    sequences per step, default 32
  --lr X            peak learning rate (warm-up, then cosine decay), default 1e-3
  --seed S          initialisation and batch order, default 0
  --patch N         image patch side in pixels, default 16 (one image token per cell of shapes-vqa's
                    grid; 8 for its first, free-placement layout)
  --resume          continue from --out (same seed: the run continues exactly)
  --threads N       ONNX Runtime threads, default: all cores
  --json            JSON lines: {"event":"progress",...} every 10 steps, then {"event":"done",...}

Ctrl-C saves a checkpoint after the current step; --resume continues from it.
Exit codes: 0 done (or stopped by Ctrl-C with a checkpoint); 1 training failed; 2 usage error
(also a missing workspace or a broken rewardlab.json).`;

/** Image size of the dataset (from its first image), or null for text-only data. */
function datasetImageSize(records: { images?: string[] }[], file: string): number | null {
  const first = records.find((r) => r.images?.length)?.images?.[0];
  if (!first) return null;
  const path = resolve(dirname(file), first);
  const { width, height } = decodeRgbPng(readFileSync(path), path);
  if (width !== height) throw new CliError(`${path}: images must be square (got ${width}x${height})`);
  return width;
}

export const sftCommand: CliCommand = {
  name: "sft",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        steps: { type: "string", default: "1500" },
        "batch-size": { type: "string", default: "32" },
        lr: { type: "string", default: "1e-3" },
        seed: { type: "string", default: "0" },
        patch: { type: "string", default: "16" },
        resume: { type: "boolean", default: false },
        threads: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length > 1) throw new CliError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
    const ws = usageErrors(() => loadWorkspace(resolve(io.cwd, positionals[0] ?? ".")));
    const trainFile = splitFile(ws, "train");
    const out = values.out ? resolve(io.cwd, values.out) : join(ws.dir, "runs", "sft");
    if (out === ws.policyDir) throw new CliError(`--out ${relative(io.cwd, out)} is the workspace's base policy; write elsewhere and copy it over deliberately`);
    const steps = intOption(values.steps, "--steps", 1);
    if (values.resume && !hasTrainerState(out)) throw new CliError(`--resume: ${relative(io.cwd, out)} has no trainer-state.json to resume from`);

    const records = await readDataset(trainFile);
    const tok = PolicyTokenizer.characterLevel();
    const size = datasetImageSize(records, trainFile);
    const patch = intOption(values.patch, "--patch", 1);
    if (size !== null && size % patch !== 0) throw new CliError(`--patch ${patch}: the images are ${size} pixels wide, not a multiple of the patch`);
    const config = defaultPolicyConfig(tok.vocabSize, size ? { size, patch } : null, { task: ws.config.task ?? null, trained: "rewardlab sft" });
    const seed = intOption(values.seed, "--seed", 0);
    const policy = initPolicy(config, tok, seed);
    const builder = new ItemBuilder(policy);
    const items = records.map((r) => builder.item(r, dirname(trainFile), r.reference));

    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once("SIGINT", onSigint);
    const began = performance.now();
    try {
      const result = await trainSft(policy, items, {
        steps,
        batchSize: intOption(values["batch-size"], "--batch-size", 1),
        lr: numberOption(values.lr, "--lr"),
        warmupSteps: Math.min(100, Math.ceil(steps / 10)),
        seed,
        outDir: out,
        saveEvery: 100,
        resume: values.resume,
        threads: values.threads ? intOption(values.threads, "--threads", 1) : undefined,
        signal: abort.signal,
        onProgress: (p) => {
          if (values.json) {
            if (p.step % 10 === 0 || p.step === p.total) io.stdout(JSON.stringify({ event: "progress", ...p }) + "\n");
          } else if (io.interactive) {
            io.stderr(progressLine(progressBar(p.step, p.total, (performance.now() - began) / 1000, `loss ${p.loss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} tok/s`)));
          } else if (p.step % 100 === 0 || p.step === p.total) {
            io.stderr(`step ${p.step}/${p.total}  loss ${p.loss.toFixed(3)}\n`);
          }
        },
      });
      if (io.interactive && !values.json) io.stderr(progressLine(""));
      const where = relative(io.cwd, out) || ".";
      if (values.json) io.stdout(JSON.stringify({ event: "done", out, steps: result.steps, loss: result.finalLoss, seconds: result.seconds, stopped: result.stopped }) + "\n");
      else {
        io.stdout(`${result.stopped ? "stopped" : "trained"} ${result.steps} steps in ${formatDuration(result.seconds)}, final loss ${num(result.finalLoss)} -> ${where}\n`);
        if (result.stopped) io.stdout(`continue with: rewardlab sft ${positionals[0] ?? "."} --out ${where} --steps ${steps} --resume\n`);
        else io.stdout(`evaluate it: rewardlab eval ${positionals[0] ?? "."} --checkpoint ${where}\n`);
      }
      return 0;
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};
