// out[n, c] = wte[tokens[n], c] + wpe[n % T, c]. The token table may be split across several
// buffers (one binding holds at most max_storage_buffer_binding_size bytes): one dispatch per
// chunk, each writing only the positions whose token falls in its rows [row0, row0 + rows).
// The bindings of both layouts (encoder_forward.wgsl: a workgroup per position;
// encoder_forward_lane.wgsl: an invocation per position), prepended to each by the registry
// (kernels/encoder_forward.rs), as are `Column` and LANES (kernels/columns.rs): each invocation
// reads one value or four (as one vec4, where C is a multiple of four) at a time.

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
