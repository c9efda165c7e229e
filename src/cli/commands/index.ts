/**
 * Every `rewardlab` subcommand, in the order `--help` lists them. A command's code is loaded when
 * it runs (a dynamic import: in the bundle its modules initialise on first use), so `rewardlab
 * --help` or `score` do not evaluate the trainer, the IR or the policy code.
 */
import type { CliCommand } from "../command";

export interface CommandEntry {
  name: string;
  /** One line for `rewardlab --help`. */
  summary: string;
  load(): Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
  { name: "score", summary: "score trace files with your reward functions", load: async () => (await import("./score")).scoreCommand },
  { name: "prm-eval", summary: "score process rewards / ONNX PRMs against step labels (ProcessBench, VisualProcessBench, PRM800K, ...)", load: async () => (await import("./prmEval")).prmEvalCommand },
  { name: "test", summary: "run the cases reward files pin (examples: the hack that must score 0, ...)", load: async () => (await import("./test")).testCommand },
  { name: "convert", summary: "convert a verl / TRL / OpenRLHF / EasyR1 / verifiers / PRM800K / Math-Shepherd file or folder to trace JSONL", load: async () => (await import("./convert")).convertCommand },
  { name: "serve", summary: "serve rewards over HTTP for OpenRLHF / verl (remote reward protocol)", load: async () => (await import("./serve")).serveCommand },
  { name: "export", summary: "write reward module / launch settings for distributed trainers (verl, openrlhf)", load: async () => (await import("./export")).exportCommand },
  { name: "generate", summary: "generate a synthetic task dataset (shapes-vqa images, math-cot word problems)", load: async () => (await import("./generate")).generateCommand },
  { name: "train", summary: "train the workspace's policy with RL (GRPO, DAPO, Dr.GRPO, PPO, RLOO, REINFORCE++, GSPO)", load: async () => (await import("./train")).trainCommand },
  { name: "sft", summary: "supervised warm start of a base policy on the reference chains of thought", load: async () => (await import("./sft")).sftCommand },
  { name: "eval", summary: "evaluate a policy checkpoint on the held-out split (accuracy, format, IoU, length)", load: async () => (await import("./eval")).evalCommand },
];
