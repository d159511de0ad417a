// Copies an operand of a product into the rgba32float texture the texture family's kernel reads
// (four consecutive values of a row a texel, zero-padded to whole tiles), reading it straight
// or transposed as the TRANS constant says: the transpose costs nothing beyond the copy the
// texture layout needs anyway. Element (r, c) of the operand is
//   src[src_off + r * ld + c], or with TRANS src[src_off + c * ld + r].
//
// For f16 products the host makes the texture rgba16float and sets HALF: each value is rounded
// to the nearest f16 (ties to even) here, since how a store into a 16-bit float format rounds
// is the driver's choice (Vulkan allows rounding toward zero). Left to lavapipe's store, the
// f16 texture step's gradient norms moved 25 times further from the f32 step's (2e-3 against
// 8e-5), as a rounding that shrinks every operand would: a bias the product's sum keeps,
// where nearest rounding's errors cancel.

struct Params {
    rows: u32,
    cols: u32,
    src_off: u32,
    ld: u32,
    dst_rows: u32,
    dst_cols4: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> p: Params;

override TRANS: bool = false;
override HALF: bool = false;

// x with its mantissa rounded to f16's 10 bits, ties to even: exactly an f16 wherever x is in
// f16's normal range, so the store cannot round it again (smaller values, below 6.1e-5, are
// left to the store; larger ones become infinite there, as any rounding makes them).
fn round_to_half(x: f32) -> f32 {
    let bits = bitcast<u32>(x);
    if ((bits & 0x7f800000u) == 0x7f800000u) {
        return x;
    }
    let tie = (bits >> 13u) & 1u;
    return bitcast<f32>((bits + 0xfffu + tie) & 0xffffe000u);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
    if (g.x >= p.dst_cols4 || g.y >= p.dst_rows) {
        return;
    }
    var v = vec4<f32>(0.0);
    if (g.y < p.rows) {
        for (var i = 0u; i < 4u; i++) {
            let col = g.x * 4u + i;
            if (col < p.cols) {
                if (TRANS) {
                    v[i] = src[p.src_off + col * p.ld + g.y];
                } else {
                    v[i] = src[p.src_off + g.y * p.ld + col];
                }
            }
        }
    }
    if (HALF) {
        v = vec4<f32>(round_to_half(v.x), round_to_half(v.y), round_to_half(v.z), round_to_half(v.w));
    }
    textureStore(dst, vec2<u32>(g.x, g.y), v);
}
