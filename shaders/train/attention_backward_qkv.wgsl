// Attention backward, second half: the gradients of the queries, keys and values of position t
// of head h, all written (not added) by the one invocation that owns them:
//   dq[t]  = Σ_{t2 <= t} dpreatt[t, t2] * k[t2]
//   dk[t]  = Σ_{t1 >= t} dpreatt[t1, t] * q[t1]
//   dv[t]  = Σ_{t1 >= t} att[t1, t] * dout[t1]
// with dpreatt already scaled by 1/sqrt(hs) (attention_backward_scores). One invocation per
// (b, h, t), so no two write the same element and no atomics are needed. With grouped-query
// attention (kv_heads < nh) a key's and value's gradient sums over its group of query heads.

struct Params {
    // Sequences in this dispatch, the first being sequence b0 of the batch: the scores of a
    // large batch may be split across several buffers, one dispatch each.
    b: u32,
    t: u32,
    c: u32,
    nh: u32,
    scale: f32,
    b0: u32,
    // Key/value heads, each shared by nh / kv_heads query heads (grouped-query attention,
    // Llama); 0 means nh (GPT-2). A row of qkv holds the nh query heads, then the kv_heads
    // key heads, then the kv_heads value heads.
    kv_heads: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> att: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> dpreatt: array<f32>;
@group(0) @binding(4) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

const MAX_HS: u32 = 128u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let index = (wg.y * groups.x + wg.x) * 64u + lidx;
    if (index >= p.b * p.nh * p.t) {
        return;
    }
    let t = index % p.t;
    let h = (index / p.t) % p.nh;
    let bb = index / (p.t * p.nh);
    let gb = p.b0 + bb;
    let hs = p.c / p.nh;
    let kvh = select(p.kv_heads, p.nh, p.kv_heads == 0u);
    let g = h / (p.nh / kvh);
    let c3 = p.c + 2u * kvh * hs;
    let k_at = p.c + g * hs;
    let v_at = p.c + (kvh + g) * hs;
    let head = (bb * p.nh + h) * p.t * p.t;
    let mine = (gb * p.t + t) * c3 + h * hs;

    // Row by row over the other positions, each row's hs values read once, contiguously.
    var dq: array<f32, MAX_HS>;
    var dk: array<f32, MAX_HS>;
    var dv: array<f32, MAX_HS>;
    for (var i = 0u; i < hs; i++) {
        dq[i] = 0.0;
        dk[i] = 0.0;
        dv[i] = 0.0;
    }
    for (var t2 = 0u; t2 <= t; t2++) {
        let w = dpreatt[head + t * p.t + t2];
        let k = (gb * p.t + t2) * c3 + k_at;
        for (var i = 0u; i < hs; i++) {
            dq[i] += w * qkv[k + i];
        }
    }
    // The keys and values of a KV head are shared by its group of query heads: the group's
    // first head sums over the whole group, so each element still has one writer.
    let group = p.nh / kvh;
    if (h % group == 0u) {
        for (var hh = h; hh < h + group; hh++) {
            let hhead = (bb * p.nh + hh) * p.t * p.t;
            for (var t1 = t; t1 < p.t; t1++) {
                let w = dpreatt[hhead + t1 * p.t + t];
                let a = att[hhead + t1 * p.t + t];
                let q = (gb * p.t + t1) * c3 + hh * hs;
                let d = (gb * p.t + t1) * p.c + hh * hs;
                for (var i = 0u; i < hs; i++) {
                    dk[i] += w * qkv[q + i];
                    dv[i] += a * dout[d + i];
                }
            }
        }
        let row = (gb * p.t + t) * c3;
        for (var i = 0u; i < hs; i++) {
            dqkv[row + k_at + i] = dk[i];
            dqkv[row + v_at + i] = dv[i];
        }
    }
    for (var i = 0u; i < hs; i++) {
        dqkv[mine + i] = dq[i];
    }
}
