// The materialized attention's products (scores QKᵀ, values P·V, and their backward products
// dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dO) as one batched product over each (sequence,
// head), causal blocks skipped. Each invocation owns an 8 x 8 block of C in sixteen vec4
// accumulators, one variable each, and reads its operands straight from the storage buffers
// (16 loads a step of k for 64 multiply-adds): no workgroup memory and no barriers, the caches
// do the sharing, as the texture matmul's invocations do. On lavapipe, a 32 x 32 workgroup-
// memory tile with its barriers and an accumulator array (kept in memory unless every loop that
// indexes it is unrolled) ran about five times slower than 4 x 8 blocks, and 4 x 8 blocks about
// 1.5-2 times slower than 8 x 8 (one layer at B4 T256 NH6 hs64, under load).
//   C(i, j) = alpha · Σ_r Σ_k A_r(i, k) · B_r(k, j)
// where each operand X is read as x[X_off + i·x_row + k·x_col] and X_off picks the sequence and
// head: base + sequence·seq + query head·head + key/value head·kv (a stride of 0 ignores one),
// so one kernel reads queries, keys, values, probabilities or gradients in place, transposed
// or not, from qkv rows (nh query heads, then kv_heads key heads, then kv_heads value heads).
// r runs over the query heads summed into one output (the group of a key/value head, when the
// keys' and values' gradients sum over grouped-query attention's group; else just one).
//
// mode 0 (scores, dP): only j <= i is wanted: blocks wholly above the diagonal are skipped, and
//   what the others write above it is never read (the softmax kernels own those entries).
// mode 1 (P·V, dS·K): A is causal, zero for k > i (the softmax kernels write the zeros), so k
//   stops at the block's last row.
// mode 2 (Pᵀ·dO, dSᵀ·Q): A is a transposed causal matrix, zero for k < i, so k starts at the
//   block's first row.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    mode: u32,
    // Heads per sequence in the dispatch's grid (y = sequence · heads + head).
    heads: u32,
    // Query heads summed into one output; grid head hz sums query heads hz·summed + r.
    summed: u32,
    // Query heads per key/value head: query head h reads key/value head h / group.
    group: u32,
    alpha: f32,
    a_base: u32,
    a_seq: u32,
    a_head: u32,
    a_kv: u32,
    a_row: u32,
    a_col: u32,
    b_base: u32,
    b_seq: u32,
    b_head: u32,
    b_kv: u32,
    b_row: u32,
    b_col: u32,
    c_base: u32,
    c_seq: u32,
    c_head: u32,
    c_kv: u32,
    c_row: u32,
    c_col: u32,
    // Sequences · grid heads in the dispatch.
    seqs_heads: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;


// Blocks per workgroup; a block is TM rows by TN columns of C.
const WG: u32 = 64u;
const TM: u32 = 8u;
const TN: u32 = 8u;

fn store(row: u32, col: u32, base: u32, v: f32) {
    if (row < p.m && col < p.n) {
        c[base + row * p.c_row + col * p.c_col] = p.alpha * v;
    }
}

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    // Blocks in order (sequence, head, block row, block column): neighbouring invocations share
    // their rows of A.
    let index = (wg.y * groups.x + wg.x) * WG + lidx;
    let cols = (p.n + TN - 1u) / TN;
    let rows = (p.m + TM - 1u) / TM;
    if (index >= p.seqs_heads * rows * cols) {
        return;
    }
    let j0 = (index % cols) * TN;
    let i0 = ((index / cols) % rows) * TM;
    let z = index / (cols * rows);
    if (p.mode == 0u && j0 > i0 + TM - 1u) {
        return;
    }
    let bb = z / p.heads;
    let hz = z % p.heads;
    var k_lo = 0u;
    var k_hi = p.k;
    if (p.mode == 1u) {
        k_hi = min(p.k, i0 + TM);
    }
    if (p.mode == 2u) {
        k_lo = i0;
    }
    // Rows and columns past the edge read the last one (in bounds) and are never stored.

    let ar0 = min(i0 + 0u, p.m - 1u) * p.a_row;
    let ar1 = min(i0 + 1u, p.m - 1u) * p.a_row;
    let ar2 = min(i0 + 2u, p.m - 1u) * p.a_row;
    let ar3 = min(i0 + 3u, p.m - 1u) * p.a_row;
    let ar4 = min(i0 + 4u, p.m - 1u) * p.a_row;
    let ar5 = min(i0 + 5u, p.m - 1u) * p.a_row;
    let ar6 = min(i0 + 6u, p.m - 1u) * p.a_row;
    let ar7 = min(i0 + 7u, p.m - 1u) * p.a_row;
    let bc0 = min(j0 + 0u, p.n - 1u) * p.b_col;
    let bc1 = min(j0 + 1u, p.n - 1u) * p.b_col;
    let bc2 = min(j0 + 2u, p.n - 1u) * p.b_col;
    let bc3 = min(j0 + 3u, p.n - 1u) * p.b_col;
    let bc4 = min(j0 + 4u, p.n - 1u) * p.b_col;
    let bc5 = min(j0 + 5u, p.n - 1u) * p.b_col;
    let bc6 = min(j0 + 6u, p.n - 1u) * p.b_col;
    let bc7 = min(j0 + 7u, p.n - 1u) * p.b_col;
    var c0_0 = vec4<f32>(0.0);
    var c0_1 = vec4<f32>(0.0);
    var c1_0 = vec4<f32>(0.0);
    var c1_1 = vec4<f32>(0.0);
    var c2_0 = vec4<f32>(0.0);
    var c2_1 = vec4<f32>(0.0);
    var c3_0 = vec4<f32>(0.0);
    var c3_1 = vec4<f32>(0.0);
    var c4_0 = vec4<f32>(0.0);
    var c4_1 = vec4<f32>(0.0);
    var c5_0 = vec4<f32>(0.0);
    var c5_1 = vec4<f32>(0.0);
    var c6_0 = vec4<f32>(0.0);
    var c6_1 = vec4<f32>(0.0);
    var c7_0 = vec4<f32>(0.0);
    var c7_1 = vec4<f32>(0.0);
    for (var r = 0u; r < p.summed; r++) {
        let hq = hz * p.summed + r;
        let g = hq / p.group;
        let a_off = p.a_base + bb * p.a_seq + hq * p.a_head + g * p.a_kv;
        let b_off = p.b_base + bb * p.b_seq + hq * p.b_head + g * p.b_kv;
        for (var k = k_lo; k < k_hi; k++) {
            let ak = a_off + k * p.a_col;
            let bk = b_off + k * p.b_row;
            let a0 = a[ak + ar0];
            let a1 = a[ak + ar1];
            let a2 = a[ak + ar2];
            let a3 = a[ak + ar3];
            let a4 = a[ak + ar4];
            let a5 = a[ak + ar5];
            let a6 = a[ak + ar6];
            let a7 = a[ak + ar7];
            let b0 = vec4<f32>(b[bk + bc0], b[bk + bc1], b[bk + bc2], b[bk + bc3]);
            let b1 = vec4<f32>(b[bk + bc4], b[bk + bc5], b[bk + bc6], b[bk + bc7]);
            c0_0 = fma(vec4<f32>(a0), b0, c0_0);
            c0_1 = fma(vec4<f32>(a0), b1, c0_1);
            c1_0 = fma(vec4<f32>(a1), b0, c1_0);
            c1_1 = fma(vec4<f32>(a1), b1, c1_1);
            c2_0 = fma(vec4<f32>(a2), b0, c2_0);
            c2_1 = fma(vec4<f32>(a2), b1, c2_1);
            c3_0 = fma(vec4<f32>(a3), b0, c3_0);
            c3_1 = fma(vec4<f32>(a3), b1, c3_1);
            c4_0 = fma(vec4<f32>(a4), b0, c4_0);
            c4_1 = fma(vec4<f32>(a4), b1, c4_1);
            c5_0 = fma(vec4<f32>(a5), b0, c5_0);
            c5_1 = fma(vec4<f32>(a5), b1, c5_1);
            c6_0 = fma(vec4<f32>(a6), b0, c6_0);
            c6_1 = fma(vec4<f32>(a6), b1, c6_1);
            c7_0 = fma(vec4<f32>(a7), b0, c7_0);
            c7_1 = fma(vec4<f32>(a7), b1, c7_1);
        }
    }

    let hq0 = hz * p.summed;
    let base = p.c_base + bb * p.c_seq + hq0 * p.c_head + (hq0 / p.group) * p.c_kv;
    store(i0 + 0u, j0 + 0u, base, c0_0.x);
    store(i0 + 0u, j0 + 1u, base, c0_0.y);
    store(i0 + 0u, j0 + 2u, base, c0_0.z);
    store(i0 + 0u, j0 + 3u, base, c0_0.w);
    store(i0 + 0u, j0 + 4u, base, c0_1.x);
    store(i0 + 0u, j0 + 5u, base, c0_1.y);
    store(i0 + 0u, j0 + 6u, base, c0_1.z);
    store(i0 + 0u, j0 + 7u, base, c0_1.w);
    store(i0 + 1u, j0 + 0u, base, c1_0.x);
    store(i0 + 1u, j0 + 1u, base, c1_0.y);
    store(i0 + 1u, j0 + 2u, base, c1_0.z);
    store(i0 + 1u, j0 + 3u, base, c1_0.w);
    store(i0 + 1u, j0 + 4u, base, c1_1.x);
    store(i0 + 1u, j0 + 5u, base, c1_1.y);
    store(i0 + 1u, j0 + 6u, base, c1_1.z);
    store(i0 + 1u, j0 + 7u, base, c1_1.w);
    store(i0 + 2u, j0 + 0u, base, c2_0.x);
    store(i0 + 2u, j0 + 1u, base, c2_0.y);
    store(i0 + 2u, j0 + 2u, base, c2_0.z);
    store(i0 + 2u, j0 + 3u, base, c2_0.w);
    store(i0 + 2u, j0 + 4u, base, c2_1.x);
    store(i0 + 2u, j0 + 5u, base, c2_1.y);
    store(i0 + 2u, j0 + 6u, base, c2_1.z);
    store(i0 + 2u, j0 + 7u, base, c2_1.w);
    store(i0 + 3u, j0 + 0u, base, c3_0.x);
    store(i0 + 3u, j0 + 1u, base, c3_0.y);
    store(i0 + 3u, j0 + 2u, base, c3_0.z);
    store(i0 + 3u, j0 + 3u, base, c3_0.w);
    store(i0 + 3u, j0 + 4u, base, c3_1.x);
    store(i0 + 3u, j0 + 5u, base, c3_1.y);
    store(i0 + 3u, j0 + 6u, base, c3_1.z);
    store(i0 + 3u, j0 + 7u, base, c3_1.w);
    store(i0 + 4u, j0 + 0u, base, c4_0.x);
    store(i0 + 4u, j0 + 1u, base, c4_0.y);
    store(i0 + 4u, j0 + 2u, base, c4_0.z);
    store(i0 + 4u, j0 + 3u, base, c4_0.w);
    store(i0 + 4u, j0 + 4u, base, c4_1.x);
    store(i0 + 4u, j0 + 5u, base, c4_1.y);
    store(i0 + 4u, j0 + 6u, base, c4_1.z);
    store(i0 + 4u, j0 + 7u, base, c4_1.w);
    store(i0 + 5u, j0 + 0u, base, c5_0.x);
    store(i0 + 5u, j0 + 1u, base, c5_0.y);
    store(i0 + 5u, j0 + 2u, base, c5_0.z);
    store(i0 + 5u, j0 + 3u, base, c5_0.w);
    store(i0 + 5u, j0 + 4u, base, c5_1.x);
    store(i0 + 5u, j0 + 5u, base, c5_1.y);
    store(i0 + 5u, j0 + 6u, base, c5_1.z);
    store(i0 + 5u, j0 + 7u, base, c5_1.w);
    store(i0 + 6u, j0 + 0u, base, c6_0.x);
    store(i0 + 6u, j0 + 1u, base, c6_0.y);
    store(i0 + 6u, j0 + 2u, base, c6_0.z);
    store(i0 + 6u, j0 + 3u, base, c6_0.w);
    store(i0 + 6u, j0 + 4u, base, c6_1.x);
    store(i0 + 6u, j0 + 5u, base, c6_1.y);
    store(i0 + 6u, j0 + 6u, base, c6_1.z);
    store(i0 + 6u, j0 + 7u, base, c6_1.w);
    store(i0 + 7u, j0 + 0u, base, c7_0.x);
    store(i0 + 7u, j0 + 1u, base, c7_0.y);
    store(i0 + 7u, j0 + 2u, base, c7_0.z);
    store(i0 + 7u, j0 + 3u, base, c7_0.w);
    store(i0 + 7u, j0 + 4u, base, c7_1.x);
    store(i0 + 7u, j0 + 5u, base, c7_1.y);
    store(i0 + 7u, j0 + 6u, base, c7_1.z);
    store(i0 + 7u, j0 + 7u, base, c7_1.w);
}
