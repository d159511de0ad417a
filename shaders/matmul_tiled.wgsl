// C = A * B, row-major f32. Each workgroup computes a BM x BN tile of C, staging BK-wide slabs
// of A and B in workgroup memory; each invocation accumulates a TM x TN block in registers, so
// every value read from workgroup memory feeds TM or TN multiply-adds instead of one.

// `struct Dims` comes from matmul_dims.wgsl, prepended by the host.

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 8u;
override TM: u32 = 4u;
override TN: u32 = 4u;
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;

// The A slab is stored transposed ([k][m]) so the inner loop reads both slabs along a row.
var<workgroup> tile_a: array<f32, BM * BK>;
var<workgroup> tile_b: array<f32, BK * BN>;

// Function-scope arrays need a constant size: the host rejects TM or TN above 8.
const MAX_T: u32 = 8u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let row0 = (wg.y + dims.wg_row0) * BM;
    let col0 = wg.x * BN;
    let threads = WG_X * WG_Y;

    var acc: array<f32, 64>;
    for (var i = 0u; i < TM * TN; i++) {
        acc[i] = 0.0;
    }
    var a_reg: array<f32, MAX_T>;
    var b_reg: array<f32, MAX_T>;

    for (var t = 0u; t < dims.k; t += BK) {
        // Out-of-range elements load as zero, so ragged edges need no special case below.
        for (var i = lidx; i < BM * BK; i += threads) {
            let r = i / BK;
            let kk = i % BK;
            let gr = row0 + r;
            let gk = t + kk;
            var v = 0.0;
            if (gr < dims.m && gk < dims.k) {
                v = a[gr * dims.k + gk];
            }
            tile_a[kk * BM + r] = v;
        }
        for (var i = lidx; i < BK * BN; i += threads) {
            let kk = i / BN;
            let cc = i % BN;
            let gk = t + kk;
            let gc = col0 + cc;
            var v = 0.0;
            if (gk < dims.k && gc < dims.n) {
                v = b[gk * dims.n + gc];
            }
            tile_b[kk * BN + cc] = v;
        }
        workgroupBarrier();

        for (var kk = 0u; kk < BK; kk++) {
            for (var i = 0u; i < TM; i++) {
                a_reg[i] = tile_a[kk * BM + lid.y * TM + i];
            }
            for (var j = 0u; j < TN; j++) {
                b_reg[j] = tile_b[kk * BN + lid.x * TN + j];
            }
            for (var i = 0u; i < TM; i++) {
                for (var j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(a_reg[i], b_reg[j], acc[i * TN + j]);
                }
            }
        }
        // Nobody may overwrite the slabs until every invocation has finished reading them.
        workgroupBarrier();
    }

    for (var i = 0u; i < TM; i++) {
        let gr = row0 + lid.y * TM + i;
        if (gr >= dims.m) {
            break;
        }
        for (var j = 0u; j < TN; j++) {
            let gc = col0 + lid.x * TN + j;
            if (gc < dims.n) {
                c[gr * dims.n + gc] = acc[i * TN + j];
            }
        }
    }
}
