// The embeddings' sum, one invocation per position, 64 positions a workgroup, for short rows
// (RowSpread in kernels/row_spread.rs): a workgroup per position costs more to start than its
// row takes on a CPU adapter. Params and the bindings: encoder_forward_bindings.wgsl.

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let pos = (wg.y * groups.x + wg.x) * 64u + lidx;
    if (pos >= p.n) {
        return;
    }
    embed(pos, 0u, 1u);
}
