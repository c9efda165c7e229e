/**
 * Reward server load (issue 9, "Load benchmark"): `rewardlab serve` in its own process with the
 * format and answer-match built-in rewards; autocannon sends OpenRLHF-shaped requests of 64 samples
 * over loopback from this process for a bounded time. Target: zero errors, p99 < 100 ms at 50
 * connections on 2 cores.
 *
 * Reference in the same run: the same engine scoring the same 64-sample batches directly
 * (`scoreRecords`, no HTTP, no JSON), with the same number in flight. The ratio is what HTTP, JSON
 * and the protocol mapping cost.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { RewardEngine } from "../src/reward/engine";
import { parseRewardRequest } from "../src/server/protocol";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SAMPLES = 64;
const BODIES = 16;

/** OpenRLHF-shaped bodies: query = chat-templated prompt + response, 64 samples each. */
function bodies(): string[] {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: BODIES }, () => {
    const query: string[] = [], prompts: string[] = [], labels: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const a = Math.floor(rand() * 900) + 10, b = Math.floor(rand() * 90) + 2;
      const right = a * b, said = rand() < 0.6 ? right : right + 1;
      const prompt = `<|im_start|>user\nWhat is ${a} * ${b}?<|im_end|>\n<|im_start|>assistant\n`;
      const think = `Step 1: We need ${a} times ${b}.\n\nStep 2: ${a} * ${b} = ${said}.\n\nStep 3: So the total is ${said.toLocaleString("en-US")}.`;
      const response = rand() < 0.85 ? `<think>${think}</think>\n<answer>${said}</answer><|im_end|>` : `${think} The answer is \\boxed{${said}}.<|im_end|>`;
      query.push(prompt + response);
      prompts.push(prompt);
      labels.push(String(right));
    }
    return JSON.stringify({ query, prompts, labels });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function startServer(rewards: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--rewards", rewards, "--port", "0", "--json", "--no-watch"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let requestLogs = 0;
  createInterface({ input: child.stderr! }).on("line", (line) => {
    if (line.includes('"event":"request"')) requestLogs++;
    else if (!line.includes('"event"')) process.stderr.write(`server: ${line}\n`);
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => {
          console.log(`server logged ${requestLogs.toLocaleString("en-US")} request lines and stopped on SIGTERM`);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

async function overHttp(url: string, payloads: string[]) {
  const check = await fetch(`${url}/get_reward`, { method: "POST", headers: { "Content-Type": "application/json" }, body: payloads[0] });
  const reply = (await check.json()) as { rewards: number[] };
  if (check.status !== 200 || reply.rewards.length !== SAMPLES) throw new Error(`bad reply ${check.status}: ${JSON.stringify(reply).slice(0, 200)}`);
  const requests = payloads.map((body) => ({ method: "POST" as const, path: "/get_reward", headers: { "content-type": "application/json" }, body }));
  // Warm-up (JIT, worker caches), not measured.
  await autocannon({ url, connections: CONNECTIONS, duration: 1, requests });
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests });
}

/** Same batches straight into the engine, `CONNECTIONS` in flight, for the same time. */
async function direct(rewards: string, payloads: string[]) {
  const engine = new RewardEngine({ rewards });
  await engine.load();
  const batches = payloads.map((p) => parseRewardRequest(p).records);
  const latencies: number[] = [];
  const run = async (until: number, record: boolean) => {
    let next = 0;
    const lane = async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await engine.scoreRecords(batches[next++ % batches.length]);
        if (record) latencies.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  };
  await run(performance.now() + 1000, false);
  const started = performance.now();
  await run(started + SECONDS * 1000, true);
  const elapsed = (performance.now() - started) / 1000;
  engine.dispose();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rl-serve-bench-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/builtin.reward.ts"), `import { formatReward, answerMatchReward } from "rewardlab";\nexport default [formatReward(), answerMatchReward()];\n`);
  const rewards = join(dir, "rewards");
  const payloads = bodies();
  console.log(`${BODIES} distinct bodies of ${SAMPLES} samples (${Math.round(payloads[0].length / 1024)} KiB each), ${CONNECTIONS} connections, ${SECONDS} s, loopback`);

  const server = await startServer(rewards);
  const http = await overHttp(server.url.replace(/\/get_reward$/, ""), payloads);
  await server.stop();
  const errors = http.errors + http.timeouts + http.non2xx;
  const rps = http.requests.average;
  console.log(`HTTP   ${rps.toFixed(0)} req/s, ${(rps * SAMPLES).toFixed(0)} samples/s, p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms, ` +
    `errors ${errors} (socket ${http.errors}, timeouts ${http.timeouts}, non-2xx ${http.non2xx}), ${http.requests.total} requests`);

  const ref = await direct(rewards, payloads);
  console.log(`direct ${ref.rps.toFixed(0)} batches/s, ${(ref.rps * SAMPLES).toFixed(0)} samples/s, p50 ${ref.p50.toFixed(1)} ms, p99 ${ref.p99.toFixed(1)} ms (engine.scoreRecords, same batches, ${CONNECTIONS} in flight)`);
  console.log(`ratio  HTTP / direct throughput: ${(rps / ref.rps).toFixed(2)}x`);
  const ok = errors === 0 && http.latency.p99 < 100;
  console.log(`target zero errors and p99 < 100 ms at ${CONNECTIONS} connections: ${ok ? "met" : "NOT met"}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
