#!/usr/bin/env bash
# flopcost's training step beside burn's, the same GPT-2 on the same adapter, in one run:
#   1. builds flopcost (release) and the peer, bench/peer-burn-train (burn, Autodiff<Wgpu>);
#   2. for each configuration, `tiny` (flopcost's preset) then the mid-sized one (flags), runs
#      flopcost train and the peer alternately, REPEATS pairs (A B A B: other users' load on a
#      shared machine then falls on both sides alike);
#   3. prints one table: tokens/s of each, their ratio, each loss at the first and last step,
#      and keeps every raw JSON and log in $OUT_DIR.
# Both train on byte-level tokens of the shipped corpus (flopcost embeds it; the peer reads the
# same texts joined as flopcost joins them, and walks them batch by batch as flopcost does),
# from seed 1234 with AdamW at LR, WARMUP untimed steps then STEPS timed ones.
#
# Usage: bash bench/train-compare.sh        (OUT_DIR=bench/out/train by default)
# Knobs (environment): OUT_DIR, STEPS (10), WARMUP (3), REPEATS (2), LR (1e-3), MID_FLAGS (the
#   mid-sized configuration), CORPUS (the texts, in flopcost's order: src/train/data.rs),
#   FLOPCOST_EXTRA (more flags for flopcost train, e.g. --no-matmul-reference), STEP_TIMEOUT
#   (seconds per run, 1800), CONFIGS (which of `tiny mid` to run; both by default).
#   burn autotunes its kernels in its first (untimed) step at burn's
#   default effort; on lavapipe that step alone took ~10 minutes for tiny on 2 busy cores.
#   CUBECL_AUTOTUNE_LEVEL=minimal in the environment shortens it (the peer's JSON says which).
# Exit status: 0 when every run finished, 1 otherwise (the table still prints).
set -euo pipefail

# Where flopcost's `train --json` keeps its figures: the first of these keys found anywhere in
# the document is read (the report's field names were not fixed when this was written).
FLOPCOST_TPS_KEYS=${FLOPCOST_TPS_KEYS:-tokens_per_s,tokens_per_second}
# The loss curve: a list of numbers under one of these keys, or a list of objects each with one
# of FLOPCOST_LOSS_ITEM_KEYS (the train report's `steps: [{step, phase, loss, seconds}]`).
FLOPCOST_LOSS_KEYS=${FLOPCOST_LOSS_KEYS:-steps,losses}
FLOPCOST_LOSS_ITEM_KEYS=${FLOPCOST_LOSS_ITEM_KEYS:-loss}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT_DIR=${OUT_DIR:-bench/out/train}
STEPS=${STEPS:-10}
WARMUP=${WARMUP:-3}
REPEATS=${REPEATS:-2}
LR=${LR:-1e-3}
CORPUS=${CORPUS:-data/train/declaration.txt data/train/constitution.txt}
MID_FLAGS=${MID_FLAGS:---vocab 256 --ctx 256 --width 384 --layers 4 --heads 6 --batch 4}
FLOPCOST_EXTRA=${FLOPCOST_EXTRA:-}
STEP_TIMEOUT=${STEP_TIMEOUT:-1800}
export CONFIGS=${CONFIGS:-tiny mid}

mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
LOG="$OUT_DIR/train-compare.log"
: >"$LOG"
# The same adapter for both: Vulkan (lavapipe where there is no GPU).
export WGPU_BACKEND=${WGPU_BACKEND:-vulkan}

START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
FAILED=()
say() { printf '[train-compare %4ss] %s\n' "$(($(date +%s) - START))" "$*" | tee -a "$LOG" >&2; }
# run NAME OUTFILE CMD...: CMD under a timeout, stdout to OUTFILE, stderr to the log; a failure
# is recorded, not fatal.
run() {
  local name=$1 out=$2
  shift 2
  say "$name: $*"
  local rc=0
  timeout "$STEP_TIMEOUT" "$@" >"$out" 2>>"$LOG" || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "$name FAILED (exit $rc)"
    FAILED+=("$name (exit $rc)")
  fi
  return 0
}

# 1. Builds (one after the other: never two cargo builds at once).
say "building flopcost (release)"
cargo build --release --locked 2>&1 | tail -n 3 >&2
BIN="$ROOT/target/release/flopcost"
say "building the peer, bench/peer-burn-train (a cold build takes 10+ minutes on 2 cores)"
(cd bench/peer-burn-train && cargo build --release --locked 2>&1 | tail -n 3 >&2)
PEER="$ROOT/bench/peer-burn-train/target/release/peer-burn-train"

# The peer's text: the texts flopcost embeds, joined by a newline as flopcost joins them.
TEXT_ARGS=()
read -r -a corpus <<<"$CORPUS"
if ls "${corpus[@]}" >/dev/null 2>&1; then
  python3 - "$OUT_DIR/corpus.txt" "${corpus[@]}" <<'PY'
import sys
texts = [open(p, "rb").read() for p in sys.argv[2:]]
open(sys.argv[1], "wb").write(b"\n".join(texts))
PY
  TEXT_ARGS=(--text "$OUT_DIR/corpus.txt")
else
  say "no corpus ($CORPUS) here: the peer trains on random tokens"
fi

# 2. The pairs, A B A B per configuration.
read -r -a mid <<<"$MID_FLAGS"
read -r -a extra <<<"$FLOPCOST_EXTRA"
COMMON=(--steps "$STEPS" --warmup "$WARMUP" --lr "$LR" --seed 1234)
for cfg in $CONFIGS; do
  if [ "$cfg" = tiny ]; then dims=(--preset tiny); else dims=("${mid[@]}"); fi
  for rep in $(seq 1 "$REPEATS"); do
    run "flopcost-$cfg-$rep" "$OUT_DIR/flopcost-$cfg-$rep.json" "$BIN" train "${dims[@]}" "${COMMON[@]}" "${extra[@]}" --json
    run "burn-$cfg-$rep" "$OUT_DIR/burn-$cfg-$rep.json" "$PEER" "${dims[@]}" "${COMMON[@]}" "${TEXT_ARGS[@]}"
  done
done

# 3. The table.
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src shaders Cargo.toml Cargo.lock bench/peer-burn-train || commit="$commit (+ uncommitted changes)"
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
FLOPCOST_TPS_KEYS=$FLOPCOST_TPS_KEYS FLOPCOST_LOSS_KEYS=$FLOPCOST_LOSS_KEYS \
  FLOPCOST_LOSS_ITEM_KEYS=$FLOPCOST_LOSS_ITEM_KEYS \
  python3 - "$OUT_DIR" "$REPEATS" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit" \
  "Machine: $cpu, $(nproc) cores; load average (1, 5, 15 min) at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg); run took $(($(date +%s) - START)) s; $WARMUP warm-up + $STEPS timed steps per run" \
  <<'PY' | tee "$OUT_DIR/table.md"
import json, os, statistics, sys

out_dir, repeats, date, commit, note = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
keys = lambda name: [k for k in os.environ[name].split(",") if k]

def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except Exception:
        return None

def find(doc, names, ok=lambda v: True):
    """The first value under one of `names` (in that order of preference) that passes `ok`,
    searched breadth first through `doc`."""
    for name in names:
        queue = [doc]
        while queue:
            node = queue.pop(0)
            if isinstance(node, dict):
                if name in node and ok(node[name]):
                    return node[name]
                queue.extend(node.values())
            elif isinstance(node, list):
                queue.extend(x for x in node if isinstance(x, (dict, list)))
    return None

def losses(doc, list_keys, item_keys):
    # Only a list will do: a "steps" key may also hold a count.
    seq = find(doc, list_keys, lambda v: isinstance(v, list)) or []
    out = []
    for x in seq:
        if isinstance(x, (int, float)):
            out.append(float(x))
        elif isinstance(x, dict):
            v = next((x[k] for k in item_keys if isinstance(x.get(k), (int, float))), None)
            if v is not None:
                out.append(float(v))
    return out

def figures(doc, tps_keys, list_keys, item_keys):
    if doc is None:
        return None, [], None
    tps = find(doc, tps_keys, lambda v: isinstance(v, (int, float)))
    adapter = find(doc, ["adapter"])
    if isinstance(adapter, dict):
        adapter = adapter.get("name")
    return (float(tps) if tps is not None else None), losses(doc, list_keys, item_keys), adapter

def curve(ls):
    return f"{ls[0]:.3f} → {ls[-1]:.3f}" if ls else "n/a"

def num(x):
    return f"{x:,.0f}" if x is not None else "failed"

rows, adapters = [], set()
for cfg in os.environ.get("CONFIGS", "tiny mid").split():
    ratios = []
    for rep in range(1, repeats + 1):
        a_tps, a_l, a_ad = figures(load(f"{out_dir}/flopcost-{cfg}-{rep}.json"),
                                   keys("FLOPCOST_TPS_KEYS"), keys("FLOPCOST_LOSS_KEYS"),
                                   keys("FLOPCOST_LOSS_ITEM_KEYS"))
        b_doc = load(f"{out_dir}/burn-{cfg}-{rep}.json")
        b_tps, b_l, b_ad = figures(b_doc, ["tokens_per_second"], ["losses"], [])
        adapters.update(x for x in (a_ad, b_ad) if isinstance(x, str))
        ratio = a_tps / b_tps if a_tps and b_tps else None
        if ratio:
            ratios.append(ratio)
        dims = ""
        if b_doc and isinstance(b_doc.get("config"), dict):
            c = b_doc["config"]
            dims = f" (V{c['vocab']} T{c['ctx']} C{c['width']} L{c['layers']} H{c['heads']} B{c['batch']})"
        rows.append(f"| {cfg}{dims} | {rep} | {num(a_tps)} | {num(b_tps)} | "
                    f"{f'{ratio:.2f}×' if ratio else 'n/a'} | {curve(a_l)} | {curve(b_l)} |")
    if ratios:
        rows.append(f"| {cfg} | median | | | **{statistics.median(ratios):.2f}×** | | |")

print(f"### Training step: flopcost vs burn ({date}, commit {commit})\n")
print(f"Adapter: {', '.join(sorted(adapters)) or 'unknown'} (WGPU_BACKEND={os.environ.get('WGPU_BACKEND', '')}); "
      "f32; tokens/s = B·T / median wall-clock step time over the timed steps.\n")
print("| config | run | flopcost tokens/s | burn tokens/s | flopcost / burn | flopcost loss first → last | burn loss first → last |")
print("|---|---|---:|---:|---:|---|---|")
print("\n".join(rows))
print(f"\n{note}.")
PY
say "done in $(($(date +%s) - START)) s; raw JSON and logs in $OUT_DIR"
if [ "${#FAILED[@]}" -gt 0 ]; then
  say "failed runs: ${FAILED[*]}"
  exit 1
fi
