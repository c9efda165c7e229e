import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PRESETS, presetNames } from "../../rl/presets";
import { describeSettings, parseSetFlags, presetByName, resolveRunSettings } from "../../rl/resolve";
import { loadWorkspace } from "../../rl/workspace";
import { startTraining } from "../../rl/trainer/client";
import { type TrainEvent, type TrainRequest } from "../../rl/trainer/protocol";
import { formatDuration } from "../../rl/trainer/progress";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num, progressBar, progressLine } from "../format";
import { intOption } from "./options";

const presetLines = presetNames().map((name) => `  ${name.padEnd(13)}${PRESETS[name].summary}`).join("\n");
const settingLines = describeSettings().map((s) => `  ${s.key.padEnd(26)}${s.doc}`).join("\n");

const usage = `rewardlab train [WORKSPACE] [options]

Trains the workspace's base policy ("policy" in rewardlab.json) with RL on its training split,
rewarded by its reward files as they are now (a snapshot is kept in the run folder). Each step:
rollout_n responses to train_batch_size prompts -> rewards -> advantages -> ppo_epochs passes.
Writes <run>/metrics.jsonl, rollouts/step-N.trace.jsonl (with per-token log-prob, entropy and
advantage), eval/step-N.trace.jsonl and checkpoints/step-N/. Training runs in a child process.

Options:
  --algo PRESET     ${presetNames().join(" | ")} (default: rewardlab.json trainer.algo, else grpo)
  --steps N         training steps (total_steps)
  --set KEY=VALUE   override a setting (repeatable); names follow verl, see below
  --rewards PATH    train with these reward files/folders (repeatable, inside the workspace;
                    relative to the current folder, else to the workspace) instead of
                    rewardlab.json "rewards", e.g. --rewards rewards --rewards hackable
  --out DIR         run folder, default WORKSPACE/runs/<time>-<preset>
  --resume DIR      continue a run from its latest checkpoint (same settings and seeds)
  --json            JSON lines: one TrainEvent per line (started, progress, metrics, eval, done, error)

Presets:
${presetLines}

Settings (--set):
${settingLines}

Ctrl-C stops after the current step and writes a checkpoint (a second Ctrl-C kills the trainer).
Exit codes: 0 completed or cancelled; 1 training failed; 2 usage error (also a missing workspace
folder, a broken rewardlab.json or an unknown setting, said before training starts).`;

function humanReporter(io: CliIO, began: number) {
  let total = 0;
  let last: Record<string, number> = {};
  return (event: TrainEvent) => {
    const elapsed = (performance.now() - began) / 1000;
    switch (event.type) {
      case "started":
        total = event.settings.total_steps;
        io.stderr(`run ${relative(io.cwd, event.runDir)}: ${event.preset}, rewards ${event.rewards.join(", ")} (version ${event.rewardVersion})${event.startStep ? `, resuming after step ${event.startStep}` : ""}\n`);
        break;
      case "progress":
        if (io.interactive) io.stderr(progressLine(progressBar(event.step - 1, event.total, elapsed, `${event.phase}  reward ${num(last["reward/total/mean"])}  acc ${num(last["eval/accuracy"])}`)));
        break;
      case "metrics":
        last = { ...last, ...event.metrics };
        if (!io.interactive && (event.step % 10 === 0 || event.step === total)) {
          io.stderr(`step ${event.step}/${total}  reward ${num(event.metrics["reward/total/mean"])}  kl ${num(event.metrics["actor/kl"])}  len ${num(event.metrics["response_length/mean"])}  ${formatDuration(elapsed)}\n`);
        }
        break;
      case "eval":
        if (io.interactive) io.stderr(progressLine(""));
        io.stderr(`eval @ step ${event.step}: accuracy ${num(event.metrics.accuracy)}  format ${num(event.metrics.format_rate)}  IoU ${num(event.metrics.iou)}  length ${num(event.metrics.response_length)}\n`);
        break;
      case "log":
        io.stderr(`${event.level}: ${event.message}\n`);
        break;
      case "done":
      case "error":
        if (io.interactive) io.stderr(progressLine(""));
        break;
    }
  };
}

/** A --rewards path: relative to the current folder when it exists there, else to the workspace (like rewardlab.json's "rewards"). */
export function rewardPath(path: string, cwd: string, workspace: string): string {
  const fromCwd = resolve(cwd, path);
  return existsSync(fromCwd) ? fromCwd : resolve(workspace, path);
}

export const trainCommand: CliCommand = {
  name: "train",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        algo: { type: "string" },
        steps: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        rewards: { type: "string", multiple: true, default: [] },
        out: { type: "string" },
        resume: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length > 1) throw new CliError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
    const workspace = resolve(io.cwd, positionals[0] ?? ".");
    let overrides: Record<string, string>;
    try {
      if (values.algo !== undefined) presetByName(values.algo, "--algo");
      overrides = parseSetFlags(values.set);
      // A missing workspace, a broken rewardlab.json or an unknown setting is a usage error (exit 2),
      // said before the trainer starts.
      const ws = loadWorkspace(workspace);
      resolveRunSettings({ preset: values.algo, trainer: ws.config.trainer, trainerSource: ws.configFile, overrides });
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const request: TrainRequest = {
      workspace,
      preset: values.algo,
      overrides,
      rewards: values.rewards.length ? values.rewards.map((p) => rewardPath(p, io.cwd, workspace)) : undefined,
      steps: values.steps ? intOption(values.steps, "--steps", 1) : undefined,
      out: values.out ? resolve(io.cwd, values.out) : undefined,
      resume: values.resume ? resolve(io.cwd, values.resume) : undefined,
    };
    const began = performance.now();
    const report = values.json ? (e: TrainEvent) => io.stdout(JSON.stringify(e) + "\n") : humanReporter(io, began);
    const run = startTraining(request, { onEvent: report, onOutput: (text) => io.stderr(text) });
    const onSigint = () => run.cancel();
    process.on("SIGINT", onSigint);
    try {
      const final = await run.finished;
      if (final.type === "error") {
        if (!values.json) io.stderr(`rewardlab train: ${final.message}\n`);
        return 1;
      }
      if (!values.json) {
        const where = relative(io.cwd, final.runDir);
        io.stdout(`${final.status} after step ${final.step} in ${formatDuration((performance.now() - began) / 1000)}; best held-out accuracy ${final.best ? `${num(final.best.accuracy)} at step ${final.best.step}` : "-"}\n`);
        io.stdout(`run folder: ${where}\n`);
        if (final.checkpoint) io.stdout(`evaluate: rewardlab eval ${positionals[0] ?? "."} --checkpoint ${relative(io.cwd, final.checkpoint)}\n`);
        if (final.status === "cancelled") io.stdout(`continue: rewardlab train ${positionals[0] ?? "."} --resume ${where}\n`);
      }
      return 0;
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};
