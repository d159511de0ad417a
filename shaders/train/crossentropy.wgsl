// Softmax, cross-entropy and their gradient, fused, for one chunk of rows of logits (V wide):
//   losses[row0 + r] = -log softmax(logits[r])[target] = log Σ exp(x - max) - (x_target - max)
//   logits[r, v]    <- (softmax(logits[r])[v] - [v == target]) * dloss
// The logits are replaced by their gradient in place: nothing else reads them. dloss is the
// mean loss's weight per position, 1 / (B * T). One workgroup per row, reducing in workgroup
// memory; rows of the chunk are rows row0.. of the batch (for the targets and losses). Each
// invocation reads one value or four (as one vec4, where V is a multiple of four) at a time:
// `Column`, LANES, `total`, `largest`, `component` and `unit` are prepended by the registry
// (kernels/columns.rs). On lavapipe every read costs a load and a bounds check per lane.
//
// The workgroup is small (8 invocations, one SIMD vector of a 256-bit CPU) and each reduction
// takes one barrier, its partials then summed by every invocation in the same order: on a CPU
// adapter (lavapipe) a barrier suspends and resumes every SIMD vector of the workgroup, and 256
// invocations reducing in a tree made this kernel 30-60x slower than its bytes at the copy
// bandwidth. On a GPU, eight lanes still read a row's consecutive addresses together. Short
// rows take crossentropy_lane.wgsl instead: one invocation per row, no barrier.

// Params and the bindings: crossentropy_bindings.wgsl.

const WG: u32 = 8u;
var<workgroup> partial_max: array<f32, WG>;
var<workgroup> partial_sum: array<f32, WG>;

@compute @workgroup_size(8)
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
    let columns = p.v / LANES;
    let base = r * columns;
    var mc = Column(-3.402823e38);
    for (var i = lidx; i < columns; i += WG) {
        mc = max(mc, logits[base + i]);
    }
    partial_max[lidx] = largest(mc);
    workgroupBarrier();
    var m = partial_max[0];
    for (var k = 1u; k < WG; k++) {
        m = max(m, partial_max[k]);
    }
    var sc = Column(0.0);
    for (var i = lidx; i < columns; i += WG) {
        sc += exp(logits[base + i] - m);
    }
    let tgt = targets[p.row0 + r];
    // Read before the barrier below, after which the logits are overwritten.
    let target_logit = component(logits[base + tgt / LANES], tgt % LANES);
    partial_sum[lidx] = total(sc);
    workgroupBarrier();
    var s = 0.0;
    for (var k = 0u; k < WG; k++) {
        s += partial_sum[k];
    }
    if (lidx == 0u) {
        losses[p.row0 + r] = log(s) - (target_logit - m);
    }
    let inv = 1.0 / s;
    let target_column = tgt / LANES;
    let one = unit(tgt % LANES);
    for (var i = lidx; i < columns; i += WG) {
        var prob = exp(logits[base + i] - m) * inv;
        if (i == target_column) {
            prob -= one;
        }
        logits[base + i] = prob * p.dloss;
    }
}
