// LayerNorm's gradient with respect to its input, added to dinp (the residual stream's
// gradient, which flows through every block): with n = (x - mean) * rstd and g = weight * dout,
//   dinp += (g - mean(g) - n * mean(g * n)) * rstd.
// One invocation per row, reading it one value or four (as one vec4) at a time, as
// layernorm_forward.wgsl (which says why; `Column`, LANES and `total` are prepended). The
// weight and bias gradients sum over rows: layernorm_backward_params.

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read> inp: array<Column>;
@group(0) @binding(2) var<storage, read> weight: array<Column>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dinp: array<Column>;
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
    let m = mean[row];
    let s = rstd[row];
    var g_sum = Column(0.0);
    var gn_sum = Column(0.0);
    for (var i = 0u; i < columns; i++) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        g_sum += g;
        gn_sum += g * norm;
    }
    let g_mean = total(g_sum) / f32(p.c);
    let gn_mean = total(gn_sum) / f32(p.c);
    for (var i = 0u; i < columns; i++) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        dinp[base + i] += (g - g_mean - norm * gn_mean) * s;
    }
}
