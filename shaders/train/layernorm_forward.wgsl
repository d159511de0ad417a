// LayerNorm of each row of C values: out = (x - mean) * rstd * weight + bias, with
// rstd = 1 / sqrt(var + 1e-5) and var the biased variance (llm.c, PyTorch). The mean and rstd
// are kept for the backward pass. One invocation per row; the variance is summed from
// (x - mean)², not from x² - mean², which loses precision when |mean| >> std.

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
    var sum = 0.0;
    for (var i = 0u; i < p.c; i++) {
        sum += inp[base + i];
    }
    let m = sum / f32(p.c);
    var sq = 0.0;
    for (var i = 0u; i < p.c; i++) {
        let d = inp[base + i] - m;
        sq += d * d;
    }
    let s = 1.0 / sqrt(sq / f32(p.c) + 1e-5);
    for (var i = 0u; i < p.c; i++) {
        out[base + i] = (inp[base + i] - m) * s * weight[i] + bias[i];
    }
    mean[row] = m;
    rstd[row] = s;
}
