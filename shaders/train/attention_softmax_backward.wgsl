// The softmax's backward for the materialized attention, in place over dP = dO·Vᵀ (the
// product kernel's output): for each causal row i,
//   dS[i, j] = att[i, j] · (dP[i, j] - Σ_{j' <= i} att[i, j'] · dP[i, j']) · scale    (j <= i)
// already multiplied by the score scale 1/sqrt(hs), which the query and key gradients both
// need. Entries above the diagonal are written 0, so the products that read dS as a causal
// matrix need no mask. One invocation per row.

struct Params {
    // Rows in this dispatch (sequences · heads · T).
    rows: u32,
    t: u32,
    scale: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> att: array<f32>;
@group(0) @binding(1) var<storage, read_write> dpreatt: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let index = (wg.y * groups.x + wg.x) * 64u + lidx;
    if (index >= p.rows) {
        return;
    }
    let i = index % p.t;
    let row = index * p.t;
    var weighted = 0.0;
    for (var j = 0u; j <= i; j++) {
        weighted += att[row + j] * dpreatt[row + j];
    }
    for (var j = 0u; j <= i; j++) {
        dpreatt[row + j] = att[row + j] * (dpreatt[row + j] - weighted) * p.scale;
    }
    for (var j = i + 1u; j < p.t; j++) {
        dpreatt[row + j] = 0.0;
    }
}
