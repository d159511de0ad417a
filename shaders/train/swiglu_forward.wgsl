// SwiGLU's gate (Llama's MLP): out = silu(gate) ⊙ up, silu(a) = a · sigmoid(a).

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> gate: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> up: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    // Four values an invocation: vec4 loads and stores are what lets a CPU adapter (lavapipe)
    // stream; n need not be a multiple of 4, as every storage buffer of the step is padded to
    // 16 bytes (launch::storage, the browser's buffers too), so the last vec4 stays in bounds.
    let i = (wg.y * groups.x + wg.x) * 256u + lidx;
    if (i * 4u >= p.n) {
        return;
    }
    let a = gate[i];
    out[i] = a / (1.0 + exp(-a)) * up[i];
}
