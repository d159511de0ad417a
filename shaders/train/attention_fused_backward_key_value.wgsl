// Fused attention backward, the keys' and values' half: for key t of head h, over the queries
// t1 >= t that see it, with the probabilities recomputed from the forward's log-sum-exp and D
// from the queries' half (attention_fused_backward_query, dispatched first),
//   p[t1]  = exp(scale · q_t1 · k_t - lse[t1])
//   dv[t]  = Σ_t1 p[t1] · dout[t1]
//   dk[t]  = scale · Σ_t1 p[t1] · (dout[t1] · v_t - D[t1]) · q_t1
// A workgroup owns BQ consecutive keys of one (sequence, head); the queries, their output
// gradients, log-sum-exps and D stream through workgroup memory a tile at a time.

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> delta: array<f32>;
// Only the keys' and values' thirds are written here.
@group(0) @binding(4) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

// Two tiles of 1920 plus 2 × BQ values: within WebGPU's guaranteed 16 KiB.
const TILE: u32 = 1920u;

var<workgroup> qs: array<f32, TILE>;
var<workgroup> ds: array<f32, TILE>;
var<workgroup> ls: array<f32, BQ>;
var<workgroup> dl: array<f32, BQ>;

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
    let tk = min(t, p.t - 1u);

    var k: array<f32, MAX_HS>;
    var v: array<f32, MAX_HS>;
    var dk: array<f32, MAX_HS>;
    var dv: array<f32, MAX_HS>;
    let k0 = (bb * p.t + tk) * c3 + p.c + h * hs;
    for (var i = 0u; i < hs; i++) {
        k[i] = qkv[k0 + i];
        v[i] = qkv[k0 + p.c + i];
        dk[i] = 0.0;
        dv[i] = 0.0;
    }
    let stats = (bb * p.nh + h) * p.t;
    // Queries before the block's first key see none of its keys.
    for (var t0 = blk * BQ; t0 < p.t; t0 += rows) {
        let n = min(rows, p.t - t0);
        for (var e = lidx; e < n * hs; e += BQ) {
            let j = e / hs;
            let i = e % hs;
            qs[e] = qkv[(bb * p.t + t0 + j) * c3 + h * hs + i] * p.scale;
            ds[e] = dout[(bb * p.t + t0 + j) * p.c + h * hs + i];
        }
        if (lidx < n) {
            ls[lidx] = lse[stats + t0 + lidx];
            dl[lidx] = delta[stats + t0 + lidx];
        }
        workgroupBarrier();
        if (valid && t0 + n > t) {
            // The first query of the tile that sees this key.
            let j0 = select(0u, t - t0, t > t0);
            for (var j = j0; j < n; j++) {
                var score = 0.0;
                var dp = 0.0;
                for (var i = 0u; i < hs; i++) {
                    score += qs[j * hs + i] * k[i];
                    dp += ds[j * hs + i] * v[i];
                }
                let pr = exp(score - ls[j]);
                let dsc = pr * (dp - dl[j]);
                for (var i = 0u; i < hs; i++) {
                    dv[i] += pr * ds[j * hs + i];
                    dk[i] += dsc * qs[j * hs + i];
                }
            }
        }
        workgroupBarrier();
    }
    if (valid) {
        for (var i = 0u; i < hs; i++) {
            dqkv[k0 + i] = dk[i];
            dqkv[k0 + p.c + i] = dv[i];
        }
    }
}
