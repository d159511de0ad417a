// C = A * B with A and B read through rgba32float textures (four consecutive values a texel),
// zero-padded to whole tiles so no load needs a bounds check. No workgroup memory: each
// invocation computes TM rows by TN4 vec4 columns of C, and the texture cache does the sharing.
// On drivers whose storage-buffer loads are slow (lavapipe checks bounds lane by lane), texture
// loads are far cheaper.
//
// The host replaces the `//% NAME` lines with the register block unrolled for one TM and TN4,
// one variable per accumulator (src/kernels/unroll.rs says why), and with the way A is loaded.

// `struct Dims` comes from matmul_dims.wgsl, prepended by the host.

@group(0) @binding(0) var tex_a: texture_2d<f32>;
@group(0) @binding(1) var tex_b: texture_2d<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override TM: u32 = 4u;
override TN4: u32 = 1u;
override WG: u32 = 64u;
override WG_COLS: u32 = 16u;

// `fn store4` comes from matmul_store4.wgsl, appended by the host.

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
//% LANE_BUILTIN
) {
    let lc = lidx % WG_COLS;
    let lr = lidx / WG_COLS;
    let row0 = ((wg.y + dims.wg_row0) * (WG / WG_COLS) + lr) * TM;
    let col4 = (wg.x * WG_COLS + lc) * TN4;
//% DECLARE_ACCUMULATORS
    for (var kc = 0u; kc < dims.kp / 4u; kc++) {
        // A's TM rows at columns 4kc..4kc+3: a0, a1, ...
//% LOAD_A
        // For each of the four k, B's row of TN4 texels, multiplied into every accumulator.
//% MULTIPLY
    }
//% STORE
}
