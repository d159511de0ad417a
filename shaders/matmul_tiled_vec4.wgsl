// C = A * B from zero-padded vec4 copies of A (Mp x Kp) and B (Kp x Np), padded to whole tiles
// so tile loads need no bounds checks. A workgroup stages a BM x BK slab of A and a BK x BN slab
// of B in workgroup memory with vec4 loads; each invocation accumulates TM rows by TN4 vec4
// columns of C in registers.
//
// The host prepends the element types: `alias T` for A and B (f32, or f16 with `enable f16;`)
// and `alias Acc` for the accumulators, so one shader serves every precision. It also replaces
// the `//% NAME` lines with the register block unrolled for one TM and TN4, one variable per
// accumulator (src/kernels/unroll.rs says why).

// `struct Dims` comes from matmul_dims.wgsl, prepended by the host.

@group(0) @binding(0) var<storage, read> a: array<vec4<T>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<T>>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 16u;
override TM: u32 = 4u;
override TN4: u32 = 1u;
// Invocations across the columns and down the rows of the tile.
override TC: u32 = BN / (4u * TN4);
override TR: u32 = BM / TM;
override WG: u32 = TC * TR;

// A slab row-major ([BM][BK/4]); B slab row-major ([BK][BN/4]).
var<workgroup> tile_a: array<vec4<T>, BM * BK / 4u>;
var<workgroup> tile_b: array<vec4<T>, BK * BN / 4u>;

// `fn store4` comes from matmul_store4.wgsl, appended by the host.

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let lc = lidx % TC;
    let lr = lidx / TC;
    let row0 = (wg.y + dims.wg_row0) * BM;
    let col4_0 = wg.x * (BN / 4u);
    let kp4 = dims.kp / 4u;
    let np4 = ((dims.n + BN - 1u) / BN) * (BN / 4u);

//% DECLARE_ACCUMULATORS

    for (var t4 = 0u; t4 < kp4; t4 += BK / 4u) {
        for (var i = lidx; i < BM * BK / 4u; i += WG) {
            let r = i / (BK / 4u);
            let kk4 = i % (BK / 4u);
            tile_a[i] = a[(row0 + r) * kp4 + t4 + kk4];
        }
        for (var i = lidx; i < BK * BN / 4u; i += WG) {
            let kk = i / (BN / 4u);
            let cc4 = i % (BN / 4u);
            tile_b[i] = b[(t4 * 4u + kk) * np4 + col4_0 + cc4];
        }
        workgroupBarrier();

        for (var kk4 = 0u; kk4 < BK / 4u; kk4++) {
            // The TM rows of A at k = 4kk4..4kk4+3 (a0, a1, ...), then for each of the four k
            // B's TN4 vec4s, multiplied into every accumulator.
//% LOAD_A
//% MULTIPLY
        }
        // The slabs may be overwritten only after every invocation has read them.
        workgroupBarrier();
    }

//% STORE
}
