// Peak arithmetic: each invocation runs eight independent vec4 chains of x = fma(x, mul, add),
// 32 fused multiply-adds per iteration with no memory traffic, so the FMA units, not memory or
// latency, bound the rate. mul and add come from a uniform so the compiler cannot fold the loop;
// with mul < 1 the chains converge instead of overflowing. The host prepends `alias T = f32;`
// (or f16 with `enable f16;`).

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
    let seed = T(f32(index % 1024u) * 0.0009765625);
    var x0 = vec4<T>(seed);
    var x1 = x0 + vec4<T>(T(0.125));
    var x2 = x0 + vec4<T>(T(0.25));
    var x3 = x0 + vec4<T>(T(0.375));
    var x4 = x0 + vec4<T>(T(0.5));
    var x5 = x0 + vec4<T>(T(0.625));
    var x6 = x0 + vec4<T>(T(0.75));
    var x7 = x0 + vec4<T>(T(0.875));
    for (var i = 0u; i < params.iterations; i++) {
        x0 = fma(x0, m, a);
        x1 = fma(x1, m, a);
        x2 = fma(x2, m, a);
        x3 = fma(x3, m, a);
        x4 = fma(x4, m, a);
        x5 = fma(x5, m, a);
        x6 = fma(x6, m, a);
        x7 = fma(x7, m, a);
    }
    let s = (x0 + x1) + (x2 + x3) + (x4 + x5) + (x6 + x7);
    out[index] = f32(s.x + s.y + s.z + s.w);
}
