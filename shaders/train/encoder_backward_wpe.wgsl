// dwpe[t, c] += Σ_b dout[b, t, c]: one invocation per (t, c) (or per four of them, as one vec4,
// where T·C allows: `Column` and LANES are prepended by the registry), so no two write the same
// element.

struct Params {
    b: u32,
    t: u32,
    c: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<storage, read> dout: array<Column>;
@group(0) @binding(1) var<storage, read_write> dwpe: array<Column>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lidx: u32,
) {
    let index = (wg.y * groups.x + wg.x) * 256u + lidx;
    let tc = p.t * p.c / LANES;
    if (index >= tc) {
        return;
    }
    var sum = Column(0.0);
    for (var bb = 0u; bb < p.b; bb++) {
        sum += dout[bb * tc + index];
    }
    dwpe[index] += sum;
}
