import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RewardEngine } from "../../reward/engine";
import type { CaseResult, RewardInfo } from "../../reward/validate";
import type { TraceRecord } from "../../trace/types";
import { CliError, type CliCommand, type CliIO } from "../command";
import { num } from "../format";

const usage = `rewardlab test [REWARDS] [options]

Runs the cases reward files pin (\`examples\` in a reward definition): each example is scored by
every reward, and the reward that carries it must give \`expect\` (a number within 1e-6, or null for
"does not apply"). Put the hack that must score 0 and the edge case that must score 1 there, and run
this in CI.

  export default defineReward({
    name: "accuracy",
    score: (s) => ...,
    examples: [
      { completion: "<answer>42</answer>", answer: "42", expect: 1 },
      { completion: "<answer>41</answer>", answer: "42", expect: 0, note: "a wrong answer" },
    ],
  });

REWARDS is a folder or file of *.reward.ts (default ./rewards).

Options:
  --json     print {passed, failed, cases: [{reward, file, example, note, expect, got, ok}]}

Exit codes: 0 every case passed (or there were none); 1 a case failed; 2 usage; 3 reward files
failed to compile or load.`;


export const testCommand: CliCommand = {
  name: "test",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
    if (positionals.length > 1) throw new CliError(`give one rewards folder or file (got ${positionals.length})`);
    const engine = new RewardEngine({ rewards: resolve(io.cwd, positionals[0] ?? "rewards"), workers: 1 });
    try {
      const load = await engine.load();
      if (load.errors.length > 0) {
        for (const error of load.errors) io.stderr(`${error.message}\n`);
        return 3;
      }
      if (load.rewards.length === 0) throw new CliError(`no rewards found in ${positionals[0] ?? "rewards"}: add a *.reward.ts file`);
      const results = await runExamples(engine, load.rewards);
      const failed = results.filter((r) => !r.ok).length;
      if (values.json) io.stdout(JSON.stringify({ passed: results.length - failed, failed, cases: results.map((r) => ({ ...r, file: relative(io.cwd, r.file) })) }) + "\n");
      else io.stdout(report(results, load.rewards, io) + "\n");
      return failed > 0 ? 1 : 0;
    } finally {
      engine.dispose();
    }
  },
};

/** Scores every example with every loaded reward and checks the one that carries it. */
async function runExamples(engine: RewardEngine, rewards: readonly RewardInfo[]): Promise<CaseResult[]> {
  const cases = rewards.flatMap((reward) => (reward.examples ?? []).map((example, i) => ({ reward, example, index: i })));
  if (cases.length === 0) return [];
  async function* records() {
    for (const [i, { reward, example }] of cases.entries()) {
      const { expect: _expect, note: _note, ...fields } = example;
      const record: TraceRecord = { id: `${reward.name}#${i}`, ...fields } as TraceRecord;
      yield { record, source: { line: i + 1 } };
    }
  }
  const table = await engine.scoreRecordStream("examples", records());
  return cases.map(({ reward, example, index }, i) => {
    const scores = table.sampleScores(i);
    const failure = table.errors.get(i)?.find((f) => f.reward === reward.name);
    const got = scores.rewards[reward.name] ?? null;
    const ok = !failure && (example.expect === null ? got === null : got !== null && Math.abs(got - example.expect) <= 1e-6);
    return { reward: reward.name, file: reward.file, example: index + 1, ...(example.note ? { note: example.note } : {}), expect: example.expect, got, ...(failure ? { error: failure.message } : {}), ok };
  });
}

function report(results: readonly CaseResult[], rewards: readonly RewardInfo[], io: CliIO): string {
  if (results.length === 0) return `no examples in ${rewards.length} reward(s): pin cases with \`examples: [{ completion, answer, expect }]\` in a reward definition`;
  const lines = results.map((r) => {
    const what = `${r.reward} example ${r.example}${r.note ? ` (${r.note})` : ""}`;
    if (r.ok) return `✔ ${what}: ${r.expect === null ? "null" : num(r.expect)}`;
    const got = r.error ? `threw: ${r.error}` : `got ${r.got === null ? "null" : num(r.got)}`;
    return `✖ ${what}: expected ${r.expect === null ? "null" : num(r.expect)}, ${got}  [${relative(io.cwd, r.file)}]`;
  });
  const failed = results.filter((r) => !r.ok).length;
  lines.push("", `${num(results.length - failed)} passed, ${num(failed)} failed (${num(results.length)} examples in ${rewards.filter((r) => r.examples?.length).length} rewards)`);
  return lines.join("\n");
}
