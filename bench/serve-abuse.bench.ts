/**
 * `rewardlab serve` under load and under abuse (issue 21), loopback only. The server runs as the
 * real CLI child (`node dist/cli.js serve`, built first) with two built-in rewards; this process is
 * the client. Three phases, each for PHASE_S seconds:
 *
 * 1. held load (the reference): CLIENTS concurrent OpenRLHF-shaped requests of SAMPLES samples each;
 * 2. abuse: the same clients, while ABUSERS others send what hostile or broken clients send:
 *    bodies over the size limit, labels nested 6,000 deep, 100,000-sample requests, text/plain form
 *    posts with a foreign Origin, a rebinding Host, half-sent bodies held open (slowloris);
 * 3. held load again (does the server come back?).
 *
 * Printed per phase: good requests per second, p50 / p99 latency, errors of the good clients, the
 * status codes the abusers got, and the server's resident memory (peak: VmHWM). Ratios compare
 * phases 2 and 3 with phase 1. Not a test: the bar is bounded memory and no lost service.
 *
 * Usage: npm run bench -- serve-abuse   (BENCH_PHASE_S=10, BENCH_CLIENTS=8, BENCH_ABUSERS=8)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ABUSERS = Number(process.env.BENCH_ABUSERS ?? 8);
const SAMPLES = 64;

const prompt = "<|im_start|>user\nWhat is 6 * 7?<|im_end|>\n<|im_start|>assistant\n";
const goodBody = JSON.stringify({
  query: Array.from({ length: SAMPLES }, (_, i) => prompt + `<think>6 * 7 = ${42 + (i % 3)}</think><answer>${42 + (i % 3)}</answer>`),
  prompts: Array.from({ length: SAMPLES }, () => prompt),
  labels: Array.from({ length: SAMPLES }, () => "42"),
});

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** The server's and its reward workers' memory: workers are threads, so the process is the whole. */
async function startServer(dir: string): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, "dist/cli.js"), "serve", "--rewards", join(dir, "rewards"), "--port", "0", "--workers", "2"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match) resolveUrl(match[0]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return { url, pid: child.pid!, stop: () => child.kill() };
}

interface PhaseResult {
  good: number;
  errors: number;
  latencies: number[];
  abuse: Map<string, number>;
  peakRss: number;
}

async function goodClient(url: string, until: number, result: PhaseResult): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    try {
      const res = await fetch(`${url}/get_reward`, { method: "POST", headers: { "Content-Type": "application/json" }, body: goodBody });
      await res.arrayBuffer();
      if (res.status === 200) {
        result.good++;
        result.latencies.push(performance.now() - started);
      } else result.errors++;
    } catch {
      result.errors++;
    }
  }
}

/** One raw HTTP exchange; the status code, or "closed" / "held" (slowloris kept open until the deadline). */
function raw(url: string, head: string, body: string, holdMs = 0): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolveStatus) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      if (holdMs > 0) socket.write(body.slice(0, 10));
      else socket.write(body);
    });
    let text = "";
    socket.setTimeout(holdMs > 0 ? holdMs : 30_000, () => {
      socket.destroy();
      resolveStatus(text ? (/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? "closed") : "held");
    });
    socket.on("data", (d) => (text += d.toString()));
    socket.on("error", () => resolveStatus("reset"));
    socket.on("close", () => resolveStatus(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? "closed"));
  });
}

async function abuser(url: string, until: number, result: PhaseResult, seed: number): Promise<void> {
  const port = new URL(url).port;
  const post = (headers: string, body: string) => `POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  const deep = `{"query":["a"],"labels":[${"[".repeat(6000)}${"]".repeat(6000)}]}`;
  const many = JSON.stringify({ query: Array.from({ length: 100_000 }, () => "") });
  const huge = `{"query":["${"x".repeat(20 * 1024 * 1024)}"]}`;
  const kinds: [string, () => Promise<string>][] = [
    ["deep labels", () => raw(url, post("Content-Type: application/json\r\n", deep), deep)],
    ["100k samples", () => raw(url, post("Content-Type: application/json\r\n", many), many)],
    ["20 MB body", () => raw(url, post("Content-Type: application/json\r\n", huge), huge)],
    ["form post, foreign Origin", () => raw(url, post("Content-Type: text/plain\r\nOrigin: https://evil.example\r\n", goodBody), goodBody)],
    ["rebinding Host", () => raw(url, post("Content-Type: application/json\r\n", goodBody).replace(`Host: 127.0.0.1:${port}`, "Host: evil.example"), goodBody)],
    ["slowloris", () => raw(url, post("Content-Type: application/json\r\n", goodBody), goodBody, 3000)],
  ];
  for (let i = seed; Date.now() < until; i++) {
    const [name, send] = kinds[i % kinds.length];
    const status = await send();
    const key = `${name}: ${status}`;
    result.abuse.set(key, (result.abuse.get(key) ?? 0) + 1);
  }
}

async function phase(url: string, pid: number, abusers: number): Promise<PhaseResult> {
  const result: PhaseResult = { good: 0, errors: 0, latencies: [], abuse: new Map(), peakRss: 0 };
  const until = Date.now() + PHASE_S * 1000;
  const sampler = setInterval(() => (result.peakRss = Math.max(result.peakRss, memory(pid).rss)), 100);
  await Promise.all([
    ...Array.from({ length: CLIENTS }, () => goodClient(url, until, result)),
    ...Array.from({ length: abusers }, (_, i) => abuser(url, until, result, i)),
  ]);
  clearInterval(sampler);
  return result;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function main(): Promise<void> {
  const build = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-abuse-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/b.reward.ts"), 'import { formatReward, answerMatchReward } from "rewardlab";\nexport default [formatReward(), answerMatchReward()];\n');
  const server = await startServer(dir);
  try {
    console.log(`rewardlab serve at ${server.url}: ${CLIENTS} clients x ${SAMPLES} samples per request, ${ABUSERS} abusers, ${PHASE_S} s per phase; start RSS ${memory(server.pid).rss.toFixed(0)} MB`);
    const phases: [string, PhaseResult][] = [];
    for (const [name, abusers] of [["held load", 0], ["held load + abuse", ABUSERS], ["held load again", 0]] as const) {
      const r = await phase(server.url, server.pid, abusers);
      phases.push([name, r]);
      const rate = r.good / PHASE_S;
      console.log(`\n## ${name}\ngood requests ${r.good} (${rate.toFixed(1)}/s, ${(rate * SAMPLES).toFixed(0)} samples/s), errors ${r.errors}, latency p50 ${percentile(r.latencies, 50).toFixed(0)} ms, p99 ${percentile(r.latencies, 99).toFixed(0)} ms, peak RSS in phase ${r.peakRss.toFixed(0)} MB`);
      if (r.abuse.size) console.log([...r.abuse].sort().map(([k, v]) => `  ${k} x${v}`).join("\n"));
    }
    const [base, abused, after] = phases.map(([, r]) => r);
    console.log(`\nratios to held load: throughput under abuse ${(abused.good / base.good).toFixed(2)}x, after ${(after.good / base.good).toFixed(2)}x; p99 under abuse ${(percentile(abused.latencies, 99) / percentile(base.latencies, 99)).toFixed(2)}x; peak RSS of the whole run ${memory(server.pid).peak.toFixed(0)} MB`);
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
