/**
 * A fairly configured PyTorch reference, or a clear refusal (issue 24). Before a benchmark runs
 * torch, this asks which BLAS torch will run (blas_probe.py):
 * - the netlib reference BLAS (Debian's default without libopenblas0-pthread): orders of magnitude
 *   slower than a tuned BLAS, so no ratio is printed;
 * - OpenBLAS: the kernel it runs as the environment has it, the one it picks itself (when
 *   OPENBLAS_CORETYPE is set), and the ones the CPU's flags allow (COOPERLAKE with AVX-512 BF16,
 *   SKYLAKEX with AVX-512, HASWELL with AVX2) are each timed on a 1024^3 matmul, and the reference
 *   runs the fastest that is not a generic fallback ("Prescott", "Core2", ... where OpenBLAS does
 *   not know the CPU). Both ways a reference can be slowed without anyone noticing are covered: an
 *   unknown CPU (the Emerald Rapids Xeon: ~35 instead of ~265-316 GFLOP/s), and a core
 *   type set in the environment for another machine (here: OPENBLAS_CORETYPE=Haswell on an AVX-512
 *   Zen 5, 246 GFLOP/s against 445 for the Cooperlake kernel OpenBLAS picks itself). Only generic
 *   kernels: no ratio.
 * The verdict and the reference's own matmul GFLOP/s are printed next to the ratios.
 */
import { spawnSync } from "node:child_process";

export interface BlasProbe {
  library: string | null;
  implementation: "openblas" | "reference" | "other" | null;
  corename: string | null;
  config: string | null;
  coretype_env: string | null;
  cpu_flags: string[];
  /** torch's 1024^3 matmul on the bench's threads (when asked). */
  gflops: number | null;
}

export interface FairReference {
  /** Environment for the torch process (OPENBLAS_CORETYPE as the fastest kernel needs it). */
  env: NodeJS.ProcessEnv;
  /** Whether a ratio against this reference means anything. */
  fair: boolean;
  /** One line for the report: what the reference runs and what was done about it. */
  note: string;
}

/** OpenBLAS kernels that are not tuned for a modern x86 CPU (its fallbacks). */
const GENERIC = /^(prescott|core2|katmai|coppermine|northwood|banias|generic|nehalem|sandybridge|atom|opteron|barcelona|bobcat)$/i;

function probe(python: string, env: NodeJS.ProcessEnv, threads?: number): BlasProbe | string {
  const args = [new URL("./blas_probe.py", import.meta.url).pathname, ...(threads ? ["--gflops", String(threads)] : [])];
  const run = spawnSync(python, args, { encoding: "utf8", env });
  if (run.status !== 0) return `the BLAS probe failed: ${(run.stderr || run.stdout).trim().split("\n").at(-1)}`;
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as BlasProbe;
}

/** The kernels to try: as the environment has it, OpenBLAS's own pick, and what the CPU's flags allow. */
function candidates(base: NodeJS.ProcessEnv, flags: readonly string[]): { label: string; env: NodeJS.ProcessEnv }[] {
  const unset = { ...base };
  delete unset.OPENBLAS_CORETYPE;
  const out = [{ label: base.OPENBLAS_CORETYPE ? `OPENBLAS_CORETYPE=${base.OPENBLAS_CORETYPE} as set` : "OpenBLAS's own pick", env: base }];
  if (base.OPENBLAS_CORETYPE) out.push({ label: "OpenBLAS's own pick", env: unset });
  const types = [flags.includes("avx512_bf16") ? "COOPERLAKE" : "", flags.includes("avx512f") ? "SKYLAKEX" : "", flags.includes("avx2") ? "HASWELL" : ""];
  for (const type of types) if (type && type !== base.OPENBLAS_CORETYPE?.toUpperCase()) out.push({ label: `OPENBLAS_CORETYPE=${type}`, env: { ...unset, OPENBLAS_CORETYPE: type } });
  return out;
}

/** The reference for a benchmark whose torch side runs `threads` threads. */
export function fairTorchReference(python: string, base: NodeJS.ProcessEnv = process.env, threads = 2): FairReference {
  const first = probe(python, base);
  if (typeof first === "string") return { env: base, fair: false, note: `reference BLAS unknown (${first}): no ratio` };
  if (first.implementation !== "openblas") {
    return { env: base, fair: false, note: `reference runs the ${first.implementation === "reference" ? "netlib reference BLAS" : "BLAS"} ${first.library ?? "?"}, not a tuned one: no ratio (apt-get install libopenblas0-pthread, then rerun)` };
  }
  const tried: { label: string; env: NodeJS.ProcessEnv; corename: string; gflops: number }[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates(base, first.cpu_flags)) {
    const result = probe(python, candidate.env, threads);
    if (typeof result === "string" || !result.corename || result.gflops === null) continue;
    // Two settings that end in the same kernel are one candidate (the first one named).
    if (seen.has(result.corename)) continue;
    seen.add(result.corename);
    tried.push({ label: candidate.label, env: candidate.env, corename: result.corename, gflops: result.gflops });
  }
  const summary = tried.map((t) => `${t.label}: ${t.corename} ${t.gflops.toFixed(0)}`).join(", ");
  const usable = tried.filter((t) => !GENERIC.test(t.corename)).sort((a, b) => b.gflops - a.gflops);
  if (usable.length === 0) return { env: base, fair: false, note: `reference BLAS: OpenBLAS runs only generic kernels here (${summary || first.corename} GFLOP/s): no ratio` };
  const best = usable[0];
  return { env: best.env, fair: true, note: `reference BLAS: OpenBLAS ${best.corename} kernel (${best.label}), the fastest non-generic of ${summary} GFLOP/s on torch's 1024^3 matmul, ${threads} threads` };
}
