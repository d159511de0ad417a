// The training step's epilogue for the texture family's kernel, appended in place of
// matmul_store4.wgsl: C is a block of a larger row-major matrix (leading dimension ldc, first
// element c_off), the bias is added (BIAS) and the product is added to what C holds
// (ACCUMULATE) where the step sums gradients.

struct Epilogue {
    ldc: u32,
    c_off: u32,
    bias_off: u32,
    _pad0: u32,
}

@group(0) @binding(4) var<uniform> ep: Epilogue;
@group(0) @binding(5) var<storage, read> bias: array<f32>;

override ACCUMULATE: bool = false;
override BIAS: bool = false;

fn store4(r: u32, col4: u32, v: vec4<f32>) {
    if (r >= dims.m) {
        return;
    }
    for (var e = 0u; e < 4u; e++) {
        let col = col4 * 4u + e;
        if (col < dims.n) {
            let index = ep.c_off + r * ep.ldc + col;
            var x = v[e];
            if (BIAS) {
                x += bias[ep.bias_off + col];
            }
            if (ACCUMULATE) {
                x += c[index];
            }
            c[index] = x;
        }
    }
}
