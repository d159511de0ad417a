// Copies an operand of a product into the rgba32float texture the texture family's kernel reads
// (four consecutive values of a row a texel, zero-padded to whole tiles), reading it straight
// or transposed as the TRANS constant says: the transpose costs nothing beyond the copy the
// texture layout needs anyway. Element (r, c) of the operand is
//   src[src_off + r * ld + c], or with TRANS src[src_off + c * ld + r].

struct Params {
    rows: u32,
    cols: u32,
    src_off: u32,
    ld: u32,
    dst_rows: u32,
    dst_cols4: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> p: Params;

override TRANS: bool = false;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x >= p.dst_cols4 || g.y >= p.dst_rows) {
        return;
    }
    var v = vec4<f32>(0.0);
    if (g.y < p.rows) {
        for (var i = 0u; i < 4u; i++) {
            let col = g.x * 4u + i;
            if (col < p.cols) {
                if (TRANS) {
                    v[i] = src[p.src_off + col * p.ld + g.y];
                } else {
                    v[i] = src[p.src_off + g.y * p.ld + col];
                }
            }
        }
    }
    textureStore(dst, vec2<u32>(g.x, g.y), v);
}
