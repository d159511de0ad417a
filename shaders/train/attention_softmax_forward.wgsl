// The materialized attention's softmax, in place over the scores the product kernel wrote
// (already scaled): each causal row j <= i becomes its probabilities, the rest of the row 0, so
// `att` holds the (B, NH, T, T) probabilities, zero above the diagonal, as the backward reads
// them. One invocation per row (sequence, head, query); a row is T/hs times cheaper than its
// product, so its serial loop is not where the time goes.

struct Params {
    // Rows in this dispatch (sequences · heads · T).
    rows: u32,
    t: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> att: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

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
    var maxv = -3.402823e38;
    for (var j = 0u; j <= i; j++) {
        maxv = max(maxv, att[row + j]);
    }
    var sum = 0.0;
    for (var j = 0u; j <= i; j++) {
        let e = exp(att[row + j] - maxv);
        att[row + j] = e;
        sum += e;
    }
    let inv = 1.0 / sum;
    for (var j = 0u; j <= i; j++) {
        att[row + j] *= inv;
    }
    for (var j = i + 1u; j < p.t; j++) {
        att[row + j] = 0.0;
    }
}
