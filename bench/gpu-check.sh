#!/usr/bin/env bash
# flopcost on a machine with a real GPU (made for an NVIDIA H200 in a sandbox with no network):
# uses an already-built release binary, installs nothing, and runs in a few minutes.
#
#   FLOPCOST_BIN=./target/release/flopcost OUT=gpu-out bash bench/gpu-check.sh
#
# Steps, each under `timeout`, each writing OUT/NAME.json (stdout) and OUT/NAME.log (stderr):
#   devices   devices --json
#   tune      tune --size 4096 --budget 60 --json
#   b4096     bench --size 4096 --json                       (every family and precision)
#   b8192     bench --size 8192 --runs 3 --json --tune-budget 0
#   peak      peak --json                                     (only if the binary has `peak`)
# A failed step is logged and the rest still run; the exit status is 1 if any failed.
set -uo pipefail

BIN=${FLOPCOST_BIN:-./target/release/flopcost}
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
# The tuning cache lives with the outputs: the sandbox's home may be read-only or absent.
export FLOPCOST_CACHE_DIR=${FLOPCOST_CACHE_DIR:-$OUT/tune-cache}
SUMMARY="$OUT/summary.log"
: >"$SUMMARY"
failed=0

run_step() { # run_step NAME TIMEOUT_S ARGS...
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS rc=0
  echo "== $name: $BIN $* (timeout ${limit}s)" | tee -a "$SUMMARY"
  timeout --kill-after=10 "$limit" "$BIN" "$@" >"$OUT/$name.json" 2>"$OUT/$name.log" || rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$SUMMARY"
  [ "$rc" -eq 0 ] || { failed=1; tail -n 5 "$OUT/$name.log" | sed 's/^/   /' | tee -a "$SUMMARY"; }
}

if [ ! -x "$BIN" ]; then
  echo "gpu-check: no executable flopcost at $BIN (set FLOPCOST_BIN)" | tee -a "$SUMMARY"
  exit 1
fi
{ date -u; uname -a; "$BIN" --version 2>&1; command -v nvidia-smi >/dev/null && nvidia-smi -L; } >>"$SUMMARY" 2>&1

run_step devices 60 devices --json
run_step tune 240 tune --size 4096 --budget 60 --json
run_step b4096 300 bench --size 4096 --json
run_step b8192 300 bench --size 8192 --runs 3 --json --tune-budget 0
if "$BIN" peak --help >/dev/null 2>&1; then
  run_step peak 180 peak --json
else
  echo "== peak: not in this binary, skipped" | tee -a "$SUMMARY"
fi

echo "gpu-check: outputs in $OUT/; $([ "$failed" -eq 0 ] && echo 'all steps passed' || echo 'SOME STEPS FAILED')" | tee -a "$SUMMARY"
exit "$failed"
