#!/usr/bin/env bash
# flopcost's ceilings beside clpeak's and the CPU's physical limit, in one run (see BENCHMARKS.md).
# Made for a machine without a GPU, where flopcost runs on Mesa's lavapipe and clpeak on pocl:
# both then drive the same CPU cores, so their figures are comparable.
#   1. builds flopcost (release);
#   2. `flopcost peak --json` on a fresh cache of its own (the FMA layouts are screened anew;
#      its rates are from the fastest timed run, the median's printed beside);
#   3. clpeak's single-precision compute and global memory bandwidth tests;
#   4. a host memcpy over a buffer far larger than the caches (python3, no packages);
#   5. the physical FMA limit: cores x lanes x FMA units x 2 FLOP x clock, with the clock read
#      from cpufreq or /proc/cpuinfo and the lanes from lavapipe's "(N bits)";
#   6. prints one table and keeps the raw outputs in $OUT_DIR.
#
# Needs: clpeak and pocl-opencl-icd (apt-get install clpeak pocl-opencl-icd), python3.
# Usage: bash bench/peak-compare.sh          (OUT_DIR=bench/out/peak by default)
# Knobs (environment): OUT_DIR, BACKEND (vulkan), FMA_UNITS (FMA pipes per core, 2: no file
#   says this, so it is stated as an assumption), MEMCPY_MIB (buffer for the host copy, 512).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT_DIR=${OUT_DIR:-bench/out/peak}
BACKEND=${BACKEND:-vulkan}
FMA_UNITS=${FMA_UNITS:-2}
MEMCPY_MIB=${MEMCPY_MIB:-512}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
export FLOPCOST_CACHE_DIR="$OUT_DIR/cache"
rm -rf "$FLOPCOST_CACHE_DIR"

for tool in clpeak python3; do
  command -v "$tool" >/dev/null || { echo "peak-compare: $tool is missing (apt-get install clpeak pocl-opencl-icd python3)" >&2; exit 1; }
done

echo "[peak-compare] building flopcost (release)" >&2
cargo build --release --locked 2>&1 | tail -n 1 >&2
BIN="$ROOT/target/release/flopcost"

# Other users' load lowers every column alike; the table reports it before and after.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

echo "[peak-compare] flopcost --backend $BACKEND peak" >&2
"$BIN" --backend "$BACKEND" peak --json >"$OUT_DIR/flopcost-peak.json" 2>"$OUT_DIR/flopcost-peak.log"

echo "[peak-compare] clpeak --compute-sp --global-bandwidth" >&2
clpeak --compute-sp --global-bandwidth >"$OUT_DIR/clpeak.txt" 2>&1 || echo "[peak-compare] clpeak failed; see $OUT_DIR/clpeak.txt" >&2

echo "[peak-compare] host memcpy, $MEMCPY_MIB MiB" >&2
python3 - "$MEMCPY_MIB" >"$OUT_DIR/memcpy.txt" <<'EOF'
# bytearray slice assignment is one memmove of the whole buffer; best of five, read plus written.
import sys, time
size = int(sys.argv[1]) << 20
src = bytearray(b"\x01") * size
dst = bytearray(size)
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    dst[:] = src
    best = min(best, time.perf_counter() - t)
assert dst == src
print(f"{2 * size / best / 1e9:.2f}")
EOF

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# The clock: cpufreq's maximum where the kernel exposes it, else the highest "cpu MHz".
if [ -r /sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq ]; then
  CLOCK_MHZ=$(($(cat /sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq) / 1000))
  CLOCK_SOURCE="cpufreq cpuinfo_max_freq"
else
  CLOCK_MHZ=$(awk -F: '/^cpu MHz/ { if ($2 > m) m = $2 } END { printf "%d", m }' /proc/cpuinfo)
  CLOCK_SOURCE="/proc/cpuinfo cpu MHz"
fi
CORES=$(nproc)

python3 - "$OUT_DIR" "$CORES" "$FMA_UNITS" "$CLOCK_MHZ" "$CLOCK_SOURCE" "$LOAD_START" "$LOAD_END" <<'EOF'
import json, re, sys
out, cores, units, mhz, clock_source, load_start, load_end = sys.argv[1:]
cores, units, mhz = int(cores), int(units), float(mhz)
peak = json.load(open(f"{out}/flopcost-peak.json"))
adapter = peak["adapter"]
probes = {p["probe"]: p for p in peak["probes"]}

def value(name):
    p = probes.get(name, {})
    return p.get("value") if p.get("status") == "passed" else None

# lavapipe names its vector width: "llvmpipe (LLVM 15.0.6, 256 bits)".
bits = re.search(r"(\d+) bits", adapter["name"])
lanes = int(bits.group(1)) // 32 if bits else None
limit = cores * lanes * units * 2 * mhz / 1e3 if lanes else None

clpeak = open(f"{out}/clpeak.txt").read()
def clpeak_best(section):
    block = re.search(section + r".*?\n((?:\s+\w+\s*:\s*[\d.]+\n)+)", clpeak)
    if not block:
        return None, None
    rows = re.findall(r"(\w+)\s*:\s*([\d.]+)", block.group(1))
    width, best = max(rows, key=lambda r: float(r[1]))
    return float(best), width
cl_flops, cl_flops_width = clpeak_best(r"Single-precision compute \(GFLOPS\)")
cl_bw, cl_bw_width = clpeak_best(r"Global memory bandwidth \(GBPS\)")
memcpy = float(open(f"{out}/memcpy.txt").read().strip() or "nan")

def fmt(v, unit):
    return "-" if v is None else f"{v:.2f} {unit}"
fma = value("fma-f32")
rows = [
    ("flopcost fma-f32, fastest run (" + (probes.get("fma-f32", {}).get("config") and
        "{chains} vec4 chains x workgroup {workgroup}".format(**probes["fma-f32"]["config"]) or "-") + ")",
        fmt(fma, "GFLOP/s")),
    ("flopcost fma-f32, median run", fmt(probes.get("fma-f32", {}).get("median_value"), "GFLOP/s")),
    ("flopcost fma-f16", fmt(value("fma-f16"), "GFLOP/s")),
    (f"clpeak single precision, best width ({cl_flops_width})", fmt(cl_flops, "GFLOP/s")),
    (f"physical limit: {cores} cores x {lanes} lanes x {units} FMA units x 2 FLOP x {mhz:.0f} MHz",
        fmt(limit, "GFLOP/s")),
    ("flopcost copy (read + written)", fmt(value("copy"), "GB/s")),
    ("flopcost read-reduce (read)", fmt(value("read-reduce"), "GB/s")),
    (f"clpeak global memory bandwidth, best width ({cl_bw_width})", fmt(cl_bw, "GB/s")),
    ("host memcpy (read + written, best of 5)", fmt(memcpy, "GB/s")),
]
width = max(len(r[0]) for r in rows)
print(f"adapter: {adapter['name']} ({adapter['backend']}, {adapter['device_type']}); clock from {clock_source}")
for name, v in rows:
    print(f"{name:<{width}}  {v:>16}")
if fma and cl_flops:
    print(f"flopcost fma-f32 / clpeak best float: {fma / cl_flops:.2f}x")
if fma and limit:
    print(f"flopcost fma-f32 / physical limit: {100 * fma / limit:.1f}%")
print(f"load average (1, 5, 15 min): {load_start} at the start, {load_end} at the end")
EOF
