#!/usr/bin/env node
// Runs the end-to-end tests (test/e2e/*.e2e.mjs) one file after another and prints how long they took.
// Needs `npm run package` and scripts/e2e-setup.sh first (`npm run test:e2e` does both).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const dir = new URL(".", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".e2e.mjs")).sort().map((f) => join(dir, f));
const started = Date.now();
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...files], { stdio: "inherit" });
console.log(`e2e: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(result.status ?? 1);
