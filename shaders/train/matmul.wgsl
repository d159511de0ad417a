// C (+)= op(A) · op(B) (+ bias), f32: the tiled family's kernel (shaders/matmul_tiled.wgsl: the
// same BM x BN tile through BK-deep slabs, TM x TN registers per invocation, the same override
// constants, so a tuned TiledConfig applies unchanged), with how A and B are indexed chosen by
// override constants instead of transposing copies in memory:
//   A(m, k) = a[a_off + m * lda + k], or with TRANS_A a[a_off + k * lda + m]
//   B(k, n) = b[b_off + k * ldb + n], or with TRANS_B b[b_off + n * ldb + k]
//   C(m, n) = c[c_off + m * ldc + n]
// A linear layer with weights W (OC x IC, row-major) is then Y = X·Wᵀ (TRANS_B), dX = dY·W
// (neither) and dW += dYᵀ·X (TRANS_A, ACCUMULATE); the offsets and leading dimensions let one
// product read or write a block of a larger matrix (the LM head's vocabulary chunks).
//
// The slabs hold `T`, which a prelude aliases (as the tiled-vec4 family's prelude does): f32, or
// f16 for the f16 products. Then each operand is rounded to f16 once, as it enters its slab, and
// the products and their sums stay f32: a product of two f16 values is exact in f32, so this is
// f16 inputs with f32 accumulation, the tiled-vec4-f16 family's arithmetic.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    lda: u32,
    ldb: u32,
    ldc: u32,
    a_off: u32,
    b_off: u32,
    c_off: u32,
    bias_off: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    _pad3: u32,
    _pad4: u32,
    _pad5: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 8u;
override TM: u32 = 4u;
override TN: u32 = 4u;
override WG_X: u32 = BN / TN;
override WG_Y: u32 = BM / TM;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
// Add the product to C (gradient accumulation) instead of replacing it.
override ACCUMULATE: bool = false;
override BIAS: bool = false;

// The A slab is stored transposed ([k][m]) so the inner loop reads both slabs along a row.
var<workgroup> tile_a: array<T, BM * BK>;
var<workgroup> tile_b: array<T, BK * BN>;

const MAX_T: u32 = 8u;

fn load_a(row: u32, kk: u32) -> f32 {
    if (row >= p.m || kk >= p.k) {
        return 0.0;
    }
    if (TRANS_A) {
        return a[p.a_off + kk * p.lda + row];
    }
    return a[p.a_off + row * p.lda + kk];
}

fn load_b(kk: u32, col: u32) -> f32 {
    if (kk >= p.k || col >= p.n) {
        return 0.0;
    }
    if (TRANS_B) {
        return b[p.b_off + col * p.ldb + kk];
    }
    return b[p.b_off + kk * p.ldb + col];
}

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
                let index = p.c_off + gr * p.ldc + gc;
                var v = acc[i * TN + j];
                if (BIAS) {
                    v += bias[p.bias_off + gc];
                }
                if (ACCUMULATE) {
                    v += c[index];
                }
                c[index] = v;
            }
        }
    }
}
