// Causal multi-head attention, the straightforward way (llm.c's attention_forward): for each
// batch b, head h and query position t, scores against keys t2 <= t, scaled by 1/sqrt(hs), a
// softmax kept in `att` (B, NH, T, T; zero above the diagonal) for the backward pass, then the
// weighted sum of the values. qkv is (B, T, 3C): queries, keys, values, each C = NH * hs wide.
// One invocation per (b, h, t).

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
@group(0) @binding(1) var<storage, read_write> att: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// Head sizes up to this; the host refuses larger ones. GPT-2's are 64.
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
    let row = ((bb * p.nh + h) * p.t + t) * p.t;

    // The query, read once; keys and values then stream through row by row.
    var q: array<f32, MAX_HS>;
    let q0 = (gb * p.t + t) * c3 + h * hs;
    for (var i = 0u; i < hs; i++) {
        q[i] = qkv[q0 + i];
    }
    var maxv = -3.402823e38;
    for (var t2 = 0u; t2 <= t; t2++) {
        let k = (gb * p.t + t2) * c3 + k_at;
        var score = 0.0;
        for (var i = 0u; i < hs; i++) {
            score += q[i] * qkv[k + i];
        }
        score *= p.scale;
        maxv = max(maxv, score);
        att[row + t2] = score;
    }
    var sum = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) {
        let e = exp(att[row + t2] - maxv);
        att[row + t2] = e;
        sum += e;
    }
    let inv = 1.0 / sum;
    var acc: array<f32, MAX_HS>;
    for (var i = 0u; i < hs; i++) {
        acc[i] = 0.0;
    }
    for (var t2 = 0u; t2 < p.t; t2++) {
        if (t2 <= t) {
            let a = att[row + t2] * inv;
            att[row + t2] = a;
            let v = (gb * p.t + t2) * c3 + v_at;
            for (var i = 0u; i < hs; i++) {
                acc[i] += a * qkv[v + i];
            }
        } else {
            att[row + t2] = 0.0;
        }
    }
    let o = (gb * p.t + t) * p.c + h * hs;
    for (var i = 0u; i < hs; i++) {
        out[o + i] = acc[i];
    }
}
