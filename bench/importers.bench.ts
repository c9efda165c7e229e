/**
 * Importer throughput: streams a generated verl rollout dump (default 256 MB) through
 * `importFile` (detection, parse, mapping, group hashing) and compares with the floor of any JSONL
 * reader — `readline` + `JSON.parse` over the same file — in the same run.
 *
 *   npx tsx bench/importers.bench.ts
 *   REWARDLAB_BENCH_MB=64 npx tsx bench/importers.bench.ts
 */
import { appendFileSync, createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { importFile } from "../src/trace/importers/index";

const MB = 1024 * 1024;

/** verl `_dump_generations` lines: 8 samples per prompt, one step per file. */
function generateVerlDump(file: string, targetBytes: number): void {
  writeFileSync(file, "");
  let written = 0;
  let line = 0;
  while (written < targetBytes) {
    const batch: string[] = [];
    for (let i = 0; i < 2000; i++, line++) {
      const prompt = `<|im_start|>user\nProblem ${line >> 3}: compute ${line >> 3} * 7 and explain each step.<|im_end|>\n<|im_start|>assistant\n`;
      const output = `Let me think. ${"We multiply the digits carefully and carry over. ".repeat(10 + (line % 20))}#### ${(line >> 3) * 7}`;
      batch.push(JSON.stringify({ input: prompt, output, gts: String((line >> 3) * 7), score: line % 3 === 0 ? 1 : 0, step: 40, acc: line % 3 === 0, pred: String(line) }));
    }
    const chunk = batch.join("\n") + "\n";
    appendFileSync(file, chunk);
    written += Buffer.byteLength(chunk);
  }
}

async function main(): Promise<void> {
  const targetMB = Number(process.env.REWARDLAB_BENCH_MB ?? 256);
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-import-"));
  const file = join(dir, "40.jsonl");
  try {
    generateVerlDump(file, targetMB * MB);
    const sizeMB = statSync(file).size / MB;

    let start = performance.now();
    let parsed = 0;
    const reader = createInterface({ input: createReadStream(file, { highWaterMark: MB }), crlfDelay: Infinity });
    for await (const text of reader) if (text !== "" && JSON.parse(text)) parsed++;
    const referenceMs = performance.now() - start;

    start = performance.now();
    let records = 0;
    let errors = 0;
    const groups = new Set<string>();
    for await (const item of importFile(file)) {
      if ("record" in item) {
        records++;
        groups.add(item.record.group ?? "");
      } else errors++;
    }
    const importMs = performance.now() - start;

    const rate = (ms: number) => `${(sizeMB / (ms / 1000)).toFixed(0)} MB/s, ${Math.round(records / (ms / 1000)).toLocaleString("en-US")} samples/s`;
    console.log(`file: ${sizeMB.toFixed(1)} MB verl dump, ${records.toLocaleString("en-US")} samples, ${groups.size.toLocaleString("en-US")} groups, ${errors} errors`);
    console.log(`importFile (detect + map)     ${importMs.toFixed(0)} ms   ${rate(importMs)}`);
    console.log(`readline + JSON.parse         ${referenceMs.toFixed(0)} ms   ${rate(referenceMs)}   (${parsed.toLocaleString("en-US")} lines)`);
    console.log(`importer vs parse-only        ${(referenceMs / importMs).toFixed(2)}x`);
    console.log(`peak RSS                      ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
