import { chmodSync, mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RewardEngine } from "../../reward/engine";
import { loadWorkspace } from "../../rl/workspace";
import { exportOpenRlhf } from "../../server/export/openrlhf";
import { parseSetFlags, type RunSettings } from "../../rl/resolve";
import { exportSettings } from "../../server/export/trainerSettings";
import { exportVerl, VERL_LAYOUTS, VERL_MODULE_FILE, type VerlLayout } from "../../server/export/verl";
import { writeFileAtomic } from "../../trace/io";
import { CliError, type CliCommand } from "../command";

const usage = `rewardlab export verl|openrlhf [WORKSPACE] --out DIR [options]

Writes what a distributed run needs to train with the workspace's rewards through \`rewardlab serve\`,
and the workspace's RL algorithm (preset + rewardlab.json "trainer" + --set) in the trainer's terms:
  verl      rewardlab_reward.py (custom_reward_function: compute_score / compute_score_batch, calls the
            server with urllib), verl_overrides.sh (Hydra overrides: algorithm.adv_estimator,
            actor_rollout_ref.actor.clip_ratio_high, ...), serve_reward.sh, verl.json, README.md
  openrlhf  openrlhf_args.sh (--reward.remote_url, --algo.advantage.estimator, ... and the older flat
            spelling --remote_rm_url, --advantage_estimator, ...), serve_reward.sh, openrlhf.json, README.md
Settings sized for the local policy (lr, batch sizes, lengths, steps) are not exported. The reward
files are loaded first; nothing is written when they do not load.

Options:
  --out DIR            output folder (created)
  --rewards DIR|FILE   reward files (repeatable), default: the workspace's (rewardlab.json "rewards", else rewards/)
  --host HOST          interface serve_reward.sh binds, default 127.0.0.1
  --port N             default 5000
  --url URL            URL the Ray workers use, default http://HOST:PORT/get_reward
  --algo PRESET        RL preset, default rewardlab.json trainer.algo, else grpo
  --set KEY=VALUE      override one RL setting (repeatable), as for \`rewardlab train\`
  --input-key KEY      openrlhf: dataset key of the prompt, default prompt
  --label-key KEY      openrlhf: dataset key of the ground truth (sent as labels), default answer
  --verl-layout L      verl: current (the reward.* tree of verl main / 0.9, default) or legacy
                       (custom_reward_function.*, reward_model.reward_manager: verl 0.4/0.5; current
                       verl still accepts and migrates these)
  --json               print {"out", "files", "url", ...} as JSON

Exit codes: 0 written; 2 usage or settings; 3 reward files failed to load.`;

export const exportCommand: CliCommand = {
  name: "export",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        rewards: { type: "string", multiple: true, default: [] },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "5000" },
        url: { type: "string" },
        algo: { type: "string" },
        set: { type: "string", multiple: true, default: [] },
        "input-key": { type: "string", default: "prompt" },
        "label-key": { type: "string", default: "answer" },
        "verl-layout": { type: "string", default: "current" },
        json: { type: "boolean", default: false },
      },
    });
    const [trainer, workspaceArg, ...extra] = positionals;
    if (trainer !== "openrlhf" && trainer !== "verl") throw new CliError(`unknown trainer "${trainer ?? ""}". Usage: rewardlab export verl|openrlhf [WORKSPACE] --out DIR`);
    if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(" ")}`);
    if (!values.out) throw new CliError("--out DIR is required");
    const layout = values["verl-layout"] as VerlLayout;
    if (!VERL_LAYOUTS.includes(layout)) throw new CliError(`--verl-layout must be ${VERL_LAYOUTS.join(" or ")} (got "${values["verl-layout"]}")`);
    const port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new CliError(`--port must be 1..65535 (got "${values.port}")`);
    let workspace, settings: RunSettings;
    try {
      workspace = loadWorkspace(resolve(io.cwd, workspaceArg ?? "."));
      settings = exportSettings(workspace, values.algo, parseSetFlags(values.set));
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const rewards = values.rewards.length > 0 ? values.rewards.map((path) => resolve(io.cwd, path)) : workspace.rewardPaths;
    const rewardNames = await loadRewardNames(rewards, io.stderr);
    if (!rewardNames) return 3;
    const urlHost = values.host.includes(":") ? `[${values.host}]` : values.host;
    const url = values.url ?? `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}/get_reward`;
    const out = resolve(io.cwd, values.out);
    const files = trainer === "verl"
      ? exportVerl({ rewards, rewardNames, url, host: values.host, port, trainer: settings, modulePath: join(out, VERL_MODULE_FILE), layout })
      : exportOpenRlhf({ rewards, url, host: values.host, port, inputKey: values["input-key"], labelKey: values["label-key"], trainer: settings });
    mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFileAtomic(join(out, name), text);
      if (name.endsWith(".sh")) chmodSync(join(out, name), 0o755);
    }
    if (values.json) io.stdout(JSON.stringify({ out, files: Object.keys(files), url, preset: settings.preset, rewards: rewardNames }) + "\n");
    else {
      io.stdout(`wrote ${Object.keys(files).map((f) => relative(io.cwd, join(out, f))).join(", ")} (${settings.source})\n`);
      io.stdout(trainer === "verl"
        ? `verl: source ${relative(io.cwd, join(out, "verl_overrides.sh"))} and add "\${REWARDLAB_VERL_ARGS[@]}" to your main_ppo command; start the server with serve_reward.sh\n`
        : `OpenRLHF: --reward.remote_url ${url} (older releases: --remote_rm_url ${url}); see ${relative(io.cwd, join(out, "README.md"))}\n`);
    }
    return 0;
  },
};

/** Loads the rewards as the server will (compile + sandbox); undefined when they fail (errors printed). */
async function loadRewardNames(rewards: readonly string[], stderr: (text: string) => void): Promise<string[] | undefined> {
  const engine = new RewardEngine({ rewards, workers: 1 });
  try {
    const load = await engine.load().catch((error: Error) => {
      throw new CliError(`cannot read rewards at ${rewards.join(", ")}: ${error.message}`);
    });
    if (load.errors.length > 0) {
      for (const error of load.errors) stderr(`${error.message}\n`);
      stderr(`rewardlab export: ${load.errors.length} reward file(s) failed to load; nothing written\n`);
      return undefined;
    }
    if (load.rewards.length === 0) throw new CliError(`no reward files (*.reward.ts) in ${rewards.join(", ")}`);
    return load.rewards.map((r) => r.name);
  } finally {
    engine.dispose();
  }
}
