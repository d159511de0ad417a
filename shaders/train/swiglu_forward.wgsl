// SwiGLU's gate (Llama's MLP): out = silu(gate) ⊙ up, silu(a) = a · sigmoid(a).

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> gate: array<f32>;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let i = (wg.y * groups.x + wg.x) * 256u + lidx;
    if (i >= p.n) {
        return;
    }
    let a = gate[i];
    out[i] = a / (1.0 + exp(-a)) * up[i];
}
