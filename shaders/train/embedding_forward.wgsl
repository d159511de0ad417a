// out[n, c] = table[tokens[n], c]: Llama's token embedding (no position embedding; positions
// enter through the rotary embeddings). The table may be split across several buffers, one
// dispatch per chunk, as encoder_forward; its backward is encoder_backward_wte. One workgroup
// per position, striding over the channels, as encoder_forward (and for its reason).

struct Params {
    n: u32,     // B * T positions
    c: u32,
    row0: u32,
    rows: u32,
}

@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

const WG: u32 = 64u;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let pos = wg.y * groups.x + wg.x;
    if (pos >= p.n) {
        return;
    }
    // Unsigned wrap-around turns "below row0" into "far above rows".
    let row = tokens[pos] - p.row0;
    if (row >= p.rows) {
        return;
    }
    let src = row * p.c;
    let dst = pos * p.c;
    for (var ch = lidx; ch < p.c; ch += WG) {
        out[dst + ch] = table[src + ch];
    }
}
