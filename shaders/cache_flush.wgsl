// Issue 19's premise check: between isolated repeats of one of the step's kernels, this reads
// and writes a buffer as large as the step's own, from every workgroup the device runs, so the
// kernel's operands are no longer in the caches, as they would not be after the rest of a step.

@group(0) @binding(0) var<storage, read_write> data: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
    let i = id.y * n.x * 64u + id.x;
    if (i < arrayLength(&data)) {
        data[i] = data[i] + vec4<f32>(1.0);
    }
}
