// RMSNorm of each row of C values (Llama): out = x * rstd * weight, rstd = 1 / sqrt(mean(x²) +
// eps), no mean subtracted and no bias. rstd is kept for the backward pass. One invocation per
// row, reading it one value at a time or four as one vec4, as layernorm_forward.

struct Params {
    n: u32,
    c: u32,
    eps: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<Column>;
@group(0) @binding(1) var<storage, read> weight: array<Column>;
@group(0) @binding(2) var<storage, read_write> out: array<Column>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

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
    var sq = Column(0.0);
    for (var i = 0u; i < columns; i++) {
        let x = inp[base + i];
        sq += x * x;
    }
    let s = 1.0 / sqrt(total(sq) / f32(p.c) + p.eps);
    for (var i = 0u; i < columns; i++) {
        out[base + i] = inp[base + i] * s * weight[i];
    }
    rstd[row] = s;
}
