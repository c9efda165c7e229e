import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RewardEngine } from "../../src/reward/engine";
import { RewardServer, type LogEntry, type RewardServerOptions } from "../../src/server/server";

const builtin = `import { formatReward, answerMatchReward } from "rewardlab";
export default [formatReward(), answerMatchReward()];
`;
const loopy = `export default { name: "loopy", score: (s) => { if (s.completion.includes("LOOP")) for (;;) {} return 1; } };\n`;

async function serve(files: Record<string, string>, options: Partial<RewardServerOptions> = {}, engineOptions: { timeoutMs?: number; timing?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-"));
  mkdirSync(join(dir, "rewards"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "rewards", name), text);
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1, ...engineOptions });
  const logs: LogEntry[] = [];
  const server = new RewardServer({ engine, port: 0, watch: false, log: (e) => logs.push(e), ...options });
  const { url, load } = await server.start();
  const stop = async () => {
    await server.close(1000);
    engine.dispose();
  };
  return { dir, url, load, logs, server, stop };
}

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/get_reward`, { method: "POST", headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, version: res.headers.get("x-reward-version"), json: (await res.json()) as Record<string, unknown> };
}

/** Sends raw bytes on one connection and returns the status line's code (0 when closed without one). */
function raw(url: string, request: string, holdOpenMs = 0): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = "";
    socket.on("data", (d) => (text += d.toString()));
    socket.on("error", reject);
    socket.on("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text }));
    if (holdOpenMs) setTimeout(() => socket.destroy(), holdOpenMs);
  });
}

// Exactly what OpenRLHF's remote_rm_fn sends: query = prompt (chat template) + response.
const prompt = "<|im_start|>user\nWhat is 6 * 7?<|im_end|>\n<|im_start|>assistant\n";
const openrlhfBody = {
  query: [
    prompt + "<think>6 * 7 = 42</think><answer>42</answer><|im_end|>",
    prompt + "<think>6 * 7 = 41</think><answer>41</answer><|im_end|>",
    prompt + "It is 42.",
  ],
  prompts: [prompt, prompt, prompt],
  labels: ["42", "42", "42"],
};

test("protocol round trip: OpenRLHF-shaped request -> rewards, scores, extra_logs, version", async () => {
  const s = await serve({ "b.reward.ts": builtin });
  try {
    const { status, version, json } = await post(s.url, openrlhfBody);
    assert.equal(status, 200);
    assert.equal(version, String(s.load.version));
    assert.equal(json.version, s.load.version);
    const logs = json.extra_logs as Record<string, number[]>;
    assert.deepEqual(logs.format.length, 3);
    assert.deepEqual(json.rewards, [logs.format[0] + logs.answer_match[0], logs.format[1] + logs.answer_match[1], logs.format[2] + logs.answer_match[2]]);
    assert.equal(logs.answer_match[0], 1);
    assert.equal(logs.answer_match[1], 0);
    assert.equal(logs.format[2], 0);
    assert.deepEqual(json.scores, json.rewards);
    assert.deepEqual(logs.reward_null, [0, 0, 0]);
    // Older OpenRLHF sends only "query"; labels may be null.
    const old = await post(s.url, { query: ["<think>x</think><answer>1</answer>"] });
    assert.equal(old.status, 200);
    assert.deepEqual((old.json.extra_logs as Record<string, number[]>).format, [1]);
    const nullLabels = await post(s.url, { ...openrlhfBody, labels: null });
    assert.equal(nullLabels.status, 200);
    assert.equal((await post(s.url, { query: [], prompts: [], labels: [] })).status, 200);
    const health = (await (await fetch(`${s.url}/health`)).json()) as { status: string; rewards: { name: string }[] };
    assert.equal(health.status, "ok");
    assert.deepEqual(health.rewards.map((r) => r.name), ["format", "answer_match"]);
    const entry = s.logs.find((l) => l.event === "request" && l.samples === 3)!;
    assert.deepEqual([entry.method, entry.path, entry.status, entry.version], ["POST", "/get_reward", 200, s.load.version]);
    assert.equal(typeof entry.ms, "number");
  } finally {
    await s.stop();
  }
});

test("--score-reward: scores carry one reward (DAPO filtering), rewards stay the total", async () => {
  const s = await serve({ "b.reward.ts": builtin }, { scoreReward: "answer_match" });
  try {
    const { json } = await post(s.url, openrlhfBody);
    assert.deepEqual(json.scores, [1, 0, 0]);
    assert.deepEqual(json.rewards, [2, 1, 0]);
  } finally {
    await s.stop();
  }
});

test("bad inputs get 4xx naming the field and index; the server keeps serving", async () => {
  const s = await serve({ "b.reward.ts": builtin }, { maxBodyBytes: 1024 });
  try {
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /not valid JSON/],
      [[1, 2], 400, /JSON object/],
      [{ prompts: ["a"] }, 400, /"query" is required/],
      [{ query: "a" }, 400, /"query" must be a list/],
      [{ query: ["a", 3] }, 400, /"query\[1\]" must be a string/],
      [{ query: ["a"], prompts: [null] }, 400, /"prompts\[0\]"/],
      [{ query: ["a", "b"], prompts: ["a"] }, 400, /"prompts" has 1 entries but "query" has 2/],
      [{ query: ["a"], labels: ["1", "2"] }, 400, /"labels" has 2/],
      [{ query: ["a"], labels: "1" }, 400, /"labels" must be a list/],
      [{ query: ["x".repeat(2000)] }, 413, /over 1024 bytes/],
    ];
    for (const [body, status, message] of cases) {
      const reply = await post(s.url, body);
      assert.equal(reply.status, status, JSON.stringify(body).slice(0, 80) + " " + JSON.stringify(reply.json));
      assert.match(String(reply.json.error), message);
    }
    assert.equal((await fetch(`${s.url}/nope`)).status, 404);
    assert.equal((await fetch(`${s.url}/get_reward`)).status, 405);
    // Oversized without Content-Length (chunked): refused while reading.
    const chunked = await raw(s.url, `POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${"y".repeat(0x800)}\r\n`);
    assert.equal(chunked.status, 413);
    assert.equal((await post(s.url, openrlhfBody)).status, 200);
  } finally {
    await s.stop();
  }
});

test("slow client that never finishes its body gets 408 and frees its slot; a full server answers 503", async () => {
  const s = await serve({ "b.reward.ts": builtin }, { requestTimeoutMs: 300, maxConcurrent: 1 });
  try {
    const slow = raw(s.url, `POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
    await new Promise((r) => setTimeout(r, 50));
    const busy = await post(s.url, openrlhfBody);
    assert.equal(busy.status, 503);
    assert.match(String(busy.json.error), /busy/);
    const { status } = await slow;
    assert.equal(status, 408);
    assert.equal((await post(s.url, openrlhfBody)).status, 200);
    // A client that disconnects mid-body frees the slot too.
    await raw(s.url, `POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`, 30);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await post(s.url, openrlhfBody)).status, 200);
  } finally {
    await s.stop();
  }
});

test("a reward that hangs gives 504 and the next request is served by a fresh worker", async () => {
  const s = await serve({ "l.reward.ts": loopy }, {}, { timeoutMs: 300 });
  try {
    const hung = await post(s.url, { query: ["LOOP"] });
    assert.equal(hung.status, 504);
    const ok = await post(s.url, { query: ["fine"] });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.rewards, [1]);
  } finally {
    await s.stop();
  }
});

test("hot reload bumps the version; a save that does not compile or throws at load keeps the last good rewards, and /health says so", async () => {
  const value = (v: number) => `export default { name: "v", score: () => ${v} };\n`;
  const s = await serve({ "v.reward.ts": value(1) }, { watch: true });
  const waitFor = async (event: string) => {
    for (let i = 0; i < 200 && !s.logs.some((l) => l.event === event); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(s.logs.some((l) => l.event === event), `no ${event} within 5 s`);
  };
  try {
    const first = await post(s.url, { query: ["a"] });
    assert.deepEqual(first.json.rewards, [1]);
    writeFileSync(join(s.dir, "rewards/v.reward.ts"), value(7));
    await waitFor("reload");
    const second = await post(s.url, { query: ["a"] });
    assert.deepEqual(second.json.rewards, [7]);
    assert.ok(Number(second.version) > Number(first.version));
    writeFileSync(join(s.dir, "rewards/v.reward.ts"), "export default { name: 'v', score: () => ( };\n");
    await waitFor("reload_rejected");
    const third = await post(s.url, { query: ["a"] });
    assert.equal(third.status, 200);
    assert.deepEqual(third.json.rewards, [7]);
    assert.equal(third.version, second.version);
    // A save that compiles but throws when loaded was a 503 on every request; the last good set is served.
    s.logs.length = 0;
    writeFileSync(join(s.dir, "rewards/v.reward.ts"), "throw new Error('broken at load');\nexport default { name: 'v', score: () => 9 };\n");
    await waitFor("reload_rejected");
    assert.match(JSON.stringify(s.logs.find((l) => l.event === "reload_rejected")), /broken at load/);
    const fourth = await post(s.url, { query: ["a"] });
    assert.equal(fourth.status, 200, JSON.stringify(fourth.json));
    assert.deepEqual(fourth.json.rewards, [7]);
    const health = (await (await fetch(`${s.url}/health`)).json()) as { status: string; reload_rejected?: { errors: string[] } };
    assert.equal(health.status, "ok");
    assert.match(String(health.reload_rejected?.errors), /broken at load/);
  } finally {
    await s.stop();
  }
});

// OpenRLHF's client, minus Ray and torch: requests.post(url, json=data) as request_api_wrapper does.
const PYTHON_CLIENT = String.raw`
import json, sys, requests
url = sys.argv[1]
prompt = "<|im_start|>user\nCombien font 6 × 7 ?<|im_end|>\n<|im_start|>assistant\n"
data = {"query": [prompt + "<think>6 × 7 = 42 ✓</think><answer>42</answer>", prompt + "je ne sais pas"],
        "prompts": [prompt, prompt], "labels": ["42", "42"]}
response = requests.post(url=url, json=data, headers={"Content-Type": "application/json"}, timeout=30)
response.raise_for_status()
r = response.json()
assert "rewards" in r, r
print(json.dumps({"rewards": r["rewards"], "scores": r["scores"], "keys": sorted(r["extra_logs"]), "version": response.headers["X-Reward-Version"]}))
`;

const hasPythonRequests = spawnSync("/usr/bin/python3", ["-c", "import requests"]).status === 0;

test("a Python client shaped like OpenRLHF's (requests, json=, non-ASCII text) gets rewards", { skip: !hasPythonRequests && "needs /usr/bin/python3 with requests" }, async () => {
  const s = await serve({ "b.reward.ts": builtin });
  try {
    const child = spawn("/usr/bin/python3", ["-c", PYTHON_CLIENT, `${s.url}/get_reward`]);
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, err);
    const reply = JSON.parse(out);
    assert.deepEqual(reply.rewards, [2, 0]);
    assert.deepEqual(reply.scores, [2, 0]);
    assert.deepEqual(reply.keys, ["answer_match", "format", "reward_failed", "reward_null"]);
    assert.equal(reply.version, String(s.load.version));
  } finally {
    await s.stop();
  }
});

// OpenRLHF's remote reward client as it calls servers (test/fixtures/upstream/openrlhf/remote_rm_client.py:
// requests, JSON body, 180 s timeout, 5 attempts 1 s apart, contiguous slices across comma-separated
// --remote_rm_url servers; OpenRLHF main, openrlhf/utils/remote_rm_utils.py).
test("OpenRLHF's client pattern: a batch sharded across two rewardlab servers gets what one server gives, and a server that comes up late is retried", { skip: !hasPythonRequests && "needs /usr/bin/python3 with requests" }, async () => {
  const a = await serve({ "b.reward.ts": builtin });
  const b = await serve({ "b.reward.ts": builtin });
  try {
    const body = {
      query: [...openrlhfBody.query, prompt + "<think>6 * 7 = 42 ✓</think><answer>42</answer>", prompt + "<answer>7</answer>"],
      prompts: Array.from({ length: 5 }, () => prompt),
      labels: ["42", "42", "42", "42", "42"],
    };
    const client = (urls: string) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn("/usr/bin/python3", [join(__dirname, "../fixtures/upstream/openrlhf/remote_rm_client.py"), urls]);
      let out = "", err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (code) => resolve({ code, out, err }));
      child.stdin.end(JSON.stringify(body));
    });
    const one = await client(`${a.url}/get_reward`);
    assert.equal(one.code, 0, one.err);
    const two = await client(`${a.url}/get_reward,${b.url}/get_reward`);
    assert.equal(two.code, 0, two.err);
    const single = JSON.parse(one.out);
    const sharded = JSON.parse(two.out);
    assert.deepEqual(sharded.rewards, single.rewards);
    assert.deepEqual(sharded.extra_logs, single.extra_logs);
    assert.deepEqual(single.rewards, [2, 1, 0, 2, 0]);
    assert.deepEqual(sharded.attempts, [1, 1], "each server answered on the first attempt");

    // A server that is not listening yet: the client's retries (1 s apart) reach it once it is up.
    const port = new URL(b.url).port;
    await b.stop();
    const late = client(`${a.url}/get_reward,http://127.0.0.1:${port}/get_reward`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const engine = new RewardEngine({ rewards: join(b.dir, "rewards"), workers: 1 });
    const server = new RewardServer({ engine, port: Number(port), watch: false, log: () => undefined });
    await server.start();
    try {
      const retried = await late;
      assert.equal(retried.code, 0, retried.err);
      const reply = JSON.parse(retried.out);
      assert.deepEqual(reply.rewards, single.rewards);
      assert.ok(reply.attempts[1] >= 2, `the second server needed a retry (attempts ${reply.attempts})`);
    } finally {
      await server.close(1000);
      engine.dispose();
    }
  } finally {
    await a.stop();
    await b.stop().catch(() => undefined);
  }
});

test("hostile requests: deep labels, foreign content types, browser origins, rebinding hosts and huge sample counts get 4xx; the server keeps serving", async () => {
  const s = await serve({ "b.reward.ts": builtin }, { maxSamples: 1000, allowOrigins: ["http://127.0.0.1:8080"] });
  try {
    // 12 KB of nesting crashed the server (structured clone overflowed the stack): now a 400 naming the label.
    const deep = `{"query":["a"],"labels":[${"[".repeat(6000)}${"]".repeat(6000)}]}`;
    const deepReply = await post(s.url, deep);
    assert.equal(deepReply.status, 400);
    assert.match(String(deepReply.json.error), /"labels\[0\]" nests deeper than 64 levels/);
    const many = await post(s.url, { query: Array.from({ length: 1001 }, () => "") });
    assert.equal(many.status, 413);
    assert.match(String(many.json.error), /"query" has 1001 samples; this server takes at most 1000 per request \(rewardlab serve --max-samples\)/);
    const body = JSON.stringify(openrlhfBody);
    const request = (headers: string) => raw(s.url, `POST /get_reward HTTP/1.1\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const port = new URL(s.url).port;
    // A cross-site form POST from a web page: text/plain or form encoding, with an Origin.
    const form = await request(`Host: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nConnection: close\r\n`);
    assert.equal(form.status, 415);
    assert.match(form.text, /send the body as Content-Type: application\/json \(got \\"text\/plain\\"\)/);
    const page = await request(`Host: 127.0.0.1:${port}\r\nOrigin: https://evil.example\r\nContent-Type: application/json\r\nConnection: close\r\n`);
    assert.equal(page.status, 403);
    assert.match(page.text, /requests from web pages are refused \(Origin: https:\/\/evil.example\)/);
    const rebound = await request(`Host: evil.example:${port}\r\nContent-Type: application/json\r\nConnection: close\r\n`);
    assert.equal(rebound.status, 403);
    assert.match(rebound.text, /Host \\"evil.example:\d+\\" is not this server's address \(127.0.0.1\)/);
    for (const ok of [`Host: localhost:${port}\r\n`, `Host: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:8080\r\n`]) {
      assert.equal((await request(`${ok}Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n`)).status, 200, ok);
    }
    assert.equal((await post(s.url, openrlhfBody)).status, 200);
  } finally {
    await s.stop();
  }
});

test("a save that loops at top level is rejected within the load limit; the last good rewards keep serving", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rl-server-loop-"));
  mkdirSync(join(dir, "rewards"));
  writeFileSync(join(dir, "rewards/v.reward.ts"), `export default { name: "v", score: () => 3 };\n`);
  const engine = new RewardEngine({ rewards: join(dir, "rewards"), workers: 1, loadTimeoutMs: 3000 });
  const logs: LogEntry[] = [];
  const server = new RewardServer({ engine, port: 0, watch: true, log: (e) => logs.push(e) });
  const { url } = await server.start();
  try {
    writeFileSync(join(dir, "rewards/v.reward.ts"), `for (;;) {}\nexport default { name: "v", score: () => 4 };\n`);
    for (let i = 0; i < 400 && !logs.some((l) => l.event === "reload_rejected"); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(JSON.stringify(logs.find((l) => l.event === "reload_rejected")), /v\.reward\.ts: loading did not finish within 3000 ms/);
    const reply = await post(url, { query: ["a"] });
    assert.equal(reply.status, 200, JSON.stringify(reply.json));
    assert.deepEqual(reply.json.rewards, [3]);
  } finally {
    await server.close(1000);
    engine.dispose();
  }
});

test("--budget: a reward whose recent p99 time per sample is over the budget is logged as slow_reward, once a minute", async () => {
  const slow = `export default [
    { name: "quick", score: () => 1 },
    { name: "sleepy", score: (s) => { const end = Date.now() + (s.completion.includes("42") ? 30 : 1); while (Date.now() < end) {} return 0; } },
  ];\n`;
  const { url, logs, stop } = await serve({ "slow.reward.ts": slow }, { budgetMs: 20 }, { timing: true });
  try {
    for (let k = 0; k < 3; k++) assert.equal((await post(url, openrlhfBody)).status, 200);
    const warnings = logs.filter((e) => e.event === "slow_reward");
    assert.equal(warnings.length, 1, "one line per reward per minute");
    const [w] = warnings;
    assert.equal(w.reward, "sleepy");
    assert.equal(w.budget_ms, 20);
    assert.ok((w.p99_ms as number) >= 20, `p99 ${w.p99_ms}`);
    assert.equal(w.samples, 3, "the first request already shows it (3 samples)");
    assert.match(String((w.slowest_in_request as { id: string }).id), /./);
    assert.match(String(w.message), /reward "sleepy" takes .* ms per sample at p99 .* over the 20 ms budget/);
  } finally {
    await stop();
  }
});
