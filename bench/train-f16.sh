#!/usr/bin/env bash
# The training step's products at f16 against f32 on the texture path (and the f16 tiled path
# beside them), on one adapter: A B C A B C..., so a change in the machine's load falls on all.
#
#   FLOPCOST_BIN=./target/release/flopcost REPS=3 bash bench/train-f16.sh
#
# About 1.5 minutes a repetition on `tiny` and several on the mid-sized one on lavapipe.
#
# Configurations: `tiny` (V256 T128 C128 L2 H4 B4) and a mid-sized one (V256 T256 C384 L4 H6
# B4). Each run: 3 timed steps after 1 warm-up, naive attention (not measured, so both rows do
# the same work outside the products), no matmul reference. Prints one table row per run and
# the load average around the whole.
set -euo pipefail

BIN=${FLOPCOST_BIN:-./target/release/flopcost}
REPS=${REPS:-3}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
declare -A CONFIGS=(
  [tiny]="--preset tiny"
  [mid]="--preset tiny --vocab 256 --ctx 256 --width 384 --layers 4 --heads 6 --batch 4"
)
# The f16 tiled row on `tiny` only: on lavapipe it is ten times slower than the texture path,
# and mid-sized runs of it would take most of the script's time.
rows() { if [ "$1" = tiny ]; then echo "f32 texture,f16 texture,f16 tiled"; else echo "f32 texture,f16 texture"; fi; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores), $(date -u +%H:%M:%S) UTC"
for name in tiny mid; do
  for rep in $(seq "$REPS"); do
    IFS=, read -ra ROWS <<<"$(rows "$name")"
    for row in "${ROWS[@]}"; do
      read -r precision path <<<"$row"
      file="$OUT/$name-$precision-$path-$rep.json"
      # shellcheck disable=SC2086
      "$BIN" train ${CONFIGS[$name]} --precision "$precision" --matmul "$path" \
        --steps 3 --warmup 1 --attention naive --no-matmul-reference --json >"$file" 2>/dev/null
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S) UTC"

python3 - "$OUT" "$REPS" <<'PY'
import json, sys
out, reps = sys.argv[1], int(sys.argv[2])
print("| config | run | products | tokens/s (spread) | Y=X·W MFLOP/s | dX=dY·Wᵀ | dW=Xᵀ·dY |")
print("|---|---|---|---:|---:|---:|---:|")
for name in ("tiny", "mid"):
    for rep in range(1, reps + 1):
        for precision, path in (("f32", "texture"), ("f16", "texture"), ("f16", "tiled")):
            try:
                v = json.load(open(f"{out}/{name}-{precision}-{path}-{rep}.json"))
            except OSError:
                continue
            family = v["matmul_path"].split(" ")[0]
            rates = {p["product"]: p.get("gflops") for p in v["breakdown"]["products"]}
            shown = ["-" if rates.get(p) is None else f"{rates[p] * 1e3:,.0f}"
                     for p in ("Y=X·W", "dX=dY·Wᵀ", "dW=Xᵀ·dY")]
            spread = v["step_time"]["relative_spread"]
            print(f"| {name} | {rep} | {precision}, {family} | {v['tokens_per_s']:,.0f} "
                  f"(±{100 * spread:.0f}%) | {' | '.join(shown)} |")
adapter = v["adapter"]
print(f"\nadapter: {adapter['name']} ({adapter['backend']}, {adapter['device_type']})"
      + (": software adapter on the CPU, not a GPU figure" if v["software_adapter"] else ""))
print(f"timing: {v['step_time']['timing']}; products: {v['breakdown']['timing']}")
PY
