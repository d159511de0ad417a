// out[n, c] = wte[tokens[n], c] + wpe[n % T, c]. The token table may be split across several
// buffers (one binding holds at most max_storage_buffer_binding_size bytes): one dispatch per
// chunk, each writing only the positions whose token falls in its rows [row0, row0 + rows).

struct Params {
    n: u32,     // B * T positions
    t: u32,
    c: u32,
    row0: u32,
    rows: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> wte: array<f32>;
@group(0) @binding(2) var<storage, read> wpe: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

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
        out[index] = wte[row * p.c + ch] + wpe[(pos % p.t) * p.c + ch];
    }
}
