// Fused attention backward, the queries' half (FlashAttention-2's backward split so that no two
// invocations add into one element, since WGSL has no float atomics): for query t of head h,
// the probabilities recomputed from the forward's log-sum-exp, never stored,
//   p[t2]  = exp(scale · q_t · k_t2 - lse[t])                      (t2 <= t)
//   D[t]   = dout[t] · out[t]                  (= Σ_t2 p[t2] · (dout[t] · v_t2))
//   dq[t]  = scale · Σ_t2 p[t2] · (dout[t] · v_t2 - D[t]) · k_t2
// D is kept for the keys' half. Keys and values stream through workgroup memory as in the
// forward pass; a workgroup owns BQ consecutive queries of one (sequence, head).

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
// (B, NH, T): D for each query.
@group(0) @binding(4) var<storage, read_write> delta: array<f32>;
// Only the queries' third is written here; the keys' half writes the rest.
@group(0) @binding(5) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(6) var<uniform> p: Params;

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
    let valid = t < p.t;
    let tq = min(t, p.t - 1u);

    var q: array<f32, MAX_HS>;
    var d: array<f32, MAX_HS>;
    var dq: array<f32, MAX_HS>;
    let q0 = (bb * p.t + tq) * c3 + h * hs;
    let o0 = (bb * p.t + tq) * p.c + h * hs;
    var big_d = 0.0;
    for (var i = 0u; i < hs; i++) {
        q[i] = qkv[q0 + i] * p.scale;
        d[i] = dout[o0 + i];
        big_d += d[i] * out[o0 + i];
        dq[i] = 0.0;
    }
    let row = (bb * p.nh + h) * p.t + tq;
    let l = lse[row];
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
            for (var j = 0u; j < kn; j++) {
                var score = 0.0;
                var dp = 0.0;
                for (var i = 0u; i < hs; i++) {
                    score += q[i] * ks[j * hs + i];
                    dp += d[i] * vs[j * hs + i];
                }
                let ds = exp(score - l) * (dp - big_d);
                for (var i = 0u; i < hs; i++) {
                    dq[i] += ds * ks[j * hs + i];
                }
            }
        }
        workgroupBarrier();
    }
    if (valid) {
        delta[row] = big_d;
        for (var i = 0u; i < hs; i++) {
            dqkv[q0 + i] = dq[i] * p.scale;
        }
    }
}
