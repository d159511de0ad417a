// out[n, c] = table[tokens[n], c]: Llama's token embedding (no position embedding; positions
// enter through the rotary embeddings). The table may be split across several buffers, one
// dispatch per chunk, as encoder_forward; its backward is encoder_backward_wte.

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

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let index = (wg.y * groups.x + wg.x) * 256u + lidx;
    if (index >= p.n * p.c) {
        return;
    }
    let pos = index / p.c;
    let ch = index % p.c;
    // Unsigned wrap-around turns "below row0" into "far above rows".
    let row = tokens[pos] - p.row0;
    if (row < p.rows) {
        out[index] = table[row * p.c + ch];
    }
}
