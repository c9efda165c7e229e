"""Which BLAS the PyTorch reference runs, so benchmarks compare against a fairly configured one.

Imports torch (which loads its BLAS), finds the BLAS library mapped into the process, and asks it
what it is: OpenBLAS answers openblas_get_corename() (the kernel it picked for this CPU: "Haswell",
"SkylakeX", "Zen", or a generic one such as "Prescott" when it does not know the CPU); the netlib
reference BLAS has no such call. With `--gflops THREADS` it also times torch's 1024^3 matmul on
THREADS threads (the kernels OpenBLAS can be told to run differ by up to ~2x on one CPU).
Prints one JSON line:
  {"library": path, "implementation": "openblas" | "reference" | "other", "corename": str | null,
   "config": str | null, "coretype_env": value of OPENBLAS_CORETYPE or null, "cpu_flags": [...],
   "gflops": float | null}
Debian's own packages only (python3-torch; libopenblas0-pthread for OpenBLAS).
"""
import ctypes
import json
import os
import sys
import time

import torch  # noqa: F401  (loads the BLAS torch uses)

libraries = []
with open("/proc/self/maps") as maps:
    for line in maps:
        path = line.split()[-1] if line.split() else ""
        name = os.path.basename(path)
        if path.startswith("/") and ("blas" in name.lower()) and ".so" in name and path not in libraries:
            libraries.append(path)

out = {"library": None, "implementation": None, "corename": None, "config": None, "coretype_env": os.environ.get("OPENBLAS_CORETYPE")}
for path in libraries:
    lib = ctypes.CDLL(path)
    out["library"] = os.path.realpath(path)
    corename = getattr(lib, "openblas_get_corename", None)
    if corename is not None:
        corename.restype = ctypes.c_char_p
        config = lib.openblas_get_config
        config.restype = ctypes.c_char_p
        out.update(implementation="openblas", corename=corename().decode(), config=config().decode())
        break
    out["implementation"] = "reference" if "/blas/" in out["library"] or os.path.basename(out["library"]).startswith("libblas") else "other"

flags = set()
with open("/proc/cpuinfo") as cpuinfo:
    for line in cpuinfo:
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
out["cpu_flags"] = sorted(flags & {"avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile"})

out["gflops"] = None
if "--gflops" in sys.argv:
    torch.set_num_threads(int(sys.argv[sys.argv.index("--gflops") + 1]))
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(4):
            a @ b
        best = min(best, (time.perf_counter() - started) / 4)
    out["gflops"] = round(2 * 1024**3 / best / 1e9, 1)
print(json.dumps(out))
