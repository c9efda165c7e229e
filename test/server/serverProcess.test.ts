import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerChild } from "../../src/extension/serve/serverChild";
import type { LogEntry } from "../../src/server/server";
import { RequestLogThrottle } from "../../src/server/serverProcess";

const script = join(__dirname, "../../src/server/serverProcess.ts");
const builtin = `import { formatReward, answerMatchReward } from "rewardlab";
export default [formatReward(), answerMatchReward()];
`;

function rewards(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rl-serve-child-"));
  mkdirSync(join(dir, "rewards"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "rewards", name), text);
  return join(dir, "rewards");
}

/** Holds a free loopback port (so the child has to move on) and returns it. */
function occupyPort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as { port: number }).port, server }));
  });
}

test("the server child moves to the next port when the first is busy, scores, logs requests and stops", async () => {
  const busy = await occupyPort();
  const logs: LogEntry[] = [];
  const exits: (number | null)[] = [];
  const child = await ServerChild.start(
    { rewards: rewards({ "r.reward.ts": builtin }), host: "127.0.0.1", port: busy.port, portAttempts: 5, workers: 1 },
    { script, execArgv: ["--import", "tsx"], onLog: (entry) => logs.push(entry), onExit: (code) => exits.push(code) },
  );
  try {
    assert.equal(child.info.requestedPort, busy.port);
    assert.notEqual(child.info.port, busy.port);
    assert.equal(child.info.url, `http://127.0.0.1:${child.info.port}/get_reward`);
    assert.deepEqual(child.info.rewards, ["format", "answer_match"]);
    const response = await fetch(child.info.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: ["Q<think>a</think><answer>4</answer>", "Q4"], prompts: ["Q", "Q"], labels: ["4", "4"] }),
    });
    const body = (await response.json()) as { rewards: number[] };
    assert.equal(body.rewards.length, 2);
    assert.ok(body.rewards[0] > body.rewards[1], JSON.stringify(body));
  } finally {
    await child.stop();
    busy.server.close();
  }
  assert.equal(child.running, false);
  assert.deepEqual(exits, [0]);
  assert.ok(logs.some((e) => e.event === "request" && e.status === 200 && e.samples === 2), JSON.stringify(logs));
  assert.ok(logs.some((e) => e.event === "shutdown"));
});

test("the server child hot-reloads a changed reward file and reports the new version", async () => {
  const dir = rewards({ "c.reward.ts": "export default { name: 'c', score: () => 1 };\n" });
  const logs: LogEntry[] = [];
  const child = await ServerChild.start({ rewards: dir, host: "127.0.0.1", port: 0, workers: 1 }, { script, execArgv: ["--import", "tsx"], onLog: (e) => logs.push(e) });
  const score = async () => {
    const response = await fetch(child.info.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: ["x"] }) });
    return { version: response.headers.get("x-reward-version"), rewards: ((await response.json()) as { rewards: number[] }).rewards };
  };
  try {
    assert.deepEqual(await score(), { version: "1", rewards: [1] });
    writeFileSync(join(dir, "c.reward.ts"), "export default { name: 'c', score: () => 0.25 };\n");
    for (let i = 0; i < 100 && !logs.some((e) => e.event === "reload"); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await score(), { version: "2", rewards: [0.25] });
  } finally {
    await child.stop();
  }
});

test("the server child refuses rewards that do not compile, naming the file; nothing keeps running", async () => {
  await assert.rejects(
    ServerChild.start(
      { rewards: rewards({ "bad.reward.ts": "export default { name: 'bad', score: () => ( };\n" }), host: "127.0.0.1", port: 0, workers: 1 },
      { script, execArgv: ["--import", "tsx"] },
    ),
    /failed to load; not serving:[\s\S]*bad\.reward\.ts:1/,
  );
});

test("request logs beyond the per-second budget are summed up in one entry", () => {
  let now = 0;
  const out: LogEntry[] = [];
  const throttle = new RequestLogThrottle((e) => out.push(e), 2, () => now);
  const request = (status: number, ms: number): LogEntry => ({ event: "request", status, ms });
  throttle.log(request(200, 1));
  throttle.log({ event: "reload", version: 2 });
  throttle.log(request(200, 2));
  throttle.log(request(503, 9));
  throttle.log(request(200, 3));
  assert.deepEqual(out.map((e) => e.event), ["request", "reload", "request"]);
  now = 1000;
  throttle.log(request(200, 1));
  assert.deepEqual(out.slice(3), [
    { event: "requests_summary", requests: 2, statuses: { 200: 1, 503: 1 }, max_ms: 9, note: "2 more requests not logged one by one" },
    request(200, 1),
  ]);
  throttle.flush();
  assert.equal(out.length, 5);
});
