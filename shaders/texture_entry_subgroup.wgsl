// Entry point for matmul_texture.wgsl sharing A through the subgroup: lane i loads row i's
// texel and every lane reads it with subgroupShuffle, one load instead of TM. Correct only when
// the lanes of a subgroup share their rows (WG_COLS a multiple of the subgroup size) and there
// are at least TM lanes; the host checks both against the adapter's subgroup sizes.

fn load_a(kc: u32, row0: u32, lane: u32, a: ptr<function, array<vec4<f32>, MAX_TM>>) {
    let mine = textureLoad(tex_a, vec2<u32>(kc, row0 + lane % TM), 0);
    for (var i = 0u; i < TM; i++) {
        (*a)[i] = subgroupShuffle(mine, i);
    }
}

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    compute_tile(wg, lidx, lane);
}
