// Peak arithmetic: each invocation runs CHAINS independent vec4 chains of x = fma(x, mul, add),
// 4·CHAINS fused multiply-adds per iteration with no memory traffic, so the FMA units, not
// memory or latency, bound the rate. mul and add come from a uniform so the compiler cannot fold
// the loop; with mul < 1 the chains converge instead of overflowing. The host prepends
// `alias T = f32;` (or f16 with `enable f16;`) and writes one line per chain at each `//%` line
// (src/peak/fma.rs says why the chains are spelled out, and how many).

struct Params {
    iterations: u32,
    mul: f32,
    add: f32,
    _pad: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let index = gid.x + gid.y * groups.x * WG;
    let m = vec4<T>(T(params.mul));
    let a = vec4<T>(T(params.add));
    let seed = f32(index % 1024u) * 0.0009765625;
    //% DECLARE
    for (var i = 0u; i < params.iterations; i++) {
        //% STEP
    }
    var s = vec4<T>(T(0.0));
    //% SUM
    out[index] = f32(s.x + s.y + s.z + s.w);
}
