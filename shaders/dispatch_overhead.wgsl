// Issue 19's dispatch-overhead probe: a kernel that does no work but binds one read-write
// storage buffer, so that wgpu orders it after the previous dispatch as it orders the training
// step's kernels. The write never happens (no invocation has that index); it keeps the binding.

@group(0) @binding(0) var<storage, read_write> sink: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x == 0xffffffffu) {
        sink[0] = 1u;
    }
}
