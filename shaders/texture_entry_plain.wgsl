// Entry point for matmul_texture.wgsl: each invocation loads its own TM texels of A.

fn load_a(kc: u32, row0: u32, lane: u32, a: ptr<function, array<vec4<f32>, MAX_TM>>) {
    for (var i = 0u; i < TM; i++) {
        (*a)[i] = textureLoad(tex_a, vec2<u32>(kc, row0 + i), 0);
    }
}

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    compute_tile(wg, lidx, 0u);
}
