/** Where the reward sandbox worker's code is, for `new Worker(...)` in the pool and in the strict host. */
import { join } from "node:path";

declare const REWARDLAB_BUNDLED: boolean | undefined;

/** True in the esbuild bundles (dist/), false when running from the TypeScript sources. */
export const isBundled = typeof REWARDLAB_BUNDLED !== "undefined";

export function workerScript(): { path: string; eval: boolean } {
  if (isBundled) return { path: join(__dirname, "reward-worker.js"), eval: false };
  // Running from TypeScript sources (tests, benchmarks): Node 20 does not apply `--import tsx` hooks
  // to worker threads, so the worker registers tsx's require hook itself.
  const tsx = JSON.stringify(require.resolve("tsx/cjs"));
  return { path: `require(${tsx}); require(${JSON.stringify(join(__dirname, "worker.ts"))});`, eval: true };
}
