// C (+)= op(A) · op(B) (+ bias), f32: the tiled family's kernel (shaders/matmul_tiled.wgsl: the
// same BM x BN tile through BK-deep slabs, TM x TN registers per invocation, the same override
// constants, so a tuned TiledConfig applies unchanged), with how A and B are indexed chosen by
// override constants instead of transposing copies in memory (matmul_operands.wgsl, placed
// before this file, holds the bindings and the addressing).
// A linear layer with weights W (OC x IC, row-major) is then Y = X·Wᵀ (TRANS_B), dX = dY·W
// (neither) and dW += dYᵀ·X (TRANS_A, ACCUMULATE); the offsets and leading dimensions let one
// product read or write a block of a larger matrix (the LM head's vocabulary chunks).
//
// The slabs hold `T`, which a prelude aliases (as the tiled-vec4 family's prelude does): f32, or
// f16 for the f16 products. Then each operand is rounded to f16 once, as it enters its slab, and
// the products and their sums stay f32: a product of two f16 values is exact in f32, so this is
// f16 inputs with f32 accumulation, the tiled-vec4-f16 family's arithmetic.
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 8u;
override TM: u32 = 4u;
override TN: u32 = 4u;
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;

// The A slab is stored transposed ([k][m]) so the inner loop reads both slabs along a row.
var<workgroup> tile_a: array<T, BM * BK>;
var<workgroup> tile_b: array<T, BK * BN>;

const MAX_T: u32 = 8u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let row0 = wg.y * BM;
    let col0 = wg.x * BN;
    let threads = WG_X * WG_Y;

    var acc: array<f32, 64>;
    for (var i = 0u; i < TM * TN; i++) {
        acc[i] = 0.0;
    }
    var a_reg: array<f32, MAX_T>;
    var b_reg: array<f32, MAX_T>;

    for (var t = 0u; t < p.k; t += BK) {
        // Neighbouring invocations load neighbouring addresses: along k for a row-major A,
        // along m for a transposed one (and likewise for B).
        for (var i = lidx; i < BM * BK; i += threads) {
            var r: u32;
            var kk: u32;
            if (TRANS_A) {
                kk = i / BM;
                r = i % BM;
            } else {
                r = i / BK;
                kk = i % BK;
            }
            tile_a[kk * BM + r] = T(load_a(row0 + r, t + kk));
        }
        for (var i = lidx; i < BK * BN; i += threads) {
            var kk: u32;
            var cc: u32;
            if (TRANS_B) {
                cc = i / BK;
                kk = i % BK;
            } else {
                kk = i / BN;
                cc = i % BN;
            }
            tile_b[kk * BN + cc] = T(load_b(t + kk, col0 + cc));
        }
        workgroupBarrier();

        for (var kk = 0u; kk < BK; kk++) {
            for (var i = 0u; i < TM; i++) {
                a_reg[i] = f32(tile_a[kk * BM + lid.y * TM + i]);
            }
            for (var j = 0u; j < TN; j++) {
                b_reg[j] = f32(tile_b[kk * BN + lid.x * TN + j]);
            }
            for (var i = 0u; i < TM; i++) {
                for (var j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(a_reg[i], b_reg[j], acc[i * TN + j]);
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < TM; i++) {
        let gr = row0 + lid.y * TM + i;
        if (gr >= p.m) {
            break;
        }
        for (var j = 0u; j < TN; j++) {
            let gc = col0 + lid.x * TN + j;
            if (gc < p.n) {
                store_c(gr, gc, acc[i * TN + j]);
            }
        }
    }
}
