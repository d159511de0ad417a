// The residual add's gradient: both inputs receive dout (added, as gradients accumulate). The
// training step does not dispatch it: it keeps one gradient buffer for the residual stream, into
// which each block's branches add, which is the same sum without the copies.

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<f32>;
@group(0) @binding(1) var<storage, read_write> da: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
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
    da[i] += dout[i];
    db[i] += dout[i];
}
