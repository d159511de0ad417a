// As pack_vec4.wgsl, converting to f16 on the way. The inputs are generated as values f16 holds
// exactly, so the conversion loses nothing and the f64 reference sees the same numbers.
enable f16;

struct PackDims {
    rows: u32,
    cols: u32,
    dst_rows: u32,
    dst_cols4: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<uniform> d: PackDims;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f16>>;

@compute @workgroup_size(16, 16)
fn to_buffer(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x >= d.dst_cols4 || g.y >= d.dst_rows) {
        return;
    }
    var v = vec4<f32>(0.0);
    if (g.y < d.rows) {
        for (var i = 0u; i < 4u; i++) {
            let col = g.x * 4u + i;
            if (col < d.cols) {
                v[i] = src[g.y * d.cols + col];
            }
        }
    }
    dst[g.y * d.dst_cols4 + g.x] = vec4<f16>(v);
}
