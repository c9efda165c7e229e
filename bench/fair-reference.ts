/**
 * A fairly configured PyTorch reference, or a clear refusal (issue 24). Before a benchmark runs
 * torch, this asks which BLAS torch will run (blas_probe.py):
 * - the netlib reference BLAS (Debian's default without libopenblas0-pthread): orders of magnitude
 *   slower than a tuned BLAS, so no ratio is printed;
 * - OpenBLAS with a generic kernel (it does not know this CPU: "Prescott", "Core2", ...): the core
 *   type is set from the CPU's flags (OPENBLAS_CORETYPE=SKYLAKEX with AVX-512, HASWELL with AVX2)
 *   and the probe runs again to confirm; still generic, no ratio;
 * - OpenBLAS with a kernel for this CPU: fair as it is.
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
}

export interface FairReference {
  /** Environment for the torch process (with OPENBLAS_CORETYPE when it had to be set). */
  env: NodeJS.ProcessEnv;
  /** Whether a ratio against this reference means anything. */
  fair: boolean;
  /** One line for the report: what the reference runs and what was done about it. */
  note: string;
}

/** OpenBLAS kernels that are not tuned for a modern x86 CPU (its fallbacks). */
const GENERIC = /^(prescott|core2|katmai|coppermine|northwood|banias|generic|nehalem|sandybridge|atom|opteron|barcelona|bobcat)$/i;

function probe(python: string, env: NodeJS.ProcessEnv): BlasProbe | string {
  const run = spawnSync(python, [new URL("./blas_probe.py", import.meta.url).pathname], { encoding: "utf8", env });
  if (run.status !== 0) return `the BLAS probe failed: ${(run.stderr || run.stdout).trim().split("\n").at(-1)}`;
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as BlasProbe;
}

export function fairTorchReference(python: string, base: NodeJS.ProcessEnv = process.env): FairReference {
  const first = probe(python, base);
  if (typeof first === "string") return { env: base, fair: false, note: `reference BLAS unknown (${first}): no ratio` };
  const where = `${first.library ?? "?"}`;
  if (first.implementation !== "openblas") {
    return { env: base, fair: false, note: `reference runs the ${first.implementation === "reference" ? "netlib reference BLAS" : "BLAS"} ${where}, not a tuned one: no ratio (apt-get install libopenblas0-pthread, then rerun)` };
  }
  if (!GENERIC.test(first.corename ?? "")) return { env: base, fair: true, note: `reference BLAS: OpenBLAS, ${first.corename} kernel (${first.config})${first.coretype_env ? `, OPENBLAS_CORETYPE=${first.coretype_env} as set` : ""}` };
  const coretype = first.cpu_flags.includes("avx512f") ? "SKYLAKEX" : first.cpu_flags.includes("avx2") ? "HASWELL" : undefined;
  if (!coretype) return { env: base, fair: false, note: `reference BLAS: OpenBLAS with the generic ${first.corename} kernel on a CPU without AVX2: no ratio` };
  const env = { ...base, OPENBLAS_CORETYPE: coretype };
  const second = probe(python, env);
  if (typeof second === "string" || GENERIC.test(second.corename ?? "")) {
    return { env: base, fair: false, note: `reference BLAS: OpenBLAS picked the generic ${first.corename} kernel and OPENBLAS_CORETYPE=${coretype} did not change it: no ratio` };
  }
  return { env, fair: true, note: `reference BLAS: OpenBLAS did not recognise this CPU (picked ${first.corename}); set OPENBLAS_CORETYPE=${coretype}, now ${second.corename}` };
}
