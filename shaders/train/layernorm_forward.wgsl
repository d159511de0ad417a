// LayerNorm of each row of C values: out = (x - mean) * rstd * weight + bias, with
// rstd = 1 / sqrt(var + 1e-5) and var the biased variance (llm.c, PyTorch). The mean and rstd
// are kept for the backward pass. The variance is summed from (x - mean)², not from
// x² - mean², which loses precision when |mean| >> std.
//
// One workgroup of 8 invocations per row, each striding over the row (c = lane, lane + 8, ...)
// so that the 8 lanes read consecutive addresses, as crossentropy.wgsl: on a CPU adapter
// (lavapipe) one invocation per row made the lanes of a SIMD vector gather values C floats
// apart. Each sum takes one barrier, its partials then summed by every invocation in the same
// order, so every invocation holds the same mean and rstd.

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

const WG: u32 = 8u;
var<workgroup> partial_sum: array<f32, WG>;
var<workgroup> partial_sq: array<f32, WG>;

@compute @workgroup_size(8)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    // Every invocation of a workgroup takes the same path: the barriers need uniform control.
    let row = wg.y * groups.x + wg.x;
    if (row >= p.n) {
        return;
    }
    let base = row * p.c;
    var sum = 0.0;
    for (var i = lidx; i < p.c; i += WG) {
        sum += inp[base + i];
    }
    partial_sum[lidx] = sum;
    workgroupBarrier();
    sum = 0.0;
    for (var k = 0u; k < WG; k++) {
        sum += partial_sum[k];
    }
    let m = sum / f32(p.c);
    var sq = 0.0;
    for (var i = lidx; i < p.c; i += WG) {
        let d = inp[base + i] - m;
        sq += d * d;
    }
    partial_sq[lidx] = sq;
    workgroupBarrier();
    sq = 0.0;
    for (var k = 0u; k < WG; k++) {
        sq += partial_sq[k];
    }
    let s = 1.0 / sqrt(sq / f32(p.c) + 1e-5);
    for (var i = lidx; i < p.c; i += WG) {
        out[base + i] = (inp[base + i] - m) * s * weight[i] + bias[i];
    }
    if (lidx == 0u) {
        mean[row] = m;
        rstd[row] = s;
    }
}
