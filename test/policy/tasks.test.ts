import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEquations } from "../../sample-workspaces/math-cot/rewards/lib/equations";
import {
  BACKGROUND,
  COLOURS,
  type Colour,
  type Region,
  type TaskExample,
  encodeRgbPng,
  generateMath,
  generateShapes,
} from "../../src/policy/tasks/index";

const LEVELS = [1, 2, 3];
const shapes = generateShapes({ seed: 7, count: 240, difficulty: LEVELS, layout: "free" });
const math = generateMath({ seed: 7, count: 240, difficulty: LEVELS });

function pixel(example: TaskExample, x: number, y: number): number[] {
  const { width, rgb } = example.image!;
  const at = (y * width + x) * 3;
  return [rgb[at], rgb[at + 1], rgb[at + 2]];
}

function colourOf(region: Region): number[] {
  return [...COLOURS[region.label!.split(" ")[0] as Colour]];
}

function inside(region: Region, x: number, y: number): boolean {
  const [x1, y1, x2, y2] = region.box;
  return x >= x1 && x <= x2 && y >= y1 && y <= y2;
}

test("same seed, same examples and PNG bytes; a different seed differs", () => {
  const again = generateShapes({ seed: 7, count: 240, difficulty: LEVELS, layout: "free" });
  assert.deepEqual(again, shapes);
  assert.deepEqual(encodeRgbPng(again[5].image!), encodeRgbPng(shapes[5].image!));
  assert.deepEqual(generateMath({ seed: 7, count: 240, difficulty: LEVELS }), math);
  const other = generateShapes({ seed: 8, count: 20, difficulty: LEVELS });
  assert.ok(other.some((e, i) => e.prompt !== shapes[i].prompt || e.answer !== shapes[i].answer));
  assert.notDeepEqual(other[0].image!.rgb, shapes[0].image!.rgb);
});

test("example i does not depend on how many are generated (first/count skip ahead)", () => {
  assert.deepEqual(generateShapes({ seed: 7, count: 4, first: 10, difficulty: LEVELS, layout: "free" }), shapes.slice(10, 14));
  assert.deepEqual(generateMath({ seed: 7, count: 4, first: 10, difficulty: LEVELS }), math.slice(10, 14));
});

test("a difficulty mix is balanced and out-of-range levels are refused", () => {
  for (const level of LEVELS) assert.equal(shapes.filter((e) => e.meta.difficulty === level).length, 80);
  assert.throws(() => generateShapes({ seed: 1, count: 1, difficulty: 4 }), /difficulty 4 is out of range: use whole numbers 1\.\.3/);
  assert.throws(() => generateMath({ seed: 1, count: 1, difficulty: [] }), /no difficulty level/);
});

test("grid layout: one object per 16x16 cell, centred, 6, 10 or 14 pixels wide, with tight boxes", () => {
  const grid = generateShapes({ seed: 5, count: 120, difficulty: [1, 2, 3], layout: "grid" });
  for (const example of grid) {
    const cells = new Set<string>();
    for (const { box, label } of example.regions!) {
      const [x1, y1, x2, y2] = box;
      const side = x2 - x1 + 1;
      assert.ok([6, 10, 14].includes(side) && y2 - y1 + 1 === side, `${example.id}: ${label} is ${side}px`);
      const cell = `${Math.floor(x1 / 16)},${Math.floor(y1 / 16)}`;
      assert.equal(`${Math.floor(x2 / 16)},${Math.floor(y2 / 16)}`, cell, `${example.id}: ${label} spans two cells`);
      assert.equal(x1 % 16, (16 - side) / 2, `${example.id}: ${label} is centred in its cell`);
      assert.ok(!cells.has(cell), `${example.id}: two objects in cell ${cell}`);
      cells.add(cell);
      assert.deepEqual(pixel(example, x1 + Math.floor(side / 2), y2), colourOf({ box, label, frame: "pixel" }), `${example.id}: ${label} bottom row`);
    }
  }
  // The grid layout is the default and what the shipped workspace holds.
  assert.deepEqual(generateShapes({ seed: 5, count: 3, difficulty: 2, layout: "grid" }), generateShapes({ seed: 5, count: 3, difficulty: 2 }));
});

test("boxes tightly enclose the drawn pixels (raster scan)", () => {
  for (const example of shapes) {
    const regions = example.regions!;
    const { width, height } = example.image!;
    assert.equal(width, 64);
    assert.equal(height, 64);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const colour = pixel(example, x, y);
        if (colour.join() === BACKGROUND.join()) continue;
        const owners = regions.filter((r) => inside(r, x, y));
        assert.equal(owners.length, 1, `${example.id}: pixel (${x},${y}) is in ${owners.length} boxes`);
        assert.deepEqual(colour, colourOf(owners[0]), `${example.id}: pixel (${x},${y}) is not ${owners[0].label}`);
      }
    }
    for (const region of regions) {
      const [x1, y1, x2, y2] = region.box;
      const want = colourOf(region).join();
      const row = (y: number) => Array.from({ length: x2 - x1 + 1 }, (_, i) => pixel(example, x1 + i, y).join()).includes(want);
      const column = (x: number) => Array.from({ length: y2 - y1 + 1 }, (_, i) => pixel(example, x, y1 + i).join()).includes(want);
      assert.ok(row(y1) && row(y2) && column(x1) && column(x2), `${example.id}: ${region.label} box ${region.box} is not tight`);
      const side = x2 - x1 + 1;
      assert.ok(side >= 8 && side <= 22 && y2 - y1 + 1 === side, `${example.id}: ${region.label} is ${side}px`);
    }
  }
});

test("each label's shape is what is drawn: fill ratio of the box", () => {
  const fill: Record<string, [number, number]> = { square: [1, 1], circle: [0.7, 0.9], triangle: [0.45, 0.7] };
  for (const example of shapes) {
    for (const region of example.regions!) {
      const [x1, y1, x2, y2] = region.box;
      let filled = 0;
      for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) if (pixel(example, x, y).join() === colourOf(region).join()) filled++;
      const ratio = filled / ((x2 - x1 + 1) * (y2 - y1 + 1));
      const [low, high] = fill[region.label!.split(" ")[1]];
      assert.ok(ratio >= low && ratio <= high, `${example.id}: ${region.label} fills ${ratio.toFixed(2)} of its box`);
    }
  }
});

test("answers agree with the objects in the image", () => {
  for (const example of shapes) {
    const regions = example.regions!;
    const withLabel = (label: string) => regions.filter((r) => r.label === label);
    let m: RegExpExecArray | null;
    if ((m = /^How many (\w+) shapes are there\?$/.exec(example.prompt))) {
      const colour = m[1];
      assert.equal(example.answer, String(regions.filter((r) => r.label!.startsWith(`${colour} `)).length), example.id);
    } else if ((m = /^How many (\w+)s are there\?$/.exec(example.prompt))) {
      const shape = m[1];
      assert.equal(example.answer, String(regions.filter((r) => r.label!.endsWith(` ${shape}`)).length), example.id);
    } else if ((m = /^Where is the (\w+ \w+)\?$/.exec(example.prompt))) {
      const [only] = withLabel(m[1]);
      assert.equal(withLabel(m[1]).length, 1, example.id);
      assert.equal(example.answer, `[${only.box.join(",")}]`, example.id);
    } else if ((m = /^Which is bigger, the (\w+ \w+) or the (\w+ \w+)\?$/.exec(example.prompt))) {
      const [a, b] = [withLabel(m[1]), withLabel(m[2])];
      assert.ok(a.length === 1 && b.length === 1, example.id);
      const width = (r: Region) => r.box[2] - r.box[0] + 1;
      assert.ok(Math.abs(width(a[0]) - width(b[0])) >= 3, example.id);
      assert.equal(example.answer, width(a[0]) > width(b[0]) ? m[1] : m[2], example.id);
    } else {
      assert.fail(`${example.id}: unexpected prompt ${example.prompt}`);
    }
  }
});

test("every question type and count 0..3 occurs; level 1 has 1-2 objects, level 3 has 3-5", () => {
  const types = new Set(shapes.map((e) => e.meta.type));
  assert.deepEqual([...types].sort(), ["compare", "count-colour", "count-shape", "locate"]);
  const counts = new Set(shapes.filter((e) => e.meta.type.startsWith("count")).map((e) => e.answer));
  assert.deepEqual([...counts].sort(), ["0", "1", "2", "3"]);
  for (const e of shapes) {
    const n = e.regions!.length;
    const [low, high] = [[1, 2], [2, 3], [3, 5]][e.meta.difficulty - 1];
    assert.ok(n >= low && n <= high, `${e.id}: ${n} objects at level ${e.meta.difficulty}`);
  }
});

test("chains of thought are Step lines in the policy's character set, within the length budget", () => {
  const printable = /^[\x20-\x7e\n]*$/;
  const inner = (e: TaskExample) => e.reference.replace(/<\/?(think|answer)>/g, "");
  for (const e of [...shapes, ...math]) {
    assert.match(e.reference, /^<think>Step 1: [^\n]+(\nStep \d+: [^\n]+)*<\/think><answer>[^<\n]+<\/answer>$/, e.id);
    assert.ok(printable.test(e.prompt) && printable.test(inner(e)), `${e.id}: characters outside printable ASCII`);
    assert.ok(e.reference.endsWith(`<answer>${e.answer}</answer>`), e.id);
  }
  assert.ok(Math.max(...shapes.map((e) => e.prompt.length)) <= 60);
  assert.ok(Math.max(...shapes.map((e) => inner(e).length)) <= 130);
  assert.ok(Math.max(...math.map((e) => e.prompt.length)) <= 66);
  assert.ok(Math.max(...math.map((e) => inner(e).length)) <= 64);
});

test("math: one correct equation per step, steps = difficulty, small numbers", () => {
  for (const e of math) {
    const steps = e.reference.slice("<think>".length, e.reference.indexOf("</think>")).split("\n");
    assert.equal(steps.length, e.meta.difficulty, e.id);
    for (const step of steps) {
      assert.equal(checkEquations(step), 1, `${e.id}: ${step}`);
      const [, a, op, b, c] = /^Step \d+: (\d+) ([-+*]) (\d+) = (\d+)$/.exec(step)!;
      if (op === "*") assert.ok(Number(a) <= 9 && Number(b) <= 9, `${e.id}: ${step}`);
      assert.ok(Number(c) >= 0 && Number(c) < 100, `${e.id}: ${step}`);
    }
    assert.equal(steps.at(-1)!.split(" = ")[1], e.answer, e.id);
    assert.equal(e.meta.type.split("-").length, e.meta.difficulty, e.id);
  }
});
