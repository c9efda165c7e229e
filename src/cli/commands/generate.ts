import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { MAX_DIFFICULTY, TASK_NAMES, type TaskName, generateSplits, writeDataset } from "../../policy/tasks/index";
import { CliError, type CliCommand } from "../command";
import { num } from "../format";

const usage = `rewardlab generate <shapes-vqa|math-cot> --out DIR [options]

Generates a synthetic task dataset, deterministic from the seed, into a workspace folder:
DIR/data/train.jsonl, DIR/data/test.jsonl and (shapes-vqa) DIR/data/images/<id>.png.
Each line holds the prompt, the ground-truth answer (and boxes), and "reference": the target
completion <think>Step 1: …</think><answer>…</answer> used for supervised warm starts.

Tasks:
  shapes-vqa   64x64 images of coloured circles, squares and triangles; count a colour or a shape,
               locate an object (answer [x1,y1,x2,y2], inclusive pixels), compare two sizes.
               Difficulty 1..3: 1-2, 2-3, 3-5 objects.
  math-cot     arithmetic word problems; difficulty = number of steps (1..3).

Options:
  --out DIR            workspace folder (data/ is created in it; files are replaced atomically)
  --train N            training examples, default 2000
  --test N             held-out examples, default 200 (train skips questions that are in test)
  --seed S             integer seed, default 1
  --difficulty LEVELS  one level (2), a list (1,3) or a range (1-3); a mix is balanced. Default 1-3
  --slip-share P       share of training references written by the task's imperfect teacher,
                       0..1, default 0 (test references are always right). math-cot's teacher
                       stops one step early on multi-step problems (see its README); shapes-vqa's
                       annotator counts one object short (of two or more), draws loose boxes and
                       names the first object in comparisons.
  --layout grid|free   shapes-vqa: one object per 16x16 cell (default, the shipped data; its base
                       sees one cell per image token, rewardlab sft --patch 16) or anywhere (the
                       first design, whose 8x8-patch base could not localise)
  --json               print {"task","out","train","test","images","bytes"} as JSON

Exit codes: 0 written; 2 usage error.`;

/** "2", "1,3" or "1-3" as a list of levels. */
export function parseLevels(text: string, max: number): number[] {
  const levels: number[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      for (let level = Number(range[1]); level <= Number(range[2]); level++) levels.push(level);
    } else if (/^\d+$/.test(part)) {
      levels.push(Number(part));
    } else {
      throw new CliError(`--difficulty "${text}": write a level (2), a list (1,3) or a range (1-${max})`);
    }
  }
  const bad = levels.find((level) => level < 1 || level > max);
  if (levels.length === 0 || bad !== undefined) throw new CliError(`--difficulty "${text}": levels run from 1 to ${max}`);
  return levels;
}

function count(value: string, option: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(`${option} must be a whole number (got "${value}")`);
  return Number(value);
}

export const generateCommand: CliCommand = {
  name: "generate",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        train: { type: "string", default: "2000" },
        test: { type: "string", default: "200" },
        seed: { type: "string", default: "1" },
        difficulty: { type: "string" },
        "slip-share": { type: "string", default: "0" },
        layout: { type: "string", default: "grid" },
        json: { type: "boolean", default: false },
      },
    });
    const [taskArg, ...extra] = positionals;
    if (!TASK_NAMES.includes(taskArg as TaskName)) throw new CliError(`unknown task "${taskArg ?? ""}": use ${TASK_NAMES.join(" or ")}`);
    if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(" ")}`);
    if (!values.out) throw new CliError("--out DIR is required (the workspace folder; data/ is written in it)");
    const task = taskArg as TaskName;
    if (!/^-?\d+$/.test(values.seed)) throw new CliError(`--seed must be an integer (got "${values.seed}")`);
    const max = MAX_DIFFICULTY[task];
    const difficulty = parseLevels(values.difficulty ?? `1-${max}`, max);
    const out = resolve(io.cwd, values.out);
    const slipShare = Number(values["slip-share"]);
    if (!/^\s*[\d.]+\s*$/.test(values["slip-share"]) || !(slipShare >= 0 && slipShare <= 1)) {
      throw new CliError(`--slip-share must be a number from 0 to 1 (got "${values["slip-share"]}")`);
    }
    if (values.layout !== "free" && values.layout !== "grid") throw new CliError(`--layout must be free or grid (got "${values.layout}")`);
    const layout = values.layout;
    const splits = generateSplits({ task, seed: Number(values.seed), train: count(values.train, "--train"), test: count(values.test, "--test"), difficulty, slipShare, layout });
    const train = await writeDataset(out, "train", splits.train);
    const test = await writeDataset(out, "test", splits.test);
    const summary = { task, out, train: splits.train.length, test: splits.test.length, images: train.images + test.images, bytes: train.bytes + test.bytes };
    if (values.json) io.stdout(JSON.stringify({ ...summary, out: relative(io.cwd, out) || "." }) + "\n");
    else {
      io.stdout(
        `${task}: ${num(summary.train)} train + ${num(summary.test)} test examples (difficulty ${difficulty.join(",")}), ` +
          `${num(summary.images)} images, ${num(Math.round(summary.bytes / 1024))} KiB\n` +
          `  ${relative(io.cwd, train.file)}\n  ${relative(io.cwd, test.file)}\n`,
      );
    }
    return 0;
  },
};
