// LayerNorm's gradient with respect to its input, added to dinp (the residual stream's
// gradient, which flows through every block): with n = (x - mean) * rstd and g = weight * dout,
//   dinp += (g - mean(g) - n * mean(g * n)) * rstd.
// One invocation per row. The weight and bias gradients sum over rows: layernorm_backward_params.

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
    let m = mean[row];
    let s = rstd[row];
    var g_mean = 0.0;
    var gn_mean = 0.0;
    for (var i = 0u; i < p.c; i++) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        g_mean += g;
        gn_mean += g * norm;
    }
    g_mean /= f32(p.c);
    gn_mean /= f32(p.c);
    for (var i = 0u; i < p.c; i++) {
        let norm = (inp[base + i] - m) * s;
        let g = weight[i] * dout[base + i];
        dinp[base + i] += (g - g_mean - norm * gn_mean) * s;
    }
}
