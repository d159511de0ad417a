// C (+)= op(A) · op(B) (+ bias) on the GPU's matrix units through cooperative matrices: f16
// inputs, f32 accumulation, 16×16×16 steps (the coop-matrix-f16 bench family's arithmetic,
// shaders/matmul_coop.wgsl). The step's operands are f32 buffers read in place, transposed or
// not by override constants exactly as shaders/train/matmul.wgsl reads them (both placed after
// matmul_operands.wgsl, which holds the bindings and the addressing), so no packed copy exists: each 16-deep slab of A (32 × 16) and of B (16 × 32) is rounded to
// f16 as the subgroup stages it in workgroup memory, zero outside the matrices, and the
// cooperative loads read it from there. One subgroup (the whole workgroup: 32 lanes, which the
// host checks the adapter's subgroups are) computes a 32 × 32 block of C as four 16×16 tiles;
// the block goes through workgroup memory so that the epilogue (bias, accumulation, a block of
// a larger C) touches only in-range elements. The host prepends the `enable` directives.

const WG: u32 = 32u;

// Row-major slabs: A's 32 rows × 16 k, B's 16 k × 32 columns.
var<workgroup> slab_a: array<f16, 512>;
var<workgroup> slab_b: array<f16, 512>;
// Row-major [32][32] staging of the block.
var<workgroup> block: array<f32, 1024>;

@compute @workgroup_size(32)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let row0 = wg.y * 32u;
    let col0 = wg.x * 32u;

    var c00 = coop_mat16x16<f32, C>();
    var c01 = coop_mat16x16<f32, C>();
    var c10 = coop_mat16x16<f32, C>();
    var c11 = coop_mat16x16<f32, C>();
    for (var t = 0u; t < p.k; t += 16u) {
        for (var i = lidx; i < 512u; i += WG) {
            slab_a[i] = f16(load_a(row0 + i / 16u, t + i % 16u));
            slab_b[i] = f16(load_b(t + i / 32u, col0 + i % 32u));
        }
        workgroupBarrier();
        let a0 = coopLoadT<coop_mat16x16<f16, A>>(&slab_a[0], 16u);
        let a1 = coopLoadT<coop_mat16x16<f16, A>>(&slab_a[256], 16u);
        let b0 = coopLoadT<coop_mat16x16<f16, B>>(&slab_b[0], 32u);
        let b1 = coopLoadT<coop_mat16x16<f16, B>>(&slab_b[16], 32u);
        c00 = coopMultiplyAdd(a0, b0, c00);
        c01 = coopMultiplyAdd(a0, b1, c01);
        c10 = coopMultiplyAdd(a1, b0, c10);
        c11 = coopMultiplyAdd(a1, b1, c11);
        workgroupBarrier();
    }
    coopStoreT(c00, &block[0], 32u);
    coopStoreT(c01, &block[16], 32u);
    coopStoreT(c10, &block[16u * 32u], 32u);
    coopStoreT(c11, &block[16u * 32u + 16u], 32u);
    workgroupBarrier();
    for (var e = lidx; e < 1024u; e += WG) {
        let r = row0 + e / 32u;
        let col = col0 + e % 32u;
        if (r < p.m && col < p.n) {
            store_c(r, col, block[e]);
        }
    }
}
