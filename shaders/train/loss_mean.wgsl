// The mean of the per-position losses into out[0], by one workgroup, so the step's loss is
// copied out with the step instead of summed on the host.

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> losses: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lidx: u32) {
    var s = 0.0;
    for (var i = lidx; i < p.n; i += WG) {
        s += losses[i];
    }
    partial[lidx] = s;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
        if (lidx < k) {
            partial[lidx] += partial[lidx + k];
        }
        workgroupBarrier();
    }
    if (lidx == 0u) {
        out[0] = partial[0] / f32(p.n);
    }
}
