// Softmax, cross-entropy and their gradient, fused, for one chunk of rows of logits (V wide),
// as crossentropy.wgsl computes them, but one invocation per row, 64 rows a workgroup:
//   losses[row0 + r] = -log softmax(logits[r])[target] = log Σ exp(x - max) - (x_target - max)
//   logits[r, v]    <- (softmax(logits[r])[v] - [v == target]) * dloss
// For short rows (a byte-level vocabulary): there a workgroup per row spends more on starting
// workgroups and on its two barriers than on the row, on a CPU adapter above all (lavapipe,
// V = 256: 0.93 -> 0.61 ms for 512 rows, alone). A wide row (GPT-2's 50257) keeps a
// workgroup: one lane per row would leave a GPU's lanes idle. Each invocation reads one value or
// four (as one vec4, where V is a multiple of four): `Column`, LANES, `total`, `largest`,
// `component` and `unit` are prepended by the registry (kernels/columns.rs).

// Params and the bindings: crossentropy_bindings.wgsl.

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let r = (wg.y * groups.x + wg.x) * 64u + lidx;
    if (r >= p.rows) {
        return;
    }
    let columns = p.v / LANES;
    let base = r * columns;
    var mc = Column(-3.402823e38);
    for (var i = 0u; i < columns; i++) {
        mc = max(mc, logits[base + i]);
    }
    let m = largest(mc);
    var sc = Column(0.0);
    for (var i = 0u; i < columns; i++) {
        sc += exp(logits[base + i] - m);
    }
    let s = total(sc);
    let tgt = targets[p.row0 + r];
    // Read before the row below is overwritten with its gradient.
    let target_logit = component(logits[base + tgt / LANES], tgt % LANES);
    losses[p.row0 + r] = log(s) - (target_logit - m);
    let inv = 1.0 / s;
    let target_column = tgt / LANES;
    let one = unit(tgt % LANES);
    for (var i = 0u; i < columns; i++) {
        var prob = exp(logits[base + i] - m) * inv;
        if (i == target_column) {
            prob -= one;
        }
        logits[base + i] = prob * p.dloss;
    }
}
