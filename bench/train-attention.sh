#!/usr/bin/env bash
# The training step with the naive and with the fused (flash-style) attention, in one run: for
# each configuration, `tiny` then a mid-sized one, `flopcost train --attention naive` and
# `--attention fused` alternately, REPEATS pairs (A B A B: other load on a shared machine falls
# on both alike). Prints each run's median step time, tokens per second and attention class
# time, and keeps every JSON report in $OUT_DIR.
#
# Usage: bash bench/train-attention.sh   (after cargo build --release; OUT_DIR=bench/out/attention)
# Knobs (environment): OUT_DIR, REPEATS (2), FLOPCOST (the binary; target/release/flopcost),
#   TINY_FLAGS, MID_FLAGS (each configuration's flags, steps included), COMMON_FLAGS.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT_DIR=${OUT_DIR:-bench/out/attention}
REPEATS=${REPEATS:-2}
FLOPCOST=${FLOPCOST:-${CARGO_TARGET_DIR:-target}/release/flopcost}
TINY_FLAGS=${TINY_FLAGS:---preset tiny --steps 10 --warmup 2 --profile-steps 1}
MID_FLAGS=${MID_FLAGS:---preset tiny --ctx 256 --width 256 --layers 4 --heads 8 --steps 3 --warmup 1 --profile-steps 1}
# The products fixed, so that only the attention differs between A and B.
COMMON_FLAGS=${COMMON_FLAGS:---matmul texture --no-matmul-reference}
mkdir -p "$OUT_DIR"

summary() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
att = [c for c in r["breakdown"]["classes"] if c["class"] == "attention"][0]
print(f'step median {r["step_time"]["median_s"] * 1e3:9.1f} ms  '
      f'{r["tokens_per_s"]:8.1f} tokens/s  attention {att["median_s"] * 1e3:9.1f} ms a step '
      f'({att["share"] * 100:4.1f}%)  adapter {r["adapter"]["name"]}')
PY
}

for config in tiny mid; do
    flags=$TINY_FLAGS
    [ "$config" = mid ] && flags=$MID_FLAGS
    for repeat in $(seq 1 "$REPEATS"); do
        for attention in naive fused; do
            json="$OUT_DIR/$config-$attention-$repeat.json"
            # shellcheck disable=SC2086
            "$FLOPCOST" train $flags $COMMON_FLAGS --attention "$attention" --save "$json" \
                >"$OUT_DIR/$config-$attention-$repeat.log" 2>&1
            printf '%-5s %-6s #%s  %s\n' "$config" "$attention" "$repeat" "$(summary "$json")"
        done
    done
done
