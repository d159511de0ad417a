// AdamW as llm.c's gpt2_update: bias-corrected moments and weight decay applied to every
// parameter, decoupled from the gradient:
//   m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²
//   θ -= lr (m / (1 - β1^t) / (sqrt(v / (1 - β2^t)) + ε) + λ θ)
// The per-step values (lr, the bias corrections) come in `h`, written before each step; the
// tensor's length in `p`.

struct Hyper {
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    // 1 - β1^t and 1 - β2^t, computed on the host in f64.
    correction1: f32,
    correction2: f32,
    _pad0: u32,
}

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> grad: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> h: Hyper;
@group(0) @binding(5) var<uniform> p: Params;

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
    let g = grad[i];
    let mi = h.beta1 * m[i] + (1.0 - h.beta1) * g;
    let vi = h.beta2 * v[i] + (1.0 - h.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let m_hat = mi / h.correction1;
    let v_hat = vi / h.correction2;
    param[i] -= h.lr * (m_hat / (sqrt(v_hat) + h.eps) + h.weight_decay * param[i]);
}
