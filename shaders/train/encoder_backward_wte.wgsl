// dwte[tokens[n], c] += dout[n, c] over every position n, for the rows [row0, row0 + rows) of
// the token table this chunk holds. One invocation per channel (or per four, as one vec4, where
// C allows: `Column` and LANES are prepended by the registry) walks the positions in order, so
// positions sharing a token add into the same row without atomics and in a fixed order.

struct Params {
    n: u32,
    c: u32,
    row0: u32,
    rows: u32,
}

@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> dout: array<Column>;
@group(0) @binding(2) var<storage, read_write> dwte: array<Column>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let ch = (wg.y * groups.x + wg.x) * 64u + lidx;
    let columns = p.c / LANES;
    if (ch >= columns) {
        return;
    }
    for (var pos = 0u; pos < p.n; pos++) {
        let row = tokens[pos] - p.row0;
        if (row < p.rows) {
            dwte[row * columns + ch] += dout[pos * columns + ch];
        }
    }
}
