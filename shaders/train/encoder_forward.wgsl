// out[n, c] = wte[tokens[n], c] + wpe[n % T, c]. The token table may be split across several
// buffers (one binding holds at most max_storage_buffer_binding_size bytes): one dispatch per
// chunk, each writing only the positions whose token falls in its rows [row0, row0 + rows).
//
// One workgroup per position, its invocations striding over the channels: the position, its
// token and its row of wpe are the workgroup's, found with one division, and neighbours read
// neighbouring addresses. One invocation per element divided by C and by T in every invocation,
// which a CPU adapter does lane by lane: on lavapipe, 25% of this kernel's time.

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
    let at = (pos % p.t) * p.c;
    let dst = pos * p.c;
    for (var ch = lidx; ch < p.c; ch += WG) {
        out[dst + ch] = wte[src + ch] + wpe[at + ch];
    }
}
