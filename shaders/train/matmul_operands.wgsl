// What the step's two product kernels (matmul.wgsl, matmul_coop.wgsl) share, placed before
// each one's own source: the bindings and parameters, and how op(A), op(B) and C are addressed
// in place, transposed or not by override constants:
//   A(m, k) = a[a_off + m * lda + k], or with TRANS_A a[a_off + k * lda + m]
//   B(k, n) = b[b_off + k * ldb + n], or with TRANS_B b[b_off + n * ldb + k]
//   C(m, n) = c[c_off + m * ldc + n]

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

override TRANS_A: bool = false;
override TRANS_B: bool = false;
// Add the product to C (gradient accumulation) instead of replacing it.
override ACCUMULATE: bool = false;
override BIAS: bool = false;

// A(row, kk), zero outside the matrix (a slab's ragged edge).
fn load_a(row: u32, kk: u32) -> f32 {
    if (row >= p.m || kk >= p.k) {
        return 0.0;
    }
    if (TRANS_A) {
        return a[p.a_off + kk * p.lda + row];
    }
    return a[p.a_off + row * p.lda + kk];
}

// B(kk, col), zero outside the matrix.
fn load_b(kk: u32, col: u32) -> f32 {
    if (kk >= p.k || col >= p.n) {
        return 0.0;
    }
    if (TRANS_B) {
        return b[p.b_off + col * p.ldb + kk];
    }
    return b[p.b_off + kk * p.ldb + col];
}

// C(row, col) = v (+ bias[col]) (+ C(row, col)), for an element inside C.
fn store_c(row: u32, col: u32, sum: f32) {
    let index = p.c_off + row * p.ldc + col;
    var v = sum;
    if (BIAS) {
        v += bias[p.bias_off + col];
    }
    if (ACCUMULATE) {
        v += c[index];
    }
    c[index] = v;
}

