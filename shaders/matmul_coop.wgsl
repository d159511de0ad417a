// C = A * B on the GPU's matrix units through cooperative matrices (tensor cores on NVIDIA,
// simdgroup matrices on Apple): f16 inputs, f32 accumulation, 16x16x16 steps. One subgroup
// (the whole workgroup: WG must equal the subgroup size, checked on the host) computes a
// 32 × 32 block of C as four 16×16 tiles from zero-padded f16 copies of A (Mp x Kp) and
// B (Kp x Np), so every load is in bounds. C itself is not padded: the block goes through workgroup memory and only
// its in-range elements are stored. The host prepends `enable` directives and `struct Dims`.

@group(0) @binding(0) var<storage, read> a: array<f16>;
@group(0) @binding(1) var<storage, read> b: array<f16>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG: u32 = 32u;

// Row-major [32][32] staging of the block.
var<workgroup> block: array<f32, 1024>;

@compute @workgroup_size(WG)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let row0 = (wg.y + dims.wg_row0) * 32u;
    let col0 = wg.x * 32u;
    let kp = dims.kp;
    let np = ((dims.n + 31u) / 32u) * 32u;

    var c00 = coop_mat16x16<f32, C>();
    var c01 = coop_mat16x16<f32, C>();
    var c10 = coop_mat16x16<f32, C>();
    var c11 = coop_mat16x16<f32, C>();
    for (var k = 0u; k < kp; k += 16u) {
        let a0 = coopLoadT<coop_mat16x16<f16, A>>(&a[row0 * kp + k], kp);
        let a1 = coopLoadT<coop_mat16x16<f16, A>>(&a[(row0 + 16u) * kp + k], kp);
        let b0 = coopLoadT<coop_mat16x16<f16, B>>(&b[k * np + col0], np);
        let b1 = coopLoadT<coop_mat16x16<f16, B>>(&b[k * np + col0 + 16u], np);
        c00 = coopMultiplyAdd(a0, b0, c00);
        c01 = coopMultiplyAdd(a0, b1, c01);
        c10 = coopMultiplyAdd(a1, b0, c10);
        c11 = coopMultiplyAdd(a1, b1, c11);
    }
    coopStoreT(c00, &block[0], 32u);
    coopStoreT(c01, &block[16], 32u);
    coopStoreT(c10, &block[16u * 32u], 32u);
    coopStoreT(c11, &block[16u * 32u + 16u], 32u);
    workgroupBarrier();
    for (var e = lidx; e < 1024u; e += WG) {
        let r = row0 + e / 32u;
        let col = col0 + e % 32u;
        if (r < dims.m && col < dims.n) {
            c[r * dims.n + col] = block[e];
        }
    }
}
