// Softmax, cross-entropy and their gradient, fused, for one chunk of rows of logits (V wide):
//   losses[row0 + r] = -log softmax(logits[r])[target] = log Σ exp(x - max) - (x_target - max)
//   logits[r, v]    <- (softmax(logits[r])[v] - [v == target]) * dloss
// The logits are replaced by their gradient in place: nothing else reads them. dloss is the
// mean loss's weight per position, 1 / (B * T). One workgroup per row, reducing in workgroup
// memory; rows of the chunk are rows row0.. of the batch (for the targets and losses).

struct Params {
    rows: u32,
    v: u32,
    row0: u32,
    dloss: f32,
}

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<u32>;
@group(0) @binding(2) var<storage, read_write> losses: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

fn reduce_max(lidx: u32, value: f32) -> f32 {
    partial[lidx] = value;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lidx < s) {
            partial[lidx] = max(partial[lidx], partial[lidx + s]);
        }
        workgroupBarrier();
    }
    let result = partial[0];
    workgroupBarrier();
    return result;
}

fn reduce_sum(lidx: u32, value: f32) -> f32 {
    partial[lidx] = value;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (lidx < s) {
            partial[lidx] += partial[lidx + s];
        }
        workgroupBarrier();
    }
    let result = partial[0];
    workgroupBarrier();
    return result;
}

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    // Every invocation of a workgroup takes the same path: the barriers need uniform control.
    let r = wg.y * groups.x + wg.x;
    if (r >= p.rows) {
        return;
    }
    let base = r * p.v;
    var m = -3.402823e38;
    for (var i = lidx; i < p.v; i += WG) {
        m = max(m, logits[base + i]);
    }
    m = reduce_max(lidx, m);
    var s = 0.0;
    for (var i = lidx; i < p.v; i += WG) {
        s += exp(logits[base + i] - m);
    }
    s = reduce_sum(lidx, s);
    let tgt = targets[p.row0 + r];
    if (lidx == 0u) {
        losses[p.row0 + r] = log(s) - (logits[base + tgt] - m);
    }
    // Every invocation has read the target's logit (above) before any is overwritten.
    workgroupBarrier();
    let inv = 1.0 / s;
    for (var i = lidx; i < p.v; i += WG) {
        var prob = exp(logits[base + i] - m) * inv;
        if (i == tgt) {
            prob -= 1.0;
        }
        logits[base + i] = prob * p.dloss;
    }
}
