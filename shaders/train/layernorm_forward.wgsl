// LayerNorm of each row of C values: out = (x - mean) * rstd * weight + bias, with
// rstd = 1 / sqrt(var + 1e-5) and var the biased variance (llm.c, PyTorch). The mean and rstd
// are kept for the backward pass. One invocation per row, reading it one value or four (as one
// vec4, where C is a multiple of four) at a time: `Column`, LANES and `total` are prepended by
// the registry (kernels/columns.rs). On lavapipe (a CPU adapter) every read costs a load and a
// bounds check per lane, so the loads, not the bytes, set the time. One workgroup of 8 per row,
// striding over it as crossentropy.wgsl does, was no faster there (its barriers cost).

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<Column>;
@group(0) @binding(1) var<storage, read> weight: array<Column>;
@group(0) @binding(2) var<storage, read> bias: array<Column>;
@group(0) @binding(3) var<storage, read_write> out: array<Column>;
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
    let columns = p.c / LANES;
    let base = row * columns;
    // One pass over the row for the mean and the variance, x read twice in all, not three
    // times. The variance is taken from sums shifted by k, the row's first value(s), near the
    // mean: Σ(x - k)² / C - (Σ(x - k) / C)² keeps its precision when |mean| >> std, where
    // Σx² / C - mean² would not. The mean is the plain sum's, exact when it is near zero.
    let k = total(inp[base]) / f32(LANES);
    var sum = Column(0.0);
    var shifted_sum = Column(0.0);
    var shifted_sq = Column(0.0);
    for (var i = 0u; i < columns; i++) {
        let x = inp[base + i];
        let d = x - k;
        sum += x;
        shifted_sum += d;
        shifted_sq += d * d;
    }
    let m = total(sum) / f32(p.c);
    let shifted_mean = total(shifted_sum) / f32(p.c);
    let variance = max(total(shifted_sq) / f32(p.c) - shifted_mean * shifted_mean, 0.0);
    let s = 1.0 / sqrt(variance + 1e-5);
    for (var i = 0u; i < columns; i++) {
        out[base + i] = (inp[base + i] - m) * s * weight[i] + bias[i];
    }
    mean[row] = m;
    rstd[row] = s;
}
