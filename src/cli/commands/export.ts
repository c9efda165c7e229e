import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compileRewardFiles, findRewardFiles } from "../../reward/compile";
import { exportOpenRlhf } from "../../server/export/openrlhf";
import { CliError, type CliCommand } from "../command";

const usage = `rewardlab export openrlhf [WORKSPACE] --out DIR [options]

Writes what a distributed OpenRLHF run needs to use the workspace's rewards through
\`rewardlab serve\`: openrlhf_args.sh (launch arguments, both the current --reward.remote_url and
the older --remote_rm_url spelling), serve_reward.sh, openrlhf.json and a README.
The reward files are compiled first; nothing is written when they do not compile.

Options:
  --out DIR            output folder (created)
  --rewards DIR|FILE   reward files, default WORKSPACE/rewards
  --host HOST          interface serve_reward.sh binds, default 127.0.0.1
  --port N             default 5000
  --url URL            URL the Ray workers use, default http://HOST:PORT/get_reward
  --input-key KEY      dataset key of the prompt, default prompt
  --label-key KEY      dataset key of the ground truth (sent as labels), default answer
  --json               print {"out", "files", "args"} as JSON

Not yet: \`export verl\`, and the advantage / KL / clip part (needs RL trainer presets).
Exit codes: 0 written; 2 usage; 3 reward files failed to compile.`;

export const exportCommand: CliCommand = {
  name: "export",
  summary: "write launch settings for distributed trainers (openrlhf)",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        rewards: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "5000" },
        url: { type: "string" },
        "input-key": { type: "string", default: "prompt" },
        "label-key": { type: "string", default: "answer" },
        json: { type: "boolean", default: false },
      },
    });
    const [trainer, workspaceArg, ...extra] = positionals;
    if (trainer === "verl") throw new CliError("export verl is not implemented yet; use `rewardlab export openrlhf` or call `rewardlab serve` from a verl custom reward function");
    if (trainer !== "openrlhf") throw new CliError(`unknown trainer "${trainer ?? ""}". Usage: rewardlab export openrlhf [WORKSPACE] --out DIR`);
    if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(" ")}`);
    if (!values.out) throw new CliError("--out DIR is required");
    const port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new CliError(`--port must be 1..65535 (got "${values.port}")`);
    const workspace = resolve(io.cwd, workspaceArg ?? ".");
    const rewards = values.rewards ? resolve(io.cwd, values.rewards) : join(workspace, "rewards");
    let files: string[];
    try {
      files = findRewardFiles(rewards);
    } catch (error) {
      throw new CliError(`cannot read rewards at ${rewards}: ${(error as Error).message}`);
    }
    if (files.length === 0) throw new CliError(`no reward files (*.reward.ts) in ${rewards}`);
    const { errors } = await compileRewardFiles(files);
    if (errors.length > 0) {
      for (const error of errors) io.stderr(`${error.message}\n`);
      io.stderr(`rewardlab export: ${errors.length} reward file(s) failed to compile; nothing written\n`);
      return 3;
    }
    const urlHost = values.host.includes(":") ? `[${values.host}]` : values.host;
    const url = values.url ?? `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}/get_reward`;
    const out = resolve(io.cwd, values.out);
    const written = exportOpenRlhf({ rewards, url, host: values.host, port, inputKey: values["input-key"], labelKey: values["label-key"] });
    mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(written)) {
      writeFileSync(join(out, name), text);
      if (name.endsWith(".sh")) chmodSync(join(out, name), 0o755);
    }
    if (values.json) io.stdout(JSON.stringify({ out, files: Object.keys(written), url }) + "\n");
    else io.stdout(`wrote ${Object.keys(written).map((f) => relative(io.cwd, join(out, f))).join(", ")}\nOpenRLHF: --reward.remote_url ${url} (older releases: --remote_rm_url ${url})\n`);
    return 0;
  },
};
