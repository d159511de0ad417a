// Memory bandwidth. `copy` moves a buffer to another with vec4 loads and stores (bytes read plus
// written); `reduce` only reads, each invocation summing a grid-stride slice into one value.
// Grid-stride loops let a fixed dispatch cover any buffer size within the workgroup limits.

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = groups.x * WG;
    let count = arrayLength(&src);
    for (var i = gid.x; i < count; i += stride) {
        dst[i] = src[i];
    }
}

@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let stride = groups.x * WG;
    let count = arrayLength(&src);
    var acc = vec4<f32>(0.0);
    for (var i = gid.x; i < count; i += stride) {
        acc += src[i];
    }
    sums[gid.x] = acc.x + acc.y + acc.z + acc.w;
}
