// Causal multi-head attention, fused in the manner of FlashAttention-2's forward pass: a
// workgroup owns BQ consecutive query positions of one (sequence, head), and the keys and values
// stream through workgroup memory a tile at a time. Each query keeps a running maximum, a running
// sum of exponentials and an accumulator rescaled whenever the maximum grows (the online
// softmax), so no T×T score matrix is ever stored: what it writes is the output and each row's
// log-sum-exp of the scaled scores, from which the backward pass recomputes the probabilities.
// qkv is (B, T, 3C): queries, keys, values, each C = NH * hs wide. GPT-2's heads (one key/value
// head per query head).

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
// (B, NH, T): log Σ_t2 exp(scale · q_t · k_t2) over the keys t2 <= t.
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// A tile holds TILE / hs key rows (at most BQ): 16 KiB for keys and values together, WebGPU's
// guaranteed workgroup storage.
const TILE: u32 = 2048u;

var<workgroup> ks: array<f32, TILE>;
var<workgroup> vs: array<f32, TILE>;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let group = wg.y * groups.x + wg.x;
    if (group >= block_count()) {
        return;
    }
    let block = block_of(group);
    let blk = block.blk;
    let h = block.h;
    let bb = block.bb;
    let hs = p.c / p.nh;
    let c3 = 3u * p.c;
    let rows = min(BQ, TILE / hs);
    let t = blk * BQ + lidx;
    // Positions past the end still help load tiles and meet every barrier.
    let valid = t < p.t;
    let tq = min(t, p.t - 1u);

    var q: array<f32, MAX_HS>;
    var acc: array<f32, MAX_HS>;
    let q0 = (bb * p.t + tq) * c3 + h * hs;
    for (var i = 0u; i < hs; i++) {
        q[i] = qkv[q0 + i] * p.scale;
        acc[i] = 0.0;
    }
    var m = -3.402823e38;
    var l = 0.0;
    var s: array<f32, BQ>;
    // Keys past the block's last query are masked for every row of it.
    let end = min(blk * BQ + BQ, p.t);
    for (var k0 = 0u; k0 < end; k0 += rows) {
        let n = min(rows, p.t - k0);
        for (var e = lidx; e < n * hs; e += BQ) {
            let j = e / hs;
            let at = (bb * p.t + k0 + j) * c3 + h * hs + e % hs;
            ks[e] = qkv[at + p.c];
            vs[e] = qkv[at + 2u * p.c];
        }
        workgroupBarrier();
        if (valid && k0 <= t) {
            let kn = min(n, t + 1u - k0);
            // The tile's scores first, then one rescale of the accumulator a tile.
            var tile_max = m;
            for (var j = 0u; j < kn; j++) {
                var score = 0.0;
                for (var i = 0u; i < hs; i++) {
                    score += q[i] * ks[j * hs + i];
                }
                s[j] = score;
                tile_max = max(tile_max, score);
            }
            let correction = exp(m - tile_max);
            l *= correction;
            for (var i = 0u; i < hs; i++) {
                acc[i] *= correction;
            }
            for (var j = 0u; j < kn; j++) {
                let e = exp(s[j] - tile_max);
                l += e;
                for (var i = 0u; i < hs; i++) {
                    acc[i] += e * vs[j * hs + i];
                }
            }
            m = tile_max;
        }
        workgroupBarrier();
    }
    if (valid) {
        let inv = 1.0 / l;
        let o = (bb * p.t + t) * p.c + h * hs;
        for (var i = 0u; i < hs; i++) {
            out[o + i] = acc[i] * inv;
        }
        lse[(bb * p.nh + h) * p.t + t] = m + log(l);
    }
}
