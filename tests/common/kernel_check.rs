//! What the kernel tests share: seeded inputs, the f64 widening for the reference, one kernel
//! run on the test device, and the check against the reference with `train::check`'s
//! tolerances.

use flopcost::gpu::GpuContext;
use flopcost::train::check::compare;
use flopcost::train::kernels::TrainKernel;
use flopcost::train::launch::{run_once, Arg};

/// Uniform in [-1, 1), never exactly zero (a zero input would hide a missing term), from a
/// seeded SplitMix64.
pub fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let x = 2.0 * ((z >> 40) as f32 / (1u64 << 24) as f32) - 1.0;
            if x == 0.0 {
                0.5
            } else {
                x
            }
        })
        .collect()
}

pub fn wide(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

/// `got`'s first values against `expected`: a read-back buffer may be longer (buffers are
/// padded to whole vec4s), never shorter. `terms`: the longest sum behind one value, which
/// sets the tolerance.
pub fn check(name: &str, got: &[f32], expected: &[f64], terms: usize) {
    assert!(
        got.len() >= expected.len(),
        "{name}: {} values read back, {} expected",
        got.len(),
        expected.len()
    );
    let c = compare(name, &got[..expected.len()], expected, terms);
    assert!(c.passed, "{c:?}");
}

/// One dispatch of `kernel` over `items` on `ctx`; every read-write argument read back.
pub fn run(ctx: &GpuContext, kernel: TrainKernel, args: Vec<Arg>, items: u64) -> Vec<Vec<f32>> {
    let groups = kernel.grid.for_items(items);
    run_once(ctx, kernel, &args, groups).expect("the kernel ran")
}
