#!/usr/bin/env bash
# flopcost beside two references, on this machine, in one run (see BENCHMARKS.md):
#   1. builds flopcost (release) and the peer, bench/peer-burn (burn's wgpu backend);
#   2. makes bench/.venv with numpy (OpenBLAS) from PyPI, once;
#   3. flopcost: tune at 512 and 1024 (fresh cache under $OUT_DIR), bench every kernel at
#      512 and 1024 on the cached winners (--tune-budget 0); at 2048 only the two fastest f32
#      families of the 1024 tuning, each forced to its 1024 winner (`--kernel FAMILY:k=v,...`),
#      3 timed runs (2048³ costs seconds a run on a software adapter);
#   4. numpy float32 matmul at the same sizes, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for
#      that command alone;
#   5. burn's matmul at each size on the same adapter (Vulkan), after its autotune warm-up;
#   6. prints one table (bench/table.py) and keeps every raw JSON and log in $OUT_DIR.
#
# Usage: bash bench/compare.sh            (OUT_DIR=bench/out by default)
# Knobs (environment): OUT_DIR, SIZES (default 512,1024,2048), TUNE_SIZES (512,1024),
#   TUNE_BUDGET (seconds per tuned size, 90), LARGE (sizes timed with 3 runs and only the
#   two best tuned f32 families, 2048), STEP_TIMEOUT (seconds per step, 900).
# Exit status: 0 when every step ran and validated, 1 otherwise (the table still prints).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT_DIR=${OUT_DIR:-bench/out}
SIZES=${SIZES:-512,1024,2048}
TUNE_SIZES=${TUNE_SIZES:-512,1024}
TUNE_BUDGET=${TUNE_BUDGET:-90}
LARGE=${LARGE:-2048}
STEP_TIMEOUT=${STEP_TIMEOUT:-900}

mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
LOG="$OUT_DIR/compare.log"
: >"$LOG"
# The same adapter for flopcost and burn: Vulkan (lavapipe where there is no GPU).
export WGPU_BACKEND=${WGPU_BACKEND:-vulkan}
# A tuning cache of this run's own, so `tune` really tunes and nothing stale is reused.
export FLOPCOST_CACHE_DIR="$OUT_DIR/tune-cache"
rm -rf "$FLOPCOST_CACHE_DIR"
unset FLOPCOST_TUNE_BUDGET

START=$(date +%s)
# Other users' load skews every column alike (2 cores here): the table reports it.
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=()
say() { printf '[compare %4ss] %s\n' "$(($(date +%s) - START))" "$*" | tee -a "$LOG" >&2; }
# step NAME CMD...: runs CMD under a timeout, stderr to the log; a failure is recorded, not fatal.
step() {
  local name=$1
  shift
  say "$name: $*"
  local rc=0
  timeout "$STEP_TIMEOUT" "$@" 2>>"$LOG" || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "$name FAILED (exit $rc)"
    FAILED+=("$name (exit $rc)")
  fi
  return 0
}
is_large() { case ",$LARGE," in *",$1,"*) return 0 ;; esac; return 1; }

# 1. Builds (one after the other: never two cargo builds at once).
say "building flopcost (release)"
cargo build --release --locked 2>&1 | tail -n 3 >&2
BIN="$ROOT/target/release/flopcost"
say "building the peer, bench/peer-burn (a cold build takes 10+ minutes on 2 cores)"
(cd bench/peer-burn && cargo build --release --locked 2>&1 | tail -n 3 >&2)
PEER="$ROOT/bench/peer-burn/target/release/peer-burn"

# 2. Python with numpy for the CPU reference.
VENV="$ROOT/bench/.venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import numpy, threadpoolctl' 2>/dev/null; then
  say "making $VENV (numpy, threadpoolctl from PyPI)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
fi

step devices "$BIN" devices --json >"$OUT_DIR/devices.json"

# 3. flopcost: tune, then bench on the cached winners.
for n in ${TUNE_SIZES//,/ }; do
  step "tune-$n" "$BIN" tune --size "$n" --budget "$TUNE_BUDGET" --force --json >"$OUT_DIR/flopcost-tune-$n.json"
done
for n in ${SIZES//,/ }; do
  if is_large "$n"; then
    # The two fastest f32 families at the largest tuned size, forced to their winners there.
    src=$(echo "${TUNE_SIZES//,/ }" | tr ' ' '\n' | sort -n | tail -n 1)
    mapfile -t specs < <(python3 - "$OUT_DIR/flopcost-tune-$src.json" <<'PY'
import json, sys
try:
    fams = json.load(open(sys.argv[1]))["families"]
except Exception:
    sys.exit(0)
# `--kernel FAMILY:k=v` takes integer values only (naive's "16x16" workgroup cannot be forced).
ok = [f for f in fams if f["dtype"] == "f32" and f.get("gflops") and f.get("config")
      and all(isinstance(v, int) for v in f["config"].values())]
for f in sorted(ok, key=lambda f: -f["gflops"])[:2]:
    print(f["family"] + ":" + ",".join(f"{k}={v}" for k, v in f["config"].items()))
PY
)
    if [ "${#specs[@]}" -eq 0 ]; then
      say "no tuned f32 family at $src: benching every kernel's default at $n"
      specs=("")
    fi
    parts=()
    for i in "${!specs[@]}"; do
      kern=()
      [ -n "${specs[$i]}" ] && kern=(--kernel "${specs[$i]}")
      step "bench-$n-$i" "$BIN" bench --size "$n" "${kern[@]}" --runs 3 --min-time 0 --tune-budget 0 --json >"$OUT_DIR/flopcost-bench-$n-part$i.json"
      parts+=("$OUT_DIR/flopcost-bench-$n-part$i.json")
    done
    # One document per size, as for the other sizes: the parts' results side by side.
    python3 - "$OUT_DIR/flopcost-bench-$n.json" "${parts[@]}" <<'PY'
import json, sys
merged = None
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except Exception:
        continue
    if merged is None:
        merged = doc
    else:
        merged["results"] += doc["results"]
if merged is not None:
    json.dump(merged, open(sys.argv[1], "w"), indent=2)
PY
  else
    step "bench-$n" "$BIN" bench --size "$n" --tune-budget 0 --json >"$OUT_DIR/flopcost-bench-$n.json"
  fi
done

# 4. numpy SGEMM on the CPU. OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (set on some machines for old
# OpenBLAS builds) slow a current one down: unset for this command only; sgemm.json names the
# kernel OpenBLAS then picked.
step sgemm env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" bench/sgemm.py --sizes "$SIZES" --runs 5 --min-time 1 >"$OUT_DIR/sgemm.json"

# 5. The peer, one process per size (burn autotunes on the first calls at each shape).
for n in ${SIZES//,/ }; do
  if is_large "$n"; then runs=(--runs 3 --min-time 0); else runs=(--runs 5 --min-time 1); fi
  step "burn-$n" "$PEER" --size "$n" --warmup 5 "${runs[@]}" >"$OUT_DIR/peer-$n.json"
done

# 6. The table.
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src shaders Cargo.toml Cargo.lock || commit="$commit (+ uncommitted changes)"
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
python3 bench/table.py "$OUT_DIR" "$SIZES" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --commit "$commit" \
  --note "Machine: $cpu, $(nproc) cores; load average (1, 5, 15 min) at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg); run took $(($(date +%s) - START)) s" \
  | tee "$OUT_DIR/table.md"
say "done in $(($(date +%s) - START)) s; raw JSON and logs in $OUT_DIR"
if [ "${#FAILED[@]}" -gt 0 ]; then
  say "failed steps: ${FAILED[*]}"
  exit 1
fi
