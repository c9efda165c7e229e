/**
 * The latencies of one-shot commands as a user feels them (issue 24): whole processes, start-up
 * included, timed from outside.
 *
 * 1. `rewardlab --help` (the bundled CLI, dist/cli.js) against `node -e 0` (Node's own start-up, the
 *    floor). Target: under 100 ms.
 * 2. `rewardlab score TRACE --rewards DIR --out FILE` on 100k samples with two rewards (format and
 *    answer match) against the Python script a user would write instead: `json` + `re`, the same
 *    checks, group advantages, every record written back with its scores (json.dumps). Runs
 *    alternate (ours, Python, ours, ...) and the ratio is taken pair by pair. Target: >= 2x.
 *
 * Needs `npm run build` first (it times the bundle users run). BENCH_SAMPLES, BENCH_PAIRS.
 */
import { generate, PYTHON_CHECKS } from "./workload";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const cli = join(root, "dist", "cli.js");
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100_000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);

const PYTHON = PYTHON_CHECKS + String.raw`
def flush(group, out):
    if not group: return
    totals = [s["reward"] for s in group]
    mean = sum(totals) / len(totals)
    std = (sum((t - mean) ** 2 for t in totals) / (len(totals) - 1)) ** 0.5 if len(totals) > 1 else 0.0
    for s in group:
        s["advantage"] = (s["reward"] - mean) / (std + 1e-6)
        out.write(json.dumps(s, ensure_ascii=False) + "\n")
    group.clear()
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    group, gid = [], None
    for line in f:
        s = json.loads(line)
        c = s["completion"]
        fmt = 1.0 if FORMAT.match(c) else 0.0
        m = ANSWER.findall(c)
        pred = m[-1] if m else (BOXED.findall(c) or [None])[-1]
        acc = 1.0 if pred is not None and match(pred, str(s["answer"])) else 0.0
        s["rewards"] = {"format": fmt, "accuracy": acc}
        s["reward"] = 0.5 * fmt + acc
        if s.get("group") != gid:
            flush(group, out)
            gid = s.get("group")
        group.append(s)
    flush(group, out)
`;

const REWARDS = `import { formatReward, answerMatchReward } from "rewardlab";
export default [formatReward({ weight: 0.5 }), answerMatchReward({ name: "accuracy" })];
`;


/** Wall seconds of one run of `command` (which must succeed). */
function timed(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

function main(): void {
  if (!existsSync(cli)) {
    console.log(`skipped: ${cli} is missing (run npm run build first)`);
    return;
  }
  const python = ["/usr/bin/python3", "python3"].find((exe) => spawnSync(exe, ["-c", "pass"]).status === 0);
  console.log(`${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`);

  // 1. --help against Node's own start-up.
  const help: number[] = [];
  const bare: number[] = [];
  timed(process.execPath, [cli, "--help"], root);
  for (let k = 0; k < 11; k++) {
    help.push(timed(process.execPath, [cli, "--help"], root));
    bare.push(timed(process.execPath, ["-e", "0"], root));
  }
  console.log(`rewardlab --help : ${ms(median(help))} (median of ${help.length}; node -e 0 alone ${ms(median(bare))}; target < 100 ms)`);

  // 2. score 100k samples with --out against the Python script.
  const dir = mkdtempSync(join(tmpdir(), "rl-bench-oneshot-"));
  try {
    mkdirSync(join(dir, "rewards"));
    writeFileSync(join(dir, "rewards", "bench.reward.ts"), REWARDS);
    writeFileSync(join(dir, "score.py"), PYTHON);
    generate(join(dir, "t.trace.jsonl"), SAMPLES);
    const ours = () => timed(process.execPath, [cli, "score", "t.trace.jsonl", "--rewards", "rewards", "--out", "ours.jsonl"], dir);
    ours();
    if (!python) {
      console.log("python reference: skipped (no python3 found)");
      return;
    }
    const theirs = () => timed(python, ["score.py", "t.trace.jsonl", "theirs.jsonl"], dir);
    theirs();
    const sameScores = sameOutput(join(dir, "ours.jsonl"), join(dir, "theirs.jsonl"));
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let k = 0; k < PAIRS; k++) {
      a.push(ours());
      b.push(theirs());
      ratios.push(b[k] / a[k]);
    }
    console.log(`score --out      : ${ms(median(a))} for ${SAMPLES.toLocaleString("en-US")} samples, whole process (median of ${PAIRS})`);
    console.log(`python json+re   : ${ms(median(b))} (same checks, advantages, every record written back)${sameScores}`);
    console.log(`ratio            : ${median(ratios).toFixed(2)}x the Python script (median of pairs ${ratios.map((r) => r.toFixed(2)).join(", ")}; target >= 2x; load average ${loadavg()[0].toFixed(1)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks that both outputs hold the same rewards and totals, sample by sample (a fair race). */
function sameOutput(oursFile: string, theirsFile: string): string {
  const read = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { id: string; reward: number; rewards: Record<string, number> });
  const ours = read(oursFile);
  const theirs = read(theirsFile);
  const differ = ours.filter((o, i) => o.id !== theirs[i]?.id || Math.abs(o.reward - theirs[i].reward) > 1e-9 || o.rewards.accuracy !== theirs[i].rewards.accuracy || o.rewards.format !== theirs[i].rewards.format).length;
  return differ === 0 ? "; same scores on every sample" : `; WARNING: ${differ} of ${ours.length} samples score differently, so the race is not like for like`;
}

main();
