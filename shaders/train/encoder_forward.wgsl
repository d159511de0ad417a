// The embeddings' sum, one workgroup per position, its invocations striding over the channels:
// the position, its token and its row of wpe are the workgroup's, found with one division, and
// neighbours read neighbouring addresses. One invocation per element divided by C and by T in
// every invocation, which a CPU adapter does lane by lane: on lavapipe, 25% of this kernel's
// time. Params and the bindings: encoder_forward_bindings.wgsl.

const WG: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let pos = wg.y * groups.x + wg.x;
    if (pos >= p.n) {
        return;
    }
    embed(pos, lidx, WG);
}
