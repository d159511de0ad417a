// RMSNorm backward, the input's gradient, added into dinp (the residual stream's one gradient
// buffer, as layernorm_backward_input does):
//   dinp += rstd * (dout ⊙ w - x̂ · mean(dout ⊙ w ⊙ x̂)),  x̂ = x * rstd.
// One workgroup of 8 invocations per row, striding over it with one barrier, as
// layernorm_forward.wgsl (which says why).

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

const WG: u32 = 8u;
var<workgroup> partial_dot: array<f32, WG>;

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
    let r = rstd[row];
    var dot = 0.0;
    for (var i = lidx; i < p.c; i += WG) {
        dot += dout[base + i] * weight[i] * inp[base + i] * r;
    }
    partial_dot[lidx] = dot;
    workgroupBarrier();
    dot = 0.0;
    for (var k = 0u; k < WG; k++) {
        dot += partial_dot[k];
    }
    let mean_dot = dot / f32(p.c);
    for (var i = lidx; i < p.c; i += WG) {
        let norm = inp[base + i] * r;
        dinp[base + i] += r * (dout[base + i] * weight[i] - norm * mean_dot);
    }
}
