// KL estimators k1/k2/k3 (and abs) by hand, the same values from the IR graph, and the reward
// penalty on arrays.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, evaluate, grad } from "../../src/ir/index";
import { applyKlPenalty, klEstimate, klTokens } from "../../src/rl/kl";
import { KL_ESTIMATORS, type KlEstimator } from "../../src/rl/settings";

const near = (a: number, e: number, what: string, tol = 1e-9) => assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what} = ${a}, expected ${e}`);

// d = log p - log p_ref for three tokens: 0.5, -0.5, and -30 / +30 (clamped by k3)
const logp = [-1, -2, -31, -1];
const refLp = [-1.5, -1.5, -1, -31];
const expected: Record<KlEstimator, number[]> = {
  kl: [0.5, -0.5, -30, 30],
  k1: [0.5, -0.5, -30, 30],
  abs: [0.5, 0.5, 30, 30],
  mse: [0.125, 0.125, 450, 450], //                        0.5 d^2
  k2: [0.125, 0.125, 450, 450],
  // exp(-d) + d - 1: exp(-0.5) - 0.5 = 0.106531, exp(0.5) - 1.5 = 0.148721;
  // d = -30: -d clamped to 20, e^20 - 21 clamped to 10; d = 30: e^-20 + 19 = 19.000000002 clamped to 10
  low_var_kl: [0.10653065971, 0.14872127070, 10, 10],
  k3: [0.10653065971, 0.14872127070, 10, 10],
};

test("klEstimate: k1, abs, k2, k3 values (k3 clamped as verl)", () => {
  for (const type of KL_ESTIMATORS) {
    expected[type].forEach((e, i) => near(klEstimate(logp[i], refLp[i], type), e, `${type}[${i}]`));
  }
});

test("klTokens in the graph gives the same values, and k3's gradient is 1 - exp(-d)", () => {
  for (const type of KL_ESTIMATORS) {
    const g = new GraphBuilder();
    const lp = g.input("logp", "float32", [1, 4]);
    const rp = g.input("ref", "float32", [1, 4]);
    const kl = klTokens(g, lp, rp, type);
    const [dkl] = grad(g, g.sum(kl), [lp]);
    const [values, d] = evaluate(g, [kl, dkl], { logp: { data: Float64Array.from(logp), shape: [1, 4] }, ref: { data: Float64Array.from(refLp), shape: [1, 4] } });
    expected[type].forEach((e, i) => near(values.data[i], e, `graph ${type}[${i}]`));
    if (type === "k3") {
      near(d.data[0], 1 - Math.exp(-0.5), "d k3 / d logp at d = 0.5");
      near(d.data[1], 1 - Math.exp(0.5), "d k3 / d logp at d = -0.5");
      near(d.data[2], 0, "clamped: no gradient");
    }
  }
});

test("applyKlPenalty: r_t = score_t - kl_coef * KL_t on response tokens; metric = mean of per-response means", () => {
  // Two responses, T = 3. KL (k1) per token: row 0: 0.5, -0.5, (padding); row 1: 0.2, 0.2, 0.2.
  const { tokenRewards, metrics } = applyKlPenalty(
    {
      B: 2,
      T: 3,
      tokenScores: Float32Array.of(0, 1, 0, 0, 0, 2),
      oldLogProbs: Float32Array.of(-1, -2, -5, -1, -1, -1),
      refLogProbs: Float32Array.of(-1.5, -1.5, -1, -1.2, -1.2, -1.2),
      mask: Float32Array.of(1, 1, 0, 1, 1, 1),
    },
    { kl_coef: 0.1, kl_penalty: "kl" },
  );
  [-0.05, 1.05, 0, -0.02, -0.02, 1.98].forEach((e, i) => near(tokenRewards[i], e, `reward[${i}]`, 1e-6));
  near(metrics["actor/reward_kl_penalty"], (0 + 0.2) / 2, "reward_kl_penalty", 1e-6);
  assert.equal(metrics["actor/reward_kl_penalty_coeff"], 0.1);
});
