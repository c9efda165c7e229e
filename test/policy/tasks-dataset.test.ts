import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "fast-png";
import { main } from "../../src/cli/main";
import {
  DatasetError,
  decodeRgbPng,
  encodeRgbPng,
  generateMath,
  generateShapes,
  generateSplits,
  BOX_IOU_THRESHOLD,
  parseBox,
  pixelBoxIou,
  loadExamples,
  parseDataset,
  readDataset,
  toRecord,
  writeDataset,
  type TaskExample,
} from "../../src/policy/tasks/index";

const tempDir = () => mkdtempSync(join(tmpdir(), "rl-tasks-"));
const shapes = generateShapes({ seed: 3, count: 12, difficulty: [1, 2, 3], idPrefix: "s" });

async function run(args: string[], cwd: string) {
  let stdout = "", stderr = "";
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, interactive: false });
  return { code, stdout, stderr };
}

test("PNG round trip gives the same pixels; grey, RGBA and 16-bit PNGs decode to RGB", () => {
  const image = shapes[0].image!;
  assert.deepEqual(decodeRgbPng(encodeRgbPng(image), "x"), image);
  const grey = decodeRgbPng(encode({ width: 2, height: 1, data: new Uint8Array([10, 200]), channels: 1, depth: 8 }), "grey");
  assert.deepEqual([...grey.rgb], [10, 10, 10, 200, 200, 200]);
  const rgba = decodeRgbPng(encode({ width: 1, height: 1, data: new Uint8Array([1, 2, 3, 0]), channels: 4, depth: 8 }), "rgba");
  assert.deepEqual([...rgba.rgb], [1, 2, 3]);
  const deep = decodeRgbPng(encode({ width: 1, height: 1, data: new Uint16Array([0x1234, 0xff00, 0x0001]), channels: 3, depth: 16 }), "16");
  assert.deepEqual([...deep.rgb], [0x12, 0xff, 0x00]);
  assert.throws(() => decodeRgbPng(new Uint8Array([1, 2, 3]), "data/images/x.png"), /data\/images\/x\.png: not a readable PNG/);
});

test("writeDataset / readDataset / loadExamples round trip", async () => {
  const dir = tempDir();
  const written = await writeDataset(dir, "train", shapes);
  assert.equal(written.file, join(dir, "data/train.jsonl"));
  assert.equal(written.images, 12);
  assert.equal(readdirSync(join(dir, "data/images")).length, 12);
  const records = await readDataset(written.file);
  assert.deepEqual(records, shapes.map(toRecord));
  assert.deepEqual(Object.keys(records[0]), ["id", "prompt", "images", "answer", "regions", "reference", "meta"]);
  assert.deepEqual(records[0].images, ["images/s-00000.png"]);
  assert.deepEqual(records[0].meta, { task: "shapes-vqa", type: shapes[0].meta.type, difficulty: 1 });
  // directAnswer exists only while splits are made; datasets do not store it.
  const stored = (examples: TaskExample[]) => examples.map(({ slipReference: _, ...example }) => example);
  assert.deepEqual(await loadExamples(written.file), stored(shapes));
  const math = generateMath({ seed: 3, count: 5, difficulty: 2 });
  const mathFile = (await writeDataset(dir, "test", math)).file;
  assert.deepEqual(await loadExamples(mathFile), stored(math));
  assert.equal(JSON.parse(readFileSync(mathFile, "utf8").split("\n")[0]).images, undefined);
});

test("the same seed writes byte-identical files", async () => {
  const [a, b] = [tempDir(), tempDir()];
  for (const dir of [a, b]) assert.equal((await run(["generate", "shapes-vqa", "--out", dir, "--train", "6", "--test", "3", "--seed", "5"], dir)).code, 0);
  for (const file of ["data/train.jsonl", "data/test.jsonl", "data/images/train-00004.png", "data/images/test-00002.png"]) {
    assert.deepEqual(readFileSync(join(a, file)), readFileSync(join(b, file)), file);
  }
});

test("bad lines are reported with their line numbers", async () => {
  const [good] = shapes.map(toRecord);
  const text = [
    JSON.stringify(good),
    "{not json",
    JSON.stringify({ ...good, id: "b", prompt: undefined }),
    "",
    JSON.stringify({ ...good, id: "c", regions: [{ box: [1, 2, 3], frame: "pixel" }] }),
    JSON.stringify(good),
    JSON.stringify({ ...good, id: "d", meta: { ...good.meta, task: "chess" } }),
    JSON.stringify({ ...good, id: "e", answer: 3 }),
  ].join("\n");
  const error = (() => {
    try {
      parseDataset(text, "data/train.jsonl");
    } catch (e) {
      return e as DatasetError;
    }
    assert.fail("expected a DatasetError");
  })();
  assert.ok(error instanceof DatasetError);
  assert.deepEqual(error.errors.map((e) => e.line), [2, 3, 5, 6, 7]);
  assert.match(error.message, /^5 bad line\(s\) in dataset data\/train\.jsonl:/);
  assert.match(error.message, /data\/train\.jsonl:2: invalid JSON/);
  assert.match(error.message, /data\/train\.jsonl:3: "prompt": /);
  assert.match(error.message, /data\/train\.jsonl:5: "regions\.0\.box": /);
  assert.match(error.message, /data\/train\.jsonl:6: duplicate id "s-00000" \(first on line 1\)/);
  assert.match(error.message, /data\/train\.jsonl:7: "meta\.task": /);
  assert.match(error.message, /rewardlab generate/);
  const file = join(tempDir(), "bad.jsonl");
  writeFileSync(file, text);
  await assert.rejects(readDataset(file), (e: DatasetError) => e.errors.length === 5 && e.errors[0].line === 2);
  const numeric = parseDataset(JSON.stringify({ ...good, answer: 3 }), "x");
  assert.equal(numeric[0].answer, "3");
});

test("unsafe ids and split names are refused before anything is written; a missing image names its record", async () => {
  const dir = tempDir();
  await assert.rejects(writeDataset(dir, "train", [{ ...shapes[0], id: "../x" }]), /example id "\.\.\/x" is not a safe file name/);
  await assert.rejects(writeDataset(dir, "a/b", shapes), /split name "a\/b"/);
  await assert.rejects(writeDataset(dir, "train", [shapes[0], shapes[0]]), /duplicate example id "s-00000"/);
  const file = join(dir, "data.jsonl");
  writeFileSync(file, JSON.stringify(toRecord(shapes[1])) + "\n");
  await assert.rejects(loadExamples(file), /record "s-00001": cannot read image images\/s-00001\.png \(ENOENT\)/);
});

test("test questions do not reappear in train", () => {
  const { train, test: held } = generateSplits({ task: "math-cot", seed: 2, train: 400, test: 100, difficulty: 1 });
  assert.equal(train.length, 400);
  assert.equal(held.length, 100);
  const prompts = new Set(held.map((e) => e.prompt));
  assert.ok(train.every((e) => !prompts.has(e.prompt)));
  assert.deepEqual([train[0].id, held[99].id], ["train-00000", "test-00099"]);
});

test("slipShare: that share of training references come from the imperfect teacher; test references never do", () => {
  const math = generateSplits({ task: "math-cot", seed: 2, train: 1200, test: 50, difficulty: [1, 2, 3], slipShare: 0.6 });
  const multiStep = math.train.filter((e) => e.meta.difficulty > 1);
  const slipped = math.train.filter((e) => e.meta.reference === "slip");
  assert.ok(slipped.length > 0.5 * multiStep.length && slipped.length < 0.7 * multiStep.length, `${slipped.length} of ${multiStep.length} slipped`);
  assert.ok(math.train.every((e) => e.meta.difficulty > 1 || e.meta.reference === undefined), "a one-step problem has no step to skip");
  // math-cot's teacher stops one step early and answers the running total it has.
  const plain = generateSplits({ task: "math-cot", seed: 2, train: 1200, test: 50, difficulty: [1, 2, 3] });
  assert.deepEqual(plain.train.map((e) => e.prompt), math.train.map((e) => e.prompt));
  for (const [i, e] of math.train.entries()) {
    const clean = plain.train[i].reference;
    if (e.meta.reference !== "slip") {
      assert.equal(e.reference, clean);
      continue;
    }
    const steps = clean.slice("<think>".length, clean.indexOf("</think>")).split("\n");
    const kept = steps.slice(0, -1);
    const total = kept[kept.length - 1].split("= ")[1];
    assert.equal(e.reference, `<think>${kept.join("\n")}</think><answer>${total}</answer>`);
    assert.notEqual(total, e.answer, "the slip gives a wrong answer");
  }
  assert.ok(math.test.every((e) => e.meta.reference === undefined && e.slipReference === undefined));
  assert.ok(plain.train.every((e) => e.slipReference === undefined && e.meta.reference === undefined), "slipShare 0 leaves references and meta as they were");
  // shapes-vqa's careless annotator: one object short (of two or more), loose boxes, the first-named object.
  for (const layout of ["free", "grid"] as const) {
    const shapes = generateSplits({ task: "shapes-vqa", seed: 2, train: 400, test: 8, difficulty: [1, 2, 3], slipShare: 1, layout });
    const answerOf = (reference: string) => reference.slice(reference.indexOf("<answer>") + 8, reference.indexOf("</answer>"));
    for (const e of shapes.train) {
      if (e.meta.reference !== "slip") {
        assert.ok(e.meta.type === "compare" || Number(e.answer) < 2, `${e.id}: only a comparison the first object wins, or a count below two, has no slip`);
        continue;
      }
      const said = answerOf(e.reference);
      assert.notEqual(said, e.answer, e.id);
      if (e.meta.type.startsWith("count")) assert.equal(Number(said), Number(e.answer) - 1, e.id);
      if (e.meta.type === "locate") assert.ok(pixelBoxIou(parseBox(said)!, parseBox(e.answer)!) < BOX_IOU_THRESHOLD, e.id);
      if (e.meta.type === "compare") assert.ok(e.prompt.includes(`the ${said} or`), e.id);
    }
  }
});

test("rewardlab generate: --json summary, level parsing, usage errors", async () => {
  const dir = tempDir();
  const ok = await run(["generate", "math-cot", "--out", "ws", "--train", "8", "--test", "4", "--difficulty", "1,3", "--json"], dir);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  assert.deepEqual({ ...summary, bytes: 0 }, { task: "math-cot", out: "ws", train: 8, test: 4, images: 0, bytes: 0 });
  const levels = (await readDataset(join(dir, "ws/data/train.jsonl"))).map((r) => r.meta.difficulty);
  assert.deepEqual(levels, [1, 3, 1, 3, 1, 3, 1, 3]);
  const bad = [
    [["generate", "chess", "--out", "x"], /unknown task "chess": use shapes-vqa or math-cot/],
    [["generate", "math-cot"], /--out DIR is required/],
    [["generate", "math-cot", "--out", "x", "--difficulty", "0-4"], /levels run from 1 to 3/],
    [["generate", "math-cot", "--out", "x", "--difficulty", "hard"], /write a level/],
    [["generate", "math-cot", "--out", "x", "--train", "many"], /--train must be a whole number/],
    [["generate", "math-cot", "--out", "x", "--slip-share", "1.5"], /--slip-share must be a number from 0 to 1/],
  ] as const;
  for (const [args, message] of bad) {
    const result = await run([...args], dir);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
  }
  assert.match((await run(["generate", "--help"], dir)).stdout, /rewardlab generate <shapes-vqa\|math-cot> --out DIR/);
});
