// Attention backward, first half: the gradient of the pre-softmax scores. For query t of head h,
//   datt[t2]    = dout[t] · v[t2]                        (t2 <= t)
//   dpreatt[t2] = att[t2] * (datt[t2] - Σ_t3 att[t3] * datt[t3])    (the softmax's Jacobian)
// stored already multiplied by the score scale 1/sqrt(hs), which the query and key gradients
// both need. One invocation per (b, h, t); entries above the diagonal are never read.

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
@group(0) @binding(3) var<storage, read_write> dpreatt: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

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
    let v_at = p.c + (kvh + g) * hs;
    let row = ((bb * p.nh + h) * p.t + t) * p.t;

    // This position's output gradient, read once.
    var d: array<f32, MAX_HS>;
    let d0 = (gb * p.t + t) * p.c + h * hs;
    for (var i = 0u; i < hs; i++) {
        d[i] = dout[d0 + i];
    }
    var weighted = 0.0;
    for (var t2 = 0u; t2 <= t; t2++) {
        let v = (gb * p.t + t2) * c3 + v_at;
        var datt = 0.0;
        for (var i = 0u; i < hs; i++) {
            datt += d[i] * qkv[v + i];
        }
        dpreatt[row + t2] = datt;
        weighted += att[row + t2] * datt;
    }
    for (var t2 = 0u; t2 <= t; t2++) {
        dpreatt[row + t2] = att[row + t2] * (dpreatt[row + t2] - weighted) * p.scale;
    }
}
