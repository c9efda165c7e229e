// Composites are built from primitives; these check their values and gradients the same way.

import { test } from "node:test";
import { abs, clamp, causalMaskBias, crossEntropy, gelu, layerNorm, rmsNorm, sigmoid, tokenLogProbs } from "../../src/ir/index";
import { type OpCase, checkForward, checkGrad } from "./check";

const cases: OpCase[] = [
  { name: "clamp", inputs: [{ shape: [6], lo: -2, hi: 2 }], f: (g, [x]) => clamp(g, x, -0.8, 0.8) },
  { name: "abs", inputs: [{ shape: [6] }], f: (g, [x]) => abs(g, x) },
  { name: "sigmoid", inputs: [{ shape: [6], lo: -4, hi: 4 }], f: (g, [x]) => sigmoid(g, x) },
  { name: "gelu exact", inputs: [{ shape: [6], lo: -3, hi: 3 }], f: (g, [x]) => gelu(g, x, "exact") },
  { name: "gelu tanh", inputs: [{ shape: [6], lo: -3, hi: 3 }], f: (g, [x]) => gelu(g, x, "tanh") },
  { name: "layerNorm", inputs: [{ shape: [2, 3, 5] }, { shape: [5] }, { shape: [5] }], f: (g, [x, w, b]) => layerNorm(g, x, w, b) },
  { name: "rmsNorm", inputs: [{ shape: [3, 4] }, { shape: [4] }], f: (g, [x, w]) => rmsNorm(g, x, w) },
  { name: "masked softmax", inputs: [{ shape: [2, 4, 4] }], f: (g, [x]) => g.softmax(g.add(x, causalMaskBias(g, 4))) },
  { name: "tokenLogProbs", inputs: [{ shape: [2, 3, 5] }, { shape: [2, 3], ints: [0, 4, 2, 2, 1, 3] }], f: (g, [x, t]) => tokenLogProbs(g, x, t) },
  { name: "crossEntropy", inputs: [{ shape: [2, 3, 5] }, { shape: [2, 3], ints: [0, 4, 2, 2, 1, 3] }], f: (g, [x, t]) => crossEntropy(g, x, t) },
  {
    name: "crossEntropy weighted",
    inputs: [{ shape: [2, 3, 5] }, { shape: [2, 3], ints: [0, 4, 2, 2, 1, 3] }, { shape: [2, 3], lo: 0, hi: 1 }],
    f: (g, [x, t, w]) => crossEntropy(g, x, t, w),
  },
];

for (const c of cases) {
  test(`forward: ${c.name}`, () => checkForward(c));
  test(`gradient: ${c.name}`, () => checkGrad(c));
}
