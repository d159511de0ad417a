// LayerNorm of each row of C values: out = (x - mean) * rstd * weight + bias, with
// rstd = 1 / sqrt(var + 1e-5) and var the biased variance (llm.c, PyTorch). The mean and rstd
// are kept for the backward pass. One invocation per row: one workgroup of 8 per row, striding
// over it as crossentropy.wgsl does, was no faster on lavapipe (its loads are per lane either
// way, and the barriers cost).

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let row = (wg.y * groups.x + wg.x) * 64u + lidx;
    if (row >= p.n) {
        return;
    }
    let base = row * p.c;
    // One pass over the row for the mean and the variance, x read twice in all, not three
    // times: on a CPU adapter every read is a load per lane, and the loads, not the bytes, set
    // the time. The variance is taken from sums shifted by the row's first value, near the
    // mean: Σ(x - k)² / C - (Σ(x - k) / C)² keeps its precision when |mean| >> std, where
    // Σx² / C - mean² would not. The mean is the plain sum's, exact when it is near zero.
    let k = inp[base];
    var sum = 0.0;
    var shifted_sum = 0.0;
    var shifted_sq = 0.0;
    for (var i = 0u; i < p.c; i++) {
        let x = inp[base + i];
        let d = x - k;
        sum += x;
        shifted_sum += d;
        shifted_sq += d * d;
    }
    let m = sum / f32(p.c);
    let shifted_mean = shifted_sum / f32(p.c);
    let variance = max(shifted_sq / f32(p.c) - shifted_mean * shifted_mean, 0.0);
    let s = 1.0 / sqrt(variance + 1e-5);
    for (var i = 0u; i < p.c; i++) {
        out[base + i] = (inp[base + i] - m) * s * weight[i] + bias[i];
    }
    mean[row] = m;
    rstd[row] = s;
}
