import { mkdirSync, writeFileSync } from "node:fs";
import { RewardEngine } from "../src/reward/engine.ts";
const dir = "/tmp/prof/ws"; mkdirSync(dir + "/rewards", { recursive: true });
writeFileSync(dir + "/rewards/r.reward.ts", `import { formatReward, answerMatchReward } from "rewardlab";\nexport default [formatReward(), answerMatchReward({ name: "accuracy", weight: 1 })];\n`);
let seed = 7; const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const lines: string[] = [];
for (let i = 0; i < 100000; i++) {
  const a = Math.floor(rand() * 900) + 10, b = Math.floor(rand() * 90) + 2; const right = a * b, said = rand() < 0.6 ? right : right + 1;
  const think = `Step 1: We need ${a} times ${b}.\n\nStep 2: ${a} * ${b} = ${said}.\n\nStep 3: So the total is ${said.toLocaleString("en-US")}.`;
  const completion = rand() < 0.85 ? `<think>${think}</think>\n<answer>${said}</answer>` : `${think} The answer is \\boxed{${said}}.`;
  lines.push(JSON.stringify({ id: `s${i}`, group: `p${i >> 3}`, prompt: `What is ${a} * ${b}?`, completion, answer: String(right) }));
}
writeFileSync(dir + "/t.jsonl", lines.join("\n") + "\n");
const engine = new RewardEngine({ rewards: dir + "/rewards", workers: Number(process.env.W ?? 2) });
await engine.load();
for (let k = 0; k < Number(process.env.K ?? 6); k++) { const c = process.cpuUsage(); const t = performance.now(); await engine.scoreFile(dir + "/t.jsonl"); const u = process.cpuUsage(c); console.log(((performance.now() - t)).toFixed(0), "ms", ((u.user + u.system) / 1e5).toFixed(2), "us/sample"); }
engine.dispose();
