// RMSNorm backward, the weight's gradient, added: dweight[i] += Σ_rows dout[row, i] * x̂[row, i].
// One invocation per channel (or per four, as one vec4, as layernorm_forward), so each owns its
// sum.

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read> inp: array<Column>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read_write> dweight: array<Column>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let i = (wg.y * groups.x + wg.x) * 64u + lidx;
    let columns = p.c / LANES;
    if (i >= columns) {
        return;
    }
    var acc = Column(0.0);
    for (var row = 0u; row < p.n; row++) {
        acc += dout[row * columns + i] * inp[row * columns + i] * rstd[row];
    }
    dweight[i] += acc;
}
