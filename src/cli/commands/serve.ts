import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { RewardEngine } from "../../reward/engine";
import { RewardServer } from "../../server/server";
import { intOption, MAX_TIMER_MS } from "./options";
import { sandboxOption } from "./sandboxOption";
import { engineLimits } from "./engineOptions";
import { CliError, type CliCommand } from "../command";

const usage = `rewardlab serve [options]

Serves your reward functions over HTTP for distributed training, in OpenRLHF's remote reward
protocol: POST /get_reward {"query": [...], "prompts": [...], "labels": [...]} ->
{"rewards": [...], "scores": [...], "extra_logs": {...}, "version": N}. GET /health.
Reward files hot-reload (a save that does not compile is logged and not loaded); the reward version
is in every response (X-Reward-Version header, "version" key) and every log line.

Use it from OpenRLHF with --reward.remote_url http://HOST:PORT/get_reward (older releases:
--remote_rm_url). The completion is query minus its prompt; the label is the sample's answer.
rewards[i] is the weighted total (0 when no reward has a value, counted in extra_logs.reward_null);
extra_logs has one list per reward.

Options:
  --rewards DIR|FILE     reward files (*.reward.ts), default ./rewards; repeat for several
  --host HOST            interface to bind, default 127.0.0.1 (anything else warns: reward code runs
                         on every request and there is no authentication)
  --port N               default 5000 (0: any free port)
  --score-reward NAME    reward used for "scores" (DAPO dynamic filtering) instead of the total
  --max-body MB          request body limit, default 16 (413 above)
  --request-timeout MS   deadline per request, default 120000 (408 body too slow, 504 scoring too slow)
  --max-concurrent N     requests read or scored at once, default 64 (503 above)
  --max-samples N        samples per request, default 65536 (413 above)
  --allow-origin ORIGIN  let a web page at ORIGIN call the server (repeatable); by default requests
                         with a browser Origin get 403, as do Hosts other than the bound address
  --timeout MS           time limit per sandbox batch (default 5000)
                         (reward files must finish loading within 30 s; a change that does not
                         keeps the last good rewards serving)
  --memory MB            heap limit per reward worker (default 512)
  --workers N            reward worker threads (default: cores, at most 4)
  --sandbox MODE         where reward code runs: worker (threads in this process) or strict, which
                         is recommended here: a child process under Node's permission model that
                         reads only the workspace and the reward files' folders, and cannot write
                         files, start processes, load native addons or see environment variables
                         (a guard against mistakes, not against hostile code: see the README).
                         Default: "sandbox" in the nearest rewardlab.json above the first
                         --rewards, else worker
  --budget MS            time budget per sample: log a "slow_reward" line when a reward's p99 over
                         its last 10,000 samples is above MS (at most once a minute per reward),
                         so a reward that would stall a trainer's steps shows before it does
  --no-watch             do not reload reward files on change
  --json                 print {"url", "version", "rewards"} as one JSON line on stdout when listening

Logs go to stderr, one JSON object per line. Stops gracefully on SIGINT/SIGTERM.
Exit codes: 0 stopped; 2 usage; 3 reward files failed to compile or load.`;

export const serveCommand: CliCommand = {
  name: "serve",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        rewards: { type: "string", multiple: true, default: ["rewards"] },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "5000" },
        "score-reward": { type: "string" },
        "max-body": { type: "string", default: "16" },
        "request-timeout": { type: "string", default: "120000" },
        "max-concurrent": { type: "string", default: "64" },
        "max-samples": { type: "string", default: "65536" },
        "allow-origin": { type: "string", multiple: true, default: [] },
        timeout: { type: "string" },
        memory: { type: "string" },
        workers: { type: "string" },
        sandbox: { type: "string" },
        budget: { type: "string" },
        "no-watch": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    void positionals;
    const port = intOption(values.port, "--port", 0, 65535);
    const rewardPaths = values.rewards.map((path) => resolve(io.cwd, path));
    const budgetMs = values.budget !== undefined ? intOption(values.budget, "--budget", 0, MAX_TIMER_MS) : undefined;
    const engine = new RewardEngine({
      ...(budgetMs !== undefined ? { timing: true } : {}),
      rewards: rewardPaths,
      ...sandboxOption(values.sandbox, rewardPaths, io.cwd),
      ...engineLimits(values),
    });
    try {
      const load = await engine.load();
      for (const error of load.errors) io.stderr(`${error.message}\n`);
      if (load.errors.length > 0) {
        io.stderr(`rewardlab serve: ${load.errors.length} reward file(s) failed to load; not serving\n`);
        return 3;
      }
      if (load.rewards.length === 0) throw new CliError(`no rewards found in ${rewardPaths.join(", ")}: add a *.reward.ts file or pass --rewards`);
      const scoreReward = values["score-reward"];
      if (scoreReward && !load.rewards.some((r) => r.name === scoreReward)) {
        throw new CliError(`--score-reward "${scoreReward}" is not a loaded reward; loaded: ${load.rewards.map((r) => r.name).join(", ")}`);
      }
      if (!isLoopback(values.host)) {
        io.stderr(`rewardlab serve: warning: binding ${values.host}, not loopback: anyone who can reach this port can run your reward code on inputs they choose (no authentication). Prefer an SSH tunnel or a private network.\n`);
      }
      const server = new RewardServer({
        engine,
        host: values.host,
        port,
        maxBodyBytes: intOption(values["max-body"], "--max-body", 1, 1024) * 1024 * 1024,
        requestTimeoutMs: intOption(values["request-timeout"], "--request-timeout", 1, MAX_TIMER_MS),
        maxConcurrent: intOption(values["max-concurrent"], "--max-concurrent", 1),
        maxSamples: intOption(values["max-samples"], "--max-samples", 1),
        allowOrigins: values["allow-origin"],
        watch: !values["no-watch"],
        ...(scoreReward ? { scoreReward } : {}),
        ...(budgetMs !== undefined ? { budgetMs } : {}),
        log: (entry) => io.stderr(JSON.stringify({ time: new Date().toISOString(), ...entry }) + "\n"),
      });
      const { url } = await server.start();
      if (values.json) io.stdout(JSON.stringify({ url: `${url}/get_reward`, health: `${url}/health`, version: load.version, rewards: load.rewards.map((r) => r.name) }) + "\n");
      else io.stdout(`serving ${load.rewards.length} reward(s) (${load.rewards.map((r) => r.name).join(", ")}) at ${url}/get_reward — OpenRLHF: --reward.remote_url ${url}/get_reward (Ctrl+C to stop)\n`);
      const signal = await new Promise<string>((done) => {
        process.once("SIGINT", () => done("SIGINT"));
        process.once("SIGTERM", () => done("SIGTERM"));
      });
      io.stderr(`rewardlab serve: ${signal}: finishing requests in flight, then stopping\n`);
      await server.close();
      return 0;
    } finally {
      engine.dispose();
    }
  },
};

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}


