import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadPolicy } from "../../policy/checkpoint";
import { PolicyGenerator } from "../../policy/generate";
import { readDataset } from "../../policy/tasks/dataset";
import { DEFAULT_EVAL, evaluatePolicy, type TypeResult, writeTrace } from "../../rl/eval";
import { loadWorkspace, splitFile } from "../../rl/workspace";
import { formatDuration } from "../../rl/trainer/progress";
import { CliError, usageErrors, type CliCommand } from "../command";
import { num, progressBar, progressLine, table } from "../format";
import { intOption, numberOption } from "./options";

const usage = `rewardlab eval [WORKSPACE] [options]

Evaluates a policy checkpoint on a split of the workspace (default: the held-out test split):
accuracy (answers judged like the accuracy reward; boxes count at IoU >= 0.5), format rate
(strict <think>…</think><answer>…</answer>), mean IoU on grounding questions, mean response length.
Writes the generated responses as a trace file (open it in the trace viewer or with rewardlab score).

Options:
  --checkpoint DIR   policy folder (config.json, model.safetensors, tokenizer.json); default: the
                     workspace's base policy ("policy" in rewardlab.json)
  --split NAME       train or test, default test
  --limit N          evaluate the first N examples only
  --temperature T    0 = greedy (default); > 0 samples
  --top-p P          nucleus mass when sampling, default 1
  --max-tokens N     response length limit, default ${DEFAULT_EVAL.maxNewTokens}
  --seed S           sampling seed, default 0
  --out FILE         rollouts trace file, default WORKSPACE/runs/eval/<checkpoint>-<split>.trace.jsonl
  --json             print the metrics as one JSON object

Exit codes: 0 evaluated; 1 failed; 2 usage error (also a missing workspace or a broken
rewardlab.json).`;

export const evalCommand: CliCommand = {
  name: "eval",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        checkpoint: { type: "string" },
        split: { type: "string", default: "test" },
        limit: { type: "string" },
        temperature: { type: "string", default: "0" },
        "top-p": { type: "string", default: "1" },
        "max-tokens": { type: "string", default: String(DEFAULT_EVAL.maxNewTokens) },
        seed: { type: "string", default: "0" },
        out: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length > 1) throw new CliError(`unexpected arguments: ${positionals.slice(1).join(" ")}`);
    if (values.split !== "test" && values.split !== "train") throw new CliError(`--split must be train or test (got "${values.split}")`);
    const ws = usageErrors(() => loadWorkspace(resolve(io.cwd, positionals[0] ?? ".")));
    const dataFile = splitFile(ws, values.split);
    const checkpoint = values.checkpoint ? resolve(io.cwd, values.checkpoint) : ws.policyDir;
    const policy = loadPolicy(checkpoint);
    let records = await readDataset(dataFile);
    if (values.limit) records = records.slice(0, intOption(values.limit, "--limit", 1));
    const out = values.out ? resolve(io.cwd, values.out) : join(ws.dir, "runs", "eval", `${basename(checkpoint)}-${values.split}.trace.jsonl`);

    const began = performance.now();
    const generator = new PolicyGenerator(policy);
    try {
      const result = await evaluatePolicy(generator, records, dataFile, out, {
        ...DEFAULT_EVAL,
        temperature: numberOption(values.temperature, "--temperature"),
        topP: numberOption(values["top-p"], "--top-p"),
        maxNewTokens: intOption(values["max-tokens"], "--max-tokens", 1),
        seed: intOption(values.seed, "--seed"),
        onProgress: io.interactive && !values.json
          ? (done, total) => io.stderr(progressLine(progressBar(done, total, (performance.now() - began) / 1000, "generating")))
          : undefined,
      });
      if (io.interactive && !values.json) io.stderr(progressLine(""));
      await writeTrace(out, result.records);
      const seconds = (performance.now() - began) / 1000;
      if (values.json) {
        io.stdout(JSON.stringify({ checkpoint, split: values.split, ...result.metrics, by_type: result.byType, by_level: result.byLevel, rollouts: out, seconds }) + "\n");
        return 0;
      }
      const m = result.metrics;
      io.stdout(`${relative(io.cwd, checkpoint) || "."} on ${values.split} (${m.count} examples, ${formatDuration(seconds)})\n\n`);
      io.stdout(table(["metric", "value"], [
        ["accuracy", num(m.accuracy)],
        ["format rate", num(m.format_rate)],
        ["mean IoU (grounding)", num(m.iou)],
        ["mean response tokens", num(m.response_length)],
      ]) + "\n\n");
      const top = (answer: TypeResult["topAnswer"]) => (answer ? `${JSON.stringify(answer.text)} ${Math.round(answer.share * 100)}%` : "–");
      io.stdout(table(["question type", "count", "accuracy", "most common answer"], Object.entries(result.byType).map(([t, v]) => [t, num(v.count), num(v.accuracy), top(v.topAnswer)])) + "\n\n");
      const levels = Object.entries(result.byLevel).sort(([a], [b]) => Number(a) - Number(b));
      if (levels.length > 1) io.stdout(table(["difficulty", "count", "accuracy"], levels.map(([level, v]) => [level, num(v.count), num(v.accuracy)])) + "\n\n");
      io.stdout(`rollouts: ${relative(io.cwd, out)}\n`);
      return 0;
    } finally {
      await generator.dispose();
    }
  },
};
