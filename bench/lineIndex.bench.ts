/**
 * Line index benchmark (issue 3): generates a ~1 GB trace JSONL in the OS temp folder, indexes it,
 * and compares with `wc -l` and Node's `readline` over the same (page-cached) file in the same run.
 *
 *   npx tsx bench/lineIndex.bench.ts            # 1024 MB
 *   REWARDLAB_BENCH_MB=256 npx tsx bench/lineIndex.bench.ts
 *
 * The index is measured in a child process so its peak RSS is its own, not the generator's.
 * Both the index and `wc -l` report their best of several runs: on a shared machine the best run
 * is the one least disturbed by other work.
 * Targets: time to first sample < 1 s, index speed >= 0.5x `wc -l`, peak RSS < 300 MB.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { LineIndex } from "../src/trace/lineIndex";

const MB = 1024 * 1024;

interface IndexMeasurement {
  firstSampleMs: number;
  first50Ms: number;
  fullIndexMs: number;
  lines: number;
  offsetTableMB: number;
  peakRssMB: number;
  rssAfterMB: number;
  heapUsedMB: number;
  randomAccessUs: { mean: number; p50: number; p99: number };
  cachedOpenMs: number;
}

/** Realistic records: prompt, a completion of varying length, rewards, a group id. ~0.3-2 KB each. */
function generate(file: string, targetBytes: number): number {
  const words = "the model thinks about the red circle then counts three squares and checks the answer again".split(" ");
  let written = 0;
  let lines = 0;
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  writeFileSync(file, "");
  while (written < targetBytes) {
    const batch: string[] = [];
    for (let i = 0; i < 4000; i++, lines++) {
      const length = 40 + Math.floor(random() * 300);
      const completion = Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(" ");
      batch.push(
        JSON.stringify({
          id: `s-${lines}`,
          group: `p-${lines >> 3}`,
          step: lines >> 12,
          prompt: "How many red shapes are in the image?",
          images: [`images/${(lines >> 3) % 1000}.png`],
          completion: `<think>${completion}</think><answer>${lines % 5}</answer>`,
          rewards: { format: 1, accuracy: random() < 0.5 ? 1 : 0 },
        }),
      );
    }
    const chunk = batch.join("\n") + "\n";
    appendFileSync(file, chunk);
    written += Buffer.byteLength(chunk);
  }
  return lines;
}

function timeWcL(file: string): { ms: number; lines: number } {
  const start = performance.now();
  const result = spawnSync("wc", ["-l", file], { encoding: "utf8" });
  const ms = performance.now() - start;
  return { ms, lines: Number.parseInt(result.stdout.trim(), 10) };
}

async function timeReadline(file: string): Promise<{ ms: number; lines: number }> {
  const start = performance.now();
  let lines = 0;
  const reader = createInterface({ input: createReadStream(file, { highWaterMark: 4 * MB }), crlfDelay: Infinity });
  for await (const _line of reader) lines++;
  return { ms: performance.now() - start, lines };
}

/** Runs in the child process: every number about the index itself. */
async function measureIndex(file: string, cacheDir: string): Promise<IndexMeasurement> {
  const openStart = performance.now();
  const index = LineIndex.open(file, { cacheDir: false });
  await index.getLine(0);
  const firstSampleMs = performance.now() - openStart;
  await index.getLines(0, 50);
  const first50Ms = performance.now() - openStart;
  await index.ready;
  // Best of three full builds: the first also includes the time-to-first-sample run above.
  let fullIndexMs = performance.now() - openStart;
  for (let run = 0; run < 2; run++) {
    const start = performance.now();
    await LineIndex.build(file, { cacheDir: false });
    fullIndexMs = Math.min(fullIndexMs, performance.now() - start);
  }

  const samples: number[] = [];
  let seed = 7;
  for (let i = 0; i < 10_000; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const line = seed % index.lineCount;
    const start = performance.now();
    await index.getLine(line);
    samples.push((performance.now() - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  await index.close();
  const memory = process.memoryUsage();

  await LineIndex.build(file, { cacheDir, cacheMinBytes: 0 }); // writes the cache
  const cachedStart = performance.now();
  const cached = await LineIndex.build(file, { cacheDir, cacheMinBytes: 0 });
  const cachedOpenMs = performance.now() - cachedStart;
  if (!cached.fromCache) throw new Error("the second build did not use the cache");

  return {
    firstSampleMs,
    first50Ms,
    fullIndexMs,
    lines: index.lineCount,
    offsetTableMB: index.memoryBytes / MB,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    rssAfterMB: memory.rss / MB,
    heapUsedMB: memory.heapUsed / MB,
    randomAccessUs: { mean, p50: samples[samples.length >> 1], p99: samples[Math.floor(samples.length * 0.99)] },
    cachedOpenMs,
  };
}

function fmt(value: number, digits = 1): string {
  return value.toFixed(digits);
}

async function main(): Promise<void> {
  if (process.argv[2] === "--measure") {
    process.stdout.write(JSON.stringify(await measureIndex(process.argv[3], process.argv[4])));
    return;
  }
  const targetMB = Number(process.env.REWARDLAB_BENCH_MB ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), "rewardlab-bench-"));
  const file = join(dir, "rollouts.trace.jsonl");
  try {
    const genStart = performance.now();
    generate(file, targetMB * MB);
    const bytes = statSync(file).size;
    const sizeMB = bytes / MB;
    console.log(`generated ${fmt(sizeMB)} MB in ${fmt((performance.now() - genStart) / 1000)} s: ${file}`);

    timeWcL(file); // warm the page cache so every contender reads from memory
    const wc = [1, 2, 3, 4, 5].map(() => timeWcL(file)).sort((a, b) => a.ms - b.ms)[0];
    const readline = await timeReadline(file);

    const child = spawnSync(process.execPath, ["--import", "tsx", __filename, "--measure", file, join(dir, "cache")], { encoding: "utf8", maxBuffer: 16 * MB });
    if (child.status !== 0) throw new Error(`index measurement failed:\n${child.stderr}`);
    const m = JSON.parse(child.stdout) as IndexMeasurement;
    if (m.lines !== wc.lines) throw new Error(`line count mismatch: index ${m.lines}, wc -l ${wc.lines}`);

    const mbps = (ms: number) => sizeMB / (ms / 1000);
    console.log(`\nfile: ${fmt(sizeMB)} MB, ${m.lines.toLocaleString("en-US")} lines (avg ${fmt(bytes / m.lines, 0)} B/line)\n`);
    console.log(`time to first sample      ${fmt(m.firstSampleMs, 2)} ms   (first 50 samples: ${fmt(m.first50Ms, 2)} ms; target < 1000 ms)`);
    console.log(`full index (best of 3)    ${fmt(m.fullIndexMs)} ms   ${fmt(mbps(m.fullIndexMs), 0)} MB/s`);
    console.log(`wc -l (best of 5)         ${fmt(wc.ms)} ms   ${fmt(mbps(wc.ms), 0)} MB/s`);
    console.log(`readline (line count)     ${fmt(readline.ms)} ms   ${fmt(mbps(readline.ms), 0)} MB/s`);
    console.log(`index speed vs wc -l      ${fmt(wc.ms / m.fullIndexMs, 2)}x   (target >= 0.5x)`);
    console.log(`index speed vs readline   ${fmt(readline.ms / m.fullIndexMs, 2)}x`);
    console.log(`offset table              ${fmt(m.offsetTableMB)} MB (${fmt((m.offsetTableMB * MB) / m.lines, 1)} B/line)`);
    console.log(`peak RSS (index process)  ${fmt(m.peakRssMB)} MB   (rss after ${fmt(m.rssAfterMB)} MB, heap ${fmt(m.heapUsedMB)} MB; target < 300 MB)`);
    console.log(`random access getLine     mean ${fmt(m.randomAccessUs.mean)} us, p50 ${fmt(m.randomAccessUs.p50)} us, p99 ${fmt(m.randomAccessUs.p99)} us (10,000 lines)`);
    console.log(`reopen from saved index   ${fmt(m.cachedOpenMs)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
