// out[n, c] = wte[tokens[n], c] + wpe[n % T, c]. The token table may be split across several
// buffers (one binding holds at most max_storage_buffer_binding_size bytes): one dispatch per
// chunk, each writing only the positions whose token falls in its rows [row0, row0 + rows).
// The bindings of both layouts (encoder_forward.wgsl: a workgroup per position;
// encoder_forward_lane.wgsl: an invocation per position), prepended to each by the registry
// (kernels/encoder_forward.rs), as are `Column` and LANES (kernels/columns.rs): each invocation
// reads one value or four (as one vec4, where C is a multiple of four) at a time. Both call
// `embed`, below.

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
@group(0) @binding(1) var<storage, read> wte: array<Column>;
@group(0) @binding(2) var<storage, read> wpe: array<Column>;
@group(0) @binding(3) var<storage, read_write> out: array<Column>;
@group(0) @binding(4) var<uniform> p: Params;

// Writes channels first, first + stride, ... (in Columns) of position pos, where its token falls
// in this chunk of the table.
fn embed(pos: u32, first: u32, stride: u32) {
    // Unsigned wrap-around turns "below row0" into "far above rows".
    let row = tokens[pos] - p.row0;
    if (row >= p.rows) {
        return;
    }
    let columns = p.c / LANES;
    let src = row * columns;
    let at = (pos % p.t) * columns;
    let dst = pos * columns;
    for (var ch = first; ch < columns; ch += stride) {
        out[dst + ch] = wte[src + ch] + wpe[at + ch];
    }
}
