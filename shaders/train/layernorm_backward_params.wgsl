// LayerNorm's weight and bias gradients: dweight[i] += Σ_rows dout * n, dbias[i] += Σ_rows dout,
// with n = (x - mean) * rstd. One invocation per channel (or per four, as one vec4, as
// layernorm_forward) walks the rows, so no two invocations write one element and neighbours
// read neighbouring addresses.

struct Params {
    n: u32,
    c: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read> inp: array<Column>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read_write> dweight: array<Column>;
@group(0) @binding(5) var<storage, read_write> dbias: array<Column>;
@group(0) @binding(6) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let ch = (wg.y * groups.x + wg.x) * 64u + lidx;
    let columns = p.c / LANES;
    if (ch >= columns) {
        return;
    }
    var dw = Column(0.0);
    var db = Column(0.0);
    for (var row = 0u; row < p.n; row++) {
        let d = dout[row * columns + ch];
        dw += d * (inp[row * columns + ch] - mean[row]) * rstd[row];
        db += d;
    }
    dweight[ch] += dw;
    dbias[ch] += db;
}
