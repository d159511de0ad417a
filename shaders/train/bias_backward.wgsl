// A linear layer's bias gradient: dbias[o] += Σ_rows dout[row, o]. One invocation per output
// column (or per four, as one vec4, where the width allows: `Column` and LANES are prepended by
// the registry); neighbours read neighbouring addresses of each row.

struct Params {
    n: u32,
    oc: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read_write> dbias: array<Column>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let o = (wg.y * groups.x + wg.x) * 64u + lidx;
    let columns = p.oc / LANES;
    if (o >= columns) {
        return;
    }
    var sum = Column(0.0);
    for (var row = 0u; row < p.n; row++) {
        sum += dout[row * columns + o];
    }
    dbias[o] += sum;
}
