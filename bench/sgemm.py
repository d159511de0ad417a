#!/usr/bin/env python3
"""CPU reference point for bench/compare.sh: float32 matmul through numpy (its bundled BLAS,
OpenBLAS in the PyPI wheels), timed on the wall clock.

    python bench/sgemm.py --sizes 512,1024,2048 [--runs 5] [--warmup 2] [--min-time 1]

Prints one JSON object: the BLAS numpy used (from threadpoolctl: library, version, threading
layer, CPU kernel "architecture", thread count), the environment variables that steer OpenBLAS,
and per size the median time and GFLOP/s = 2n^3 / t. Each product is checked against a float64
product on sampled rows before its time counts.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info
except ImportError:  # the script still runs; it just cannot name the BLAS kernel
    threadpool_info = None


def blas_info():
    libs = []
    if threadpool_info is not None:
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                libs.append({k: lib.get(k) for k in (
                    "internal_api", "version", "threading_layer", "architecture",
                    "num_threads", "filepath")})
    return libs


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_size(n, runs, warmup, min_time, rng):
    a = rng.uniform(-1.0, 1.0, (n, n)).astype(np.float32)
    b = rng.uniform(-1.0, 1.0, (n, n)).astype(np.float32)
    c = a @ b
    assert c.dtype == np.float32
    # Validate sampled rows against float64: |c - ref| / (|a| @ |b|) under 8*sqrt(n)*2^-24.
    rows = rng.choice(n, size=min(n, 16), replace=False)
    a64, b64 = a[rows].astype(np.float64), b.astype(np.float64)
    ref = a64 @ b64
    mag = np.abs(a64) @ np.abs(b64)
    err = float(np.max(np.abs(c[rows].astype(np.float64) - ref) / mag))
    tol = 8.0 * np.sqrt(n) * 2.0 ** -24
    valid = bool(np.isfinite(c).all()) and err <= tol
    for _ in range(warmup):
        np.matmul(a, b, out=c)
    samples = []
    start = time.perf_counter()
    while len(samples) < runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        samples.append(time.perf_counter() - t)
    med = statistics.median(samples)
    return {
        "size": n,
        "dtype": "f32",
        "status": "ok" if valid else "failed validation",
        "gflops": 2.0 * n ** 3 / med / 1e9 if valid else None,
        "median_s": med,
        "min_s": min(samples),
        "max_s": max(samples),
        "runs": len(samples),
        "samples_s": samples,
        "max_rel_err": err,
        "tolerance": tol,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="512,1024,2048")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-time", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    results = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        r = time_size(n, args.runs, args.warmup, args.min_time, rng)
        print(f"sgemm: {n}: {r['gflops'] or 0:.1f} GFLOP/s ({r['status']})", file=sys.stderr)
        results.append(r)
    out = {
        "library": f"numpy {np.__version__}",
        "device": "CPU: " + cpu_model(),
        "cpu_count": os.cpu_count(),
        "blas": blas_info(),
        "env": {k: os.environ[k] for k in sorted(os.environ)
                if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "GOTO"))},
        "results": results,
    }
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0 if all(r["status"] == "ok" for r in results) else 4


if __name__ == "__main__":
    sys.exit(main())
