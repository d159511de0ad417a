//! Property tests on the local adapter (lavapipe in CI): every kernel family, and a sample of
//! the configurations the tuner may pick, at random shapes and data against the f64 reference.
//!
//! Bounded so the file stays under a minute on lavapipe: 24 cases, dimensions up to 200, one
//! opened device shared by every case, and a fixed proptest seed so a failure repeats.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use flopcost::bench::{run_kernel, MatmulInputs};
use flopcost::gpu::GpuContext;
use flopcost::kernels::{families, MatmulKernel};
use flopcost::model::{MatmulProblem, ResultStatus, RunPlan};

const CASES: u32 = 24;
/// Configurations tried per family besides its default.
const SAMPLED_PER_FAMILY: usize = 2;

/// Per family: its default, then every k-th candidate so that the sample spans the list
/// (the first and a middle one at `SAMPLED_PER_FAMILY` = 2). Deterministic.
fn kernels_under_test() -> Vec<Vec<MatmulKernel>> {
    families()
        .iter()
        .map(|family| {
            let mut chosen = vec![(family.default)()];
            let candidates = (family.candidates)();
            let step = candidates.len().div_ceil(SAMPLED_PER_FAMILY).max(1);
            chosen.extend(candidates.into_iter().step_by(step));
            chosen
        })
        .collect()
}

/// A dimension: anything from 1 to 200, or a value where kernels usually go wrong: tile edges
/// and one either side, primes, 1.
fn dimension() -> impl Strategy<Value = u32> {
    prop_oneof![
        1u32..=200,
        prop::sample::select(vec![
            1u32, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 127, 128, 129, 131,
            191, 192, 193, 197, 199,
        ]),
    ]
}

fn quick() -> RunPlan {
    RunPlan {
        warmup: 0,
        min_runs: 1,
        min_time: 0.0,
        ..RunPlan::default()
    }
}

/// Runs `kernel` and checks the contract: passed and timed where it fits, unsupported with a
/// reason and no time where it does not; never a time for a failed run.
fn check_one(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    inputs: &MatmulInputs,
) -> Result<(), TestCaseError> {
    let p = inputs.problem;
    let what = format!(
        "{} {:?} at {}x{}x{} seed {}",
        kernel.name, kernel.config, p.m, p.n, p.k, inputs.seed
    );
    let r = run_kernel(ctx, kernel, inputs, &quick());
    if r.status != ResultStatus::Passed {
        prop_assert!(r.measurement.is_none(), "{what}: a time for a failed run");
    }
    match kernel.check_fits(&p, &ctx.description) {
        Ok(()) => {
            prop_assert_eq!(r.status, ResultStatus::Passed, "{}: {:?}", what, r.error);
            let v = r.validation.as_ref().expect("a passed run was validated");
            prop_assert!(v.passed && v.max_rel_error <= v.tolerance, "{what}: {v:?}");
            let m = r.measurement.as_ref().expect("a passed run is timed");
            prop_assert!(m.median_s > 0.0 && m.gflops > 0.0, "{what}: {m:?}");
        }
        Err(_) => {
            prop_assert_eq!(r.status, ResultStatus::Unsupported, "{}", what);
            prop_assert!(r.error.is_some_and(|e| !e.is_empty()), "{what}: no reason");
            prop_assert!(r.validation.is_none());
        }
    }
    Ok(())
}

#[test]
fn every_family_and_sampled_configurations_match_the_reference() {
    let ctx = common::device();
    let kernels = kernels_under_test();
    let config = Config {
        cases: CASES,
        // Fixed: the same shapes every run, so a failure in CI repeats locally.
        rng_seed: RngSeed::Fixed(0xF10C_C057),
        // No regression files written into the source tree.
        failure_persistence: None,
        // Each shrink step runs kernels on the device; a few are enough to find a small shape.
        max_shrink_iters: 32,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let case = std::cell::Cell::new(0usize);
    let strategy = (dimension(), dimension(), dimension(), any::<u64>());
    let outcome = runner.run(&strategy, |(m, n, k, seed)| {
        let inputs = MatmulInputs::random(MatmulProblem { m, n, k }, seed);
        // Every family each case; its sampled configurations in turn across cases.
        for family in &kernels {
            check_one(&ctx, &family[case.get() % family.len()], &inputs)?;
        }
        case.set(case.get() + 1);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}
