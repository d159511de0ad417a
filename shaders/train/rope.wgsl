// Rotary position embeddings, rotate-half form (Llama, Hugging Face), in place: for each row
// (position t of a sequence), each of its first `heads` heads of hs values, and each pair
// (i, i + hs/2): (x1, x2) → (x1 cos θ - x2 sin θ, x2 cos θ + x1 sin θ), θ = sign · t ·
// base^(-2i/hs). sign = 1 is the forward pass; its backward is the inverse rotation, sign = -1,
// applied to the gradient. Rows are `stride` apart, so it rotates the query and key heads at the
// front of a qkv row and leaves the values. One invocation per (row, head, pair).

struct Params {
    rows: u32,
    t: u32,
    heads: u32,
    hs: u32,
    stride: u32,
    log_base: f32,
    sign: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let index = (wg.y * groups.x + wg.x) * 256u + lidx;
    let half = p.hs / 2u;
    if (index >= p.rows * p.heads * half) {
        return;
    }
    let i = index % half;
    let h = (index / half) % p.heads;
    let row = index / (half * p.heads);
    let position = f32(row % p.t);
    let inv_freq = exp(-f32(2u * i) / f32(p.hs) * p.log_base);
    let angle = p.sign * position * inv_freq;
    let c = cos(angle);
    let s = sin(angle);
    let at = row * p.stride + h * p.hs + i;
    let x1 = x[at];
    let x2 = x[at + half];
    x[at] = x1 * c - x2 * s;
    x[at + half] = x2 * c + x1 * s;
}
