#!/usr/bin/env node
// Runs the end-to-end tests (test/e2e/*.e2e.mjs) one file after another and prints how long they took.
// Needs `npm run package` and scripts/e2e-setup.sh first (`npm run test:e2e` does both).
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const dir = new URL(".", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".e2e.mjs")).sort().map((f) => join(dir, f));
// Screenshots are this run's only: stale ones from an earlier run would mislead.
rmSync(join(dir, "../../test-results/e2e"), { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...files], { stdio: "inherit" });
console.log(`e2e: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(result.status ?? 1);
