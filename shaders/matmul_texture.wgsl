// C = A * B with A and B read through rgba32float textures (four consecutive values a texel),
// zero-padded to whole tiles so no load needs a bounds check. No workgroup memory: each
// invocation computes TM rows by TN4 vec4 columns of C, and the texture cache does the sharing.
// On drivers whose storage-buffer loads are slow (lavapipe checks bounds lane by lane), texture
// loads are far cheaper.
//
// How rows of A are loaded, and the entry point, come from one of the texture_entry_*.wgsl
// files appended to this one: plain loads, or loads shared through the subgroup.

// `struct Dims` comes from matmul_dims.wgsl, prepended by the host.

@group(0) @binding(0) var tex_a: texture_2d<f32>;
@group(0) @binding(1) var tex_b: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override TM: u32 = 4u;
override TN4: u32 = 1u;
override WG: u32 = 64u;
override WG_COLS: u32 = 16u;

const MAX_TM: u32 = 8u;

fn compute_tile(wg: vec3<u32>, lidx: u32, lane: u32) {
    let lc = lidx % WG_COLS;
    let lr = lidx / WG_COLS;
    let row0 = ((wg.y + dims.wg_row0) * (WG / WG_COLS) + lr) * TM;
    let col4_0 = (wg.x * WG_COLS + lc) * TN4;

    var acc: array<vec4<f32>, 16>;
    for (var i = 0u; i < TM * TN4; i++) {
        acc[i] = vec4<f32>(0.0);
    }
    var a: array<vec4<f32>, MAX_TM>;
    for (var kc = 0u; kc < dims.kp / 4u; kc++) {
        load_a(kc, row0, lane, &a);
        for (var q = 0u; q < 4u; q++) {
            for (var j = 0u; j < TN4; j++) {
                let b = textureLoad(tex_b, vec2<u32>(col4_0 + j, kc * 4u + q), 0);
                for (var i = 0u; i < TM; i++) {
                    acc[i * TN4 + j] = fma(vec4<f32>(a[i][q]), b, acc[i * TN4 + j]);
                }
            }
        }
    }

    for (var i = 0u; i < TM; i++) {
        let r = row0 + i;
        if (r >= dims.m) {
            break;
        }
        for (var j = 0u; j < TN4; j++) {
            for (var e = 0u; e < 4u; e++) {
                let col = (col4_0 + j) * 4u + e;
                if (col < dims.n) {
                    c[r * dims.n + col] = acc[i * TN4 + j][e];
                }
            }
        }
    }
}
