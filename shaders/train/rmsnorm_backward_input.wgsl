// RMSNorm backward, the input's gradient, added into dinp (the residual stream's one gradient
// buffer, as layernorm_backward_input does):
//   dinp += rstd * (dout ⊙ w - x̂ · mean(dout ⊙ w ⊙ x̂)),  x̂ = x * rstd.
// One invocation per row, reading it one value at a time or four as one vec4, as
// layernorm_forward.

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read> inp: array<Column>;
@group(0) @binding(2) var<storage, read> weight: array<Column>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dinp: array<Column>;
@group(0) @binding(5) var<uniform> p: Params;

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
    let r = rstd[row];
    var dot = Column(0.0);
    for (var i = 0u; i < columns; i++) {
        dot += dout[base + i] * weight[i] * inp[base + i] * r;
    }
    let mean_dot = total(dot) / f32(p.c);
    for (var i = 0u; i < columns; i++) {
        let norm = inp[base + i] * r;
        dinp[base + i] += r * (dout[base + i] * weight[i] - norm * mean_dot);
    }
}
