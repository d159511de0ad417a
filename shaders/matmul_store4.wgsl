// Writes one vec4 of C at row `r`, vec4 column `col4`, dropping what falls in the padding
// beyond M rows and N columns. Appended by the host to kernels that bind `c` and `dims`.
fn store4(r: u32, col4: u32, v: vec4<f32>) {
    if (r >= dims.m) {
        return;
    }
    for (var e = 0u; e < 4u; e++) {
        let col = col4 * 4u + e;
        if (col < dims.n) {
            c[r * dims.n + col] = v[e];
        }
    }
}
