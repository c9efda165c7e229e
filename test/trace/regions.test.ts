import { test } from "node:test";
import assert from "node:assert/strict";
import { extractRegions } from "../../src/trace/regions";
import type { ExtractedRegion } from "../../src/trace/types";

/** Extracts and checks spans are sorted, non-overlapping and inside the text. */
function regionsOf(text: string): ExtractedRegion[] {
  const regions = extractRegions(text);
  for (let i = 0; i < regions.length; i++) {
    const { start, end } = regions[i].span;
    assert.ok(start >= 0 && end <= text.length && start < end, "span inside text");
    if (i > 0) assert.ok(regions[i - 1].span.end <= start, "sorted and non-overlapping");
  }
  return regions;
}

const spanned = (text: string, region: ExtractedRegion): string => text.slice(region.span.start, region.span.end);

test("text without boxes yields nothing", () => {
  assert.deepEqual(regionsOf("no boxes here [1, 2, 3] or [a, b, c, d] or [1, 2, 3, 4, 5]"), []);
  assert.deepEqual(regionsOf(""), []);
  assert.deepEqual(regionsOf("parentheses are not boxes: (1, 2, 3, 4)"), []);
});

test("Qwen2-VL box tokens: norm1000 frame, label from the preceding object ref", () => {
  const text = "The <|object_ref_start|>red circle<|object_ref_end|><|box_start|>(100,200),(300,400)<|box_end|> is left.";
  const [region, ...rest] = regionsOf(text);
  assert.equal(rest.length, 0);
  assert.deepEqual(region.box, [100, 200, 300, 400]);
  assert.equal(region.frame, "norm1000");
  assert.equal(region.notation, "qwen2_box");
  assert.equal(region.label, "red circle");
  assert.equal(spanned(text, region), "<|object_ref_start|>red circle<|object_ref_end|><|box_start|>(100,200),(300,400)<|box_end|>");
});

test("Qwen2-VL: consecutive boxes after one ref share its label; a bare box has none", () => {
  const text =
    "<|object_ref_start|>cats<|object_ref_end|><|box_start|>(1, 2), (3, 4)<|box_end|><|box_start|>(5,6),(7,8)<|box_end|> and <|box_start|>(9,9),(10,10)<|box_end|>";
  const regions = regionsOf(text);
  assert.deepEqual(regions.map((r) => [r.label, r.box]), [
    ["cats", [1, 2, 3, 4]],
    ["cats", [5, 6, 7, 8]],
    [undefined, [9, 9, 10, 10]],
  ]);
  assert.equal(spanned(text, regions[1]), "<|box_start|>(5,6),(7,8)<|box_end|>");
});

test("Qwen2.5-VL bbox_2d JSON in a fenced array: pixel frame, labels, one span per object", () => {
  const text = 'Here:\n```json\n[\n  {"bbox_2d": [10, 20, 110, 220], "label": "cat"},\n  {"label": "dog \\"rex\\"", "bbox_2d": [5.5, 6, 7, 8]}\n]\n```';
  const regions = regionsOf(text);
  assert.equal(regions.length, 2);
  assert.deepEqual(regions[0], {
    box: [10, 20, 110, 220],
    frame: "pixel",
    notation: "bbox_2d",
    label: "cat",
    span: regions[0].span,
  });
  assert.equal(spanned(text, regions[0]), '{"bbox_2d": [10, 20, 110, 220], "label": "cat"}');
  assert.equal(regions[1].label, 'dog "rex"');
  assert.deepEqual(regions[1].box, [5.5, 6, 7, 8]);
});

test("bbox_2d: a single object, pretty-printed over lines, nested keys before the box", () => {
  const text = 'Result: {\n  "label": "car",\n  "attrs": {"color": [1, 2]},\n  "bbox_2d": [\n    1,\n    2,\n    3,\n    4\n  ]\n}.';
  const [region] = regionsOf(text);
  assert.equal(region.notation, "bbox_2d");
  assert.equal(region.label, "car");
  assert.ok(spanned(text, region).startsWith("{") && spanned(text, region).endsWith("}"));
});

test("bbox_2d without an enclosing object spans the key and list", () => {
  const text = 'box "bbox_2d": [1, 2, 3, 4] end';
  const [region] = regionsOf(text);
  assert.equal(spanned(text, region), '"bbox_2d": [1, 2, 3, 4]');
  assert.equal(region.label, undefined);
});

test("Visual-RFT Python-style dicts keep confidence", () => {
  const text = "<answer>[{'Position': [254, 303, 291, 365], 'Confidence': 0.9}, {'Position': [100, 100, 200, 200], 'Confidence': 1}]</answer>";
  const regions = regionsOf(text);
  assert.deepEqual(regions.map((r) => [r.notation, r.frame, r.box, r.confidence]), [
    ["visual_rft", "pixel", [254, 303, 291, 365], 0.9],
    ["visual_rft", "pixel", [100, 100, 200, 200], 1],
  ]);
  assert.equal(spanned(text, regions[0]), "{'Position': [254, 303, 291, 365], 'Confidence': 0.9}");
});

test("plain lists: pixel or norm1 frame, ints and decimals, with or without spaces", () => {
  const regions = regionsOf("a [10,12,22,24] b [0.1, 0.2, 0.5, 1] c [0, 0, 1, 1] d [ -1.5 , 2e1, 3., .5 ]");
  assert.deepEqual(regions.map((r) => [r.notation, r.frame, r.box]), [
    ["list", "pixel", [10, 12, 22, 24]],
    ["list", "norm1", [0.1, 0.2, 0.5, 1]],
    ["list", "pixel", [0, 0, 1, 1]],
    ["list", "pixel", [-1.5, 20, 3, 0.5]],
  ]);
});

test("plain lists: degenerate boxes are kept, non-finite numbers skipped, nested lists give each box", () => {
  assert.deepEqual(regionsOf("[30, 30, 10, 10]")[0].box, [30, 30, 10, 10]);
  assert.deepEqual(regionsOf("[1e999, 0, 1, 1] [1, 2, 3, 4]").map((r) => r.box), [[1, 2, 3, 4]]);
  assert.deepEqual(regionsOf("[[1, 2, 3, 4], [5, 6, 7, 8]]").map((r) => r.box), [[1, 2, 3, 4], [5, 6, 7, 8]]);
});

test("plain lists get a short noun phrase before them as label", () => {
  const cases: [string, string | undefined][] = [
    ["The red circle at [10, 12, 22, 24].", "red circle"],
    ["I see a blue square located at [1, 2, 3, 4]", "blue square"],
    ["cat: [1, 2, 3, 4]", "cat"],
    ['"dog" = [1, 2, 3, 4]', "dog"],
    ["the big red ball is at [1, 2, 3, 4]", "big red ball"],
    ["the very big red ball [1, 2, 3, 4]", "big red ball"],
    ["circle 2 at [1, 2, 3, 4]", "circle 2"],
    ["It is here. [1, 2, 3, 4]", undefined],
    ["[1, 2, 3, 4]", undefined],
    ["box: [1, 2, 3, 4]", undefined],
  ];
  for (const [text, label] of cases) assert.equal(regionsOf(text)[0].label, label, text);
});

test("plain list labels do not reach past the previous box or line", () => {
  const regions = regionsOf("red circle [1, 2, 3, 4] and blue square [5, 6, 7, 8] then\n[9, 9, 9, 9]");
  assert.deepEqual(regions.map((r) => r.label), ["red circle", "blue square", undefined]);
});

test("all notations together stay sorted, and lists inside structured ones are not repeated", () => {
  const text = [
    "first [1, 1, 2, 2]",
    '{"bbox_2d": [3, 3, 4, 4], "label": "a"}',
    "<|box_start|>(5,5),(6,6)<|box_end|>",
    "{'Position': [7, 7, 8, 8], 'Confidence': 0.5}",
    "last [9, 9, 10, 10]",
  ].join("\n");
  assert.deepEqual(regionsOf(text).map((r) => r.notation), ["list", "bbox_2d", "qwen2_box", "visual_rft", "list"]);
});
