//! A kernel that runs far longer than its wait allows must fail with a timeout, not hang.
//!
//! The timeout of the first, validated run is `max(timeout_floor, FLOPs / 1e8 FLOP/s)`, so a
//! big problem would earn a long wait. The kernel here is instead tiny in FLOPs (128×128×8,
//! a 2.6 ms allowance) but spins in every invocation, which takes a few seconds on lavapipe
//! (measured: about 0.9 s at 64×64, growing with the invocations): the 50 ms floor is what
//! bounds its wait.
//!
//! After a timed-out wait the submission keeps running: nothing in wgpu can cancel it. wgpu
//! waits for it when the device is dropped (`Queue::drop` waits for the queue to go idle), so
//! this test ends once the spin finishes, a few seconds later; a kernel that truly never ended
//! would hang that drop until the driver's watchdog killed it.

mod common;

use std::time::{Duration, Instant};

use flopcost::bench::{run_kernel, MatmulInputs};
use flopcost::kernels::{self, MatmulKernel};
use flopcost::model::{failed_results_error, FailureKind, MatmulProblem, ResultStatus, RunPlan};

/// Spin iterations per unit of K, in every invocation.
const SPIN_PER_K: u32 = 50_000_000;

/// The naive kernel, still computing the right answer, but spinning first.
fn spinning_kernel() -> MatmulKernel {
    let mut kernel = kernels::naive();
    let spin = format!(
        "var spin = bitcast<u32>(acc);
    for (var j = 0u; j < dims.k * {SPIN_PER_K}u; j++) {{
        spin = spin * 1664525u + bitcast<u32>(a[j % dims.k]);
    }}
    // Almost never true, and the compiler cannot know when: it has to run the loop.
    if (spin == 0x9e3779b9u) {{
        acc = 0.0;
    }}
    c[row * dims.n + col] = acc;"
    );
    kernel.source = kernel
        .source
        .replace("c[row * dims.n + col] = acc;", &spin)
        .into();
    assert!(kernel.source.contains("spin"), "the naive shader changed");
    kernel
}

#[test]
fn a_kernel_that_outlasts_its_timeout_fails_instead_of_hanging() {
    let ctx = common::device();
    if !ctx.description.is_software() {
        // A real GPU spins through this in milliseconds, inside the floor; making it spin
        // for seconds instead would risk the OS watchdog resetting the display driver.
        eprintln!("skipped: the spin is sized for a software adapter");
        return;
    }
    let plan = RunPlan {
        warmup: 0,
        min_runs: 1,
        min_time: 0.0,
        timeout_floor: Duration::from_millis(50),
        ..RunPlan::default()
    };
    let inputs = MatmulInputs::random(
        MatmulProblem {
            m: 128,
            n: 128,
            k: 8,
        },
        7,
    );
    let start = Instant::now();
    let r = run_kernel(&ctx, &spinning_kernel(), &inputs, &plan);
    let returned_after = start.elapsed();
    assert_eq!(r.status, ResultStatus::Failed, "{:?}", r.error);
    let error = r.error.clone().unwrap_or_default();
    assert!(error.contains("did not finish within"), "{error}");
    assert!(r.measurement.is_none(), "a timed-out run must not be timed");
    assert!(r.validation.is_none(), "nothing was read back to validate");
    // The kind survives up to the exit code: a hung device is the device's error (5), not a
    // wrong answer (4).
    assert_eq!(r.failure, Some(FailureKind::Device));
    let error = failed_results_error(std::slice::from_ref(&r)).expect("a failure");
    assert_eq!(error.exit_code(), 5, "{error}");
    assert!(
        returned_after < Duration::from_secs(2),
        "the wait returned after {returned_after:?}, not at its 50 ms timeout"
    );
    // The device is still spinning; dropping it waits for that, which must end too.
    drop(ctx);
    eprintln!(
        "timed out after {returned_after:?}; device idle and dropped after {:?}",
        start.elapsed()
    );
}
