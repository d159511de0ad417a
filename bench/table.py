#!/usr/bin/env python3
"""Formats bench/compare.sh's raw JSONs as one Markdown table (standard library only).

    python3 bench/table.py OUT_DIR 512,1024,2048 [--date D] [--commit C]

Reads, for each size N, OUT_DIR/flopcost-bench-N.json (flopcost bench --json),
OUT_DIR/peer-N.json (bench/peer-burn) and OUT_DIR/sgemm.json (bench/sgemm.py), and prints a
header and the table on stdout. A missing or failed figure shows as "-" with the reason below.
"""

import argparse
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, f"{os.path.basename(path)} missing"
    except (OSError, ValueError) as e:
        return None, f"{os.path.basename(path)} unreadable ({e})"


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def best(results, dtype):
    """The passed result of this dtype with the highest GFLOP/s."""
    ok = [r for r in results if r.get("dtype") == dtype and r.get("status") == "passed"
          and r.get("gflops") is not None]
    return max(ok, key=lambda r: r["gflops"]) if ok else None


def label(r):
    cfg = ",".join(f"{k}={v}" for k, v in (r.get("config") or {}).items())
    name = r["kernel"]
    if cfg and cfg not in name:
        name = f"{name} ({cfg})"
    return name


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out_dir")
    p.add_argument("sizes")
    p.add_argument("--date", default="")
    p.add_argument("--commit", default="")
    p.add_argument("--note", action="append", default=[], help="a header line (repeatable)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    notes = []

    sgemm, why = load(os.path.join(args.out_dir, "sgemm.json"))
    if why:
        notes.append(f"numpy: {why}")
    sgemm_by_size = {r["size"]: r for r in (sgemm or {}).get("results", [])}

    rows, f16_rows, adapter, software, peer_lib, peer_adapter = [], [], None, None, None, None
    for n in sizes:
        fc, why = load(os.path.join(args.out_dir, f"flopcost-bench-{n}.json"))
        if why:
            notes.append(f"flopcost {n}: {why}")
        results = (fc or {}).get("results", [])
        if fc:
            adapter = adapter or fc.get("adapter")
            software = fc.get("software_adapter") if software is None else software
            for r in results:
                if r.get("status") != "passed":
                    notes.append(f"flopcost {n}: {r.get('kernel')} ({r.get('dtype')}) "
                                 f"{r.get('status')}: {r.get('error') or ''}".rstrip(": "))
        f32 = best(results, "f32")
        f16 = best(results, "f16")
        if f16:
            acc = f16.get("accumulator", "f32")
            f16_rows.append((n, label(f16), f"f16 ({acc} accumulate)" if acc != "f16" else "f16",
                             f16["gflops"], f32["gflops"] if f32 else None))

        peer, why = load(os.path.join(args.out_dir, f"peer-{n}.json"))
        if why:
            notes.append(f"burn {n}: {why}")
        peer_g = None
        if peer:
            peer_lib = peer_lib or peer.get("library")
            peer_adapter = peer_adapter or peer.get("adapter", {}).get("name")
            if peer.get("status") == "ok":
                peer_g = peer.get("gflops")
            else:
                notes.append(f"burn {n}: {peer.get('status')}")

        s = sgemm_by_size.get(n)
        blas_g = s.get("gflops") if s and s.get("status") == "ok" else None
        if s and s.get("status") != "ok":
            notes.append(f"numpy {n}: {s.get('status')}")

        fg = f32["gflops"] if f32 else None
        rows.append([str(n), label(f32) if f32 else "-", fmt(fg), fmt(peer_g),
                     fmt(ratio(fg, peer_g)), fmt(blas_g), fmt(ratio(fg, blas_g))])

    out = []
    if adapter:
        out.append(f"Adapter: {adapter.get('name')} ({adapter.get('backend')}, "
                   f"{adapter.get('device_type')}, driver {adapter.get('driver')} "
                   f"{adapter.get('driver_info')})")
    if software:
        out.append("flopcost and burn figures: software adapter on the CPU: not a GPU figure.")
    if peer_adapter and adapter and peer_adapter != adapter.get("name"):
        notes.append(f"burn ran on '{peer_adapter}', flopcost on '{adapter.get('name')}'")
    if sgemm:
        blas = "; ".join(f"{b.get('internal_api')} {b.get('version')} kernel {b.get('architecture')}, "
                         f"{b.get('num_threads')} threads" for b in sgemm.get("blas", [])) or "unknown BLAS"
        out.append(f"numpy: {sgemm.get('library')} with {blas}, on {sgemm.get('device')}")
    if peer_lib:
        out.append(f"Peer: {peer_lib}")
    if args.date or args.commit:
        out.append(f"Date: {args.date}   flopcost commit: {args.commit}")
    out.extend(args.note)
    out.append("")
    head = ["size", "flopcost best f32 kernel", "flopcost GFLOP/s", "burn wgpu GFLOP/s",
            "flopcost / burn", "numpy OpenBLAS GFLOP/s (CPU)", "flopcost / OpenBLAS"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join("---:" if i != 1 else "---" for i in range(len(head))) + "|")
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    if f16_rows:
        out.append("")
        out.append("f16 kernels (flopcost only; not comparable with the f32 columns):")
        out.append("")
        out.append("| size | flopcost best f16 kernel | precision | GFLOP/s | vs best f32 |")
        out.append("|---:|---|---|---:|---:|")
        for n, name, prec, g, g32 in f16_rows:
            out.append(f"| {n} | {name} | {prec} | {fmt(g)} | {fmt(ratio(g, g32))} |")
    if notes:
        out.append("")
        out.append("Notes:")
        out.extend(f"- {x}" for x in notes)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
