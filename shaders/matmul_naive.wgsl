// C = A * B, row-major f32. One invocation per element of C: the correctness baseline.

// `struct Dims` comes from matmul_dims.wgsl, prepended by the host.

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.y + dims.wg_row0 * WG_Y;
    let col = gid.x;
    if (row >= dims.m || col >= dims.n) {
        return;
    }
    var acc = 0.0;
    for (var i = 0u; i < dims.k; i++) {
        acc = fma(a[row * dims.k + i], b[i * dims.n + col], acc);
    }
    c[row * dims.n + col] = acc;
}
