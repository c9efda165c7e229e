// Where a decoder training step spends its time, per ONNX op type and per (op, input shape), from
// ORT's profiler. Shares (%) are meaningful on a loaded machine; absolute ms less so.
// Usage: node --import tsx bench/ir-profile.ts [steps]

import { readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphBuilder, decoderLM } from "../src/ir/index";
import { AdamW, Trainer } from "../src/runtime/index";

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}

function summarise(events: ProfileEvent[], runs: number): void {
  const kernels = events.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"));
  const total = kernels.reduce((s, e) => s + e.dur, 0);
  const group = (key: (e: ProfileEvent) => string) => {
    const acc = new Map<string, { us: number; n: number }>();
    for (const e of kernels) {
      const k = key(e);
      const a = acc.get(k) ?? { us: 0, n: 0 };
      acc.set(k, { us: a.us + e.dur, n: a.n + 1 });
    }
    return [...acc].sort((a, b) => b[1].us - a[1].us);
  };
  const line = ([k, { us, n }]: [string, { us: number; n: number }]) =>
    `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000 / runs).toFixed(1).padStart(7)} ms  x${String(n / runs).padEnd(4)} ${k}`;
  console.log(`kernel time per step: ${(total / 1000 / runs).toFixed(0)} ms`);
  console.log("by op:");
  for (const entry of group((e) => e.args.op_name ?? "?").slice(0, 15)) console.log("  " + line(entry));
  console.log("by op and first input shape:");
  const shapeKey = (e: ProfileEvent) => `${e.args.op_name} ${JSON.stringify(Object.values(e.args.input_type_shape?.[0] ?? {})[0] ?? [])}`;
  for (const entry of group(shapeKey).slice(0, 20)) console.log("  " + line(entry));
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 3);
  const cfg = { vocab: 128, dModel: 256, layers: 4, heads: 4, maxSeq: 192 };
  const [B, T] = [16, 192];
  const g = new GraphBuilder();
  const { loss } = decoderLM(g, cfg, g.input("tokens", "int64", ["B", "T"]), g.input("targets", "int64", ["B", "T"]));
  const prefix = join(tmpdir(), `rewardlab-ortprof-${process.pid}`);
  const trainer = new Trainer(g, loss, { optimizer: new AdamW({ lr: 1e-3 }), threads: 2, profilePrefix: prefix });
  const ids = BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7) % cfg.vocab));
  const feeds = { tokens: { data: ids, shape: [B, T] }, targets: { data: ids, shape: [B, T] } };
  for (let i = 0; i < steps; i++) await trainer.step(feeds);
  await trainer.dispose();
  const dir = tmpdir();
  const file = readdirSync(dir).find((f) => f.startsWith(`rewardlab-ortprof-${process.pid}`));
  if (!file) throw new Error(`no ORT profile written under ${dir}`);
  summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as ProfileEvent[], steps);
  rmSync(join(dir, file));
}

void main();
