// LayerNorm's gradient with respect to its input, added to dinp (the residual stream's
// gradient, which flows through every block): with n = (x - mean) * rstd and g = weight * dout,
//   dinp += (g - mean(g) - n * mean(g * n)) * rstd.
// One workgroup of 8 invocations per row, striding over it with one barrier for both means, as
// layernorm_forward.wgsl (which says why). The weight and bias gradients sum over rows:
// layernorm_backward_params.

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dinp: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

const WG: u32 = 8u;
var<workgroup> partial: array<vec2<f32>, WG>;

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
    let m = mean[row];
    let s = rstd[row];
    // (sum of g, sum of g * n) over this invocation's share of the row.
    var sums = vec2<f32>(0.0, 0.0);
    for (var i = lidx; i < p.c; i += WG) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        sums += vec2<f32>(g, g * norm);
    }
    partial[lidx] = sums;
    workgroupBarrier();
    sums = vec2<f32>(0.0, 0.0);
    for (var k = 0u; k < WG; k++) {
        sums += partial[k];
    }
    let g_mean = sums.x / f32(p.c);
    let gn_mean = sums.y / f32(p.c);
    for (var i = lidx; i < p.c; i += WG) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        dinp[base + i] += (g - g_mean - norm * gn_mean) * s;
    }
}
