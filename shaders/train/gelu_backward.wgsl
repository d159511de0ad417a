// GELU's gradient (tanh approximation), written (not added) to dinp: with
// u = sqrt(2/π) (x + 0.044715 x³),
//   dinp = dout * (0.5 (1 + tanh u) + 0.5 x (1 - tanh² u) sqrt(2/π) (1 + 3 · 0.044715 x²)).

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> inp: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dinp: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

fn tanh_stable(x: vec4<f32>) -> vec4<f32> {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}

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
    let x = inp[i];
    let th = tanh_stable(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x));
    let local = 0.5 * (1.0 + th)
        + 0.5 * x * (1.0 - th * th) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x);
    dinp[i] = local * dout[i];
}
