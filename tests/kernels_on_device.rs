//! Every kernel against the f64 reference on the local adapter (lavapipe in CI), at odd and
//! even shapes, and proof that the poisoned output catches a kernel that skips work.

mod common;

use flopcost::bench::{run_kernel, MatmulInputs};
use flopcost::gpu::GpuContext;
use flopcost::kernels;
use flopcost::model::{MatmulProblem, ResultStatus, RunPlan};

fn quick() -> RunPlan {
    RunPlan {
        warmup: 1,
        min_runs: 2,
        min_time: 0.0,
        ..RunPlan::default()
    }
}

/// Every registered kernel this adapter can run; the others are tested as skipped below.
fn runnable(ctx: &GpuContext, inputs: &MatmulInputs) -> Vec<kernels::MatmulKernel> {
    kernels::registry()
        .into_iter()
        .filter(|k| k.check_fits(&inputs.problem, &ctx.description).is_ok())
        .collect()
}

#[test]
fn a_family_the_adapter_cannot_run_is_skipped_with_its_reason() {
    let ctx = common::device();
    let inputs = MatmulInputs::random(MatmulProblem::square(32), 5);
    for kernel in kernels::registry() {
        let Err(reason) = kernel.check_fits(&inputs.problem, &ctx.description) else {
            continue;
        };
        let r = run_kernel(&ctx, &kernel, &inputs, &quick());
        assert_eq!(r.status, ResultStatus::Unsupported, "{}", kernel.name);
        assert_eq!(r.error.as_deref(), Some(reason.as_str()));
        assert!(r.validation.is_none() && r.measurement.is_none());
    }
    // Without cooperative matrices (lavapipe), their family is the one skipped, and says why.
    if !ctx.description.features.cooperative_matrix {
        let coop = kernels::coop_matrix();
        let reason = coop
            .check_fits(&inputs.problem, &ctx.description)
            .unwrap_err();
        assert!(
            reason.contains("EXPERIMENTAL_COOPERATIVE_MATRIX"),
            "{reason}"
        );
    }
}

const SHAPES: [(u32, u32, u32); 6] = [
    (1, 1, 1),
    (17, 33, 9),
    (64, 64, 64),
    (130, 70, 260),
    (1, 257, 3),
    (65, 1, 129),
];

#[test]
fn every_kernel_matches_the_reference_on_odd_and_even_shapes() {
    let ctx = common::device();
    for (m, n, k) in SHAPES {
        let inputs = MatmulInputs::random(MatmulProblem { m, n, k }, 0xF10C + m as u64);
        for kernel in runnable(&ctx, &inputs) {
            let r = run_kernel(&ctx, &kernel, &inputs, &quick());
            assert_eq!(
                r.status,
                ResultStatus::Passed,
                "{} at {m}x{n}x{k}: {:?}",
                kernel.name,
                r.error
            );
            let v = r.validation.as_ref().unwrap();
            assert!(v.passed && v.max_rel_error <= v.tolerance);
            let t = r.measurement.as_ref().unwrap();
            assert!(t.samples_s.len() >= 2 && t.gflops > 0.0 && t.median_s > 0.0);
        }
    }
}

#[test]
fn a_kernel_that_leaves_outputs_unwritten_fails_and_reports_no_time() {
    let ctx = common::device();
    // Claim each workgroup covers 32x32 outputs while it really computes 16x16: three quarters
    // of C are never written, as if part of the dispatch were skipped.
    let mut broken = kernels::naive();
    broken.tile = (32, 32);
    let inputs = MatmulInputs::random(MatmulProblem::square(64), 1);
    let r = run_kernel(&ctx, &broken, &inputs, &quick());
    assert_eq!(r.status, ResultStatus::Failed);
    assert!(r.measurement.is_none(), "a failed kernel must not be timed");
    let v = r.validation.unwrap();
    assert!(!v.passed && v.max_rel_error.is_infinite());
    assert!(r.error.unwrap().contains("wrong result"));
}

#[test]
fn a_kernel_with_a_wrong_formula_fails() {
    let ctx = common::device();
    // Off by one in the inner loop: every element misses its last term.
    let mut broken = kernels::naive();
    broken.source = broken
        .source
        .replace("i < dims.k; i++", "i + 1u < dims.k; i++")
        .into();
    let inputs = MatmulInputs::random(MatmulProblem { m: 9, n: 9, k: 300 }, 2);
    let r = run_kernel(&ctx, &broken, &inputs, &quick());
    assert_eq!(r.status, ResultStatus::Failed);
    assert!(r.measurement.is_none());
}

#[test]
fn a_shader_that_does_not_compile_is_reported_not_panicked() {
    let ctx = common::device();
    let mut broken = kernels::naive();
    broken.source = "this is not wgsl".into();
    let inputs = MatmulInputs::random(MatmulProblem::square(8), 3);
    let r = run_kernel(&ctx, &broken, &inputs, &quick());
    assert_eq!(r.status, ResultStatus::Failed);
    assert!(r.error.unwrap().contains("validation error"));
}

#[test]
fn a_kernel_over_the_device_limits_is_unsupported() {
    let ctx = common::device();
    let mut huge = kernels::naive();
    huge.workgroup_size = (4096, 4096);
    let inputs = MatmulInputs::random(MatmulProblem::square(8), 4);
    let r = run_kernel(&ctx, &huge, &inputs, &quick());
    assert_eq!(r.status, ResultStatus::Unsupported);
    assert!(r.validation.is_none() && r.measurement.is_none());
}

#[test]
fn a_problem_split_into_many_dispatches_still_validates() {
    let ctx = common::device();
    // A tiny per-dispatch allowance forces every kernel to split C's rows into many dispatches,
    // as a large problem on a slow GPU would be.
    let plan = RunPlan {
        max_flops_per_dispatch: 5e4,
        ..quick()
    };
    let inputs = MatmulInputs::random(
        MatmulProblem {
            m: 130,
            n: 70,
            k: 260,
        },
        11,
    );
    for kernel in runnable(&ctx, &inputs) {
        let r = run_kernel(&ctx, &kernel, &inputs, &plan);
        assert_eq!(
            r.status,
            ResultStatus::Passed,
            "{}: {:?}",
            kernel.name,
            r.error
        );
        let dispatches = r.measurement.unwrap().dispatches_per_run.unwrap();
        let rows_of_workgroups = 130u32.div_ceil(kernel.tile.1);
        assert_eq!(dispatches, rows_of_workgroups.min(95), "{}", kernel.name);
    }
}
