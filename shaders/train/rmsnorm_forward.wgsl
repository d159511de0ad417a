// RMSNorm of each row of C values (Llama): out = x * rstd * weight, rstd = 1 / sqrt(mean(x²) +
// eps), no mean subtracted and no bias. rstd is kept for the backward pass. One workgroup of 8
// invocations per row, striding over it with one barrier, as layernorm_forward.wgsl (which says
// why).

struct Params {
    n: u32,
    c: u32,
    eps: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG: u32 = 8u;
var<workgroup> partial_sq: array<f32, WG>;

@compute @workgroup_size(8)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    // Every invocation of a workgroup takes the same path: the barrier needs uniform control.
    let row = wg.y * groups.x + wg.x;
    if (row >= p.n) {
        return;
    }
    let base = row * p.c;
    var sq = 0.0;
    for (var i = lidx; i < p.c; i += WG) {
        let x = inp[base + i];
        sq += x * x;
    }
    partial_sq[lidx] = sq;
    workgroupBarrier();
    sq = 0.0;
    for (var k = 0u; k < WG; k++) {
        sq += partial_sq[k];
    }
    let s = 1.0 / sqrt(sq / f32(p.c) + p.eps);
    for (var i = lidx; i < p.c; i += WG) {
        out[base + i] = inp[base + i] * s * weight[i];
    }
    if (lidx == 0u) {
        rstd[row] = s;
    }
}
