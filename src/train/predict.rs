//! Issue 19's premise check, the measurements: what a training step is predicted from, each
//! measured on its own after the timed steps. Every distinct product of the step (matmuls at
//! their own shape and transposed-operand layout, the texture path's packing, attention's
//! products) is timed alone by the bench's dispatch timing; the copy probe gives the bandwidth
//! at which the memory-bound kernels are predicted; an empty kernel, dispatched few and many
//! times in one submission, gives the per-dispatch and per-submission overheads. The
//! arithmetic is in `prediction.rs`.
//!
//! Runs after the measured steps: the products are repeated on the step's own buffers, which
//! leaves them holding values no training step would, so nothing of the run may follow.

use std::time::Duration;

use crate::bench::{submit_and_wait, Dispatch, Summary};
use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::model::{
    ClassPrediction, IsolatedProduct, ResultStatus, RunPlan, StepPrediction, TimingSource,
    TrainReport,
};
use crate::peak::{probe_bandwidth, BandwidthProbe};
use crate::progress::Progress;

use super::kernels::KernelClass;
use super::prediction::{self, ClassWork, Overheads};
use super::step::{GpuStep, Op};

/// Each timing is the median of this many submissions.
const SAMPLES: usize = 5;
/// A batch of one product's repeats lasts about this long, so the submission's own cost is a
/// small part of what is divided among them.
const BATCH_TARGET_S: f64 = 0.03;
const MAX_REPEATS: u32 = 256;
/// Empty dispatches in the "many" submission of the overhead probe.
const MANY_DISPATCHES: u32 = 2000;
const TIMEOUT: Duration = Duration::from_secs(120);

/// Measures what the prediction needs and sets it beside `report`'s measured step and classes.
pub fn predict(
    ctx: &GpuContext,
    step: &GpuStep,
    report: &TrainReport,
    progress: &Progress,
) -> Result<StepPrediction, FlopcostError> {
    progress.step("premise check: timing the step's overheads, bandwidth and products alone");
    let (dispatch_s, submission_s) = overheads(ctx)?;
    let bandwidth_gbs = copy_bandwidth(ctx)?;
    let o = Overheads {
        dispatch_s,
        submission_s,
        bandwidth_bytes_per_s: bandwidth_gbs * 1e9,
    };
    let ops: Vec<&Op> = step
        .forward_backward
        .iter()
        .chain(step.update.iter())
        .collect();
    let products = time_products(ctx, step, &ops, submission_s)?;
    let work: Vec<ClassWork> = KernelClass::ALL
        .iter()
        .filter_map(|&class| {
            let mine: Vec<&&Op> = ops.iter().filter(|op| op.class == class).collect();
            if mine.is_empty() {
                return None;
            }
            let isolated_s = (!class.memory_bound()).then(|| {
                mine.iter()
                    .map(|op| {
                        products
                            .iter()
                            .find(|p| p.0.same_work(op))
                            .map_or(0.0, |p| p.1)
                    })
                    .sum()
            });
            Some(ClassWork {
                class,
                dispatches: mine.len() as u32,
                bytes: mine.iter().map(|op| op.bytes).sum(),
                isolated_s,
            })
        })
        .collect();
    let zeroed = step.zeroed_bytes() as f64;
    let predicted_step_s = prediction::step_seconds(&work, zeroed, &o);
    let measured_step_s = report.step_time.median_s;
    // On the wall clock, the breakdown submits each class on its own: each of its figures then
    // holds one submission, and so does the prediction set beside it.
    let per_class_submission = report.breakdown.timing == TimingSource::WallClock;
    let classes = work
        .iter()
        .map(|w| {
            let predicted_s = prediction::class_seconds(w, &o)
                + if per_class_submission {
                    submission_s
                } else {
                    0.0
                };
            let measured_s = report
                .breakdown
                .classes
                .iter()
                .find(|c| c.class == w.class.name())
                .map(|c| c.median_s)
                .filter(|s| *s > 0.0);
            let gap = measured_s.and_then(|m| prediction::relative_gap(predicted_s, m));
            ClassPrediction {
                class: w.class.name().to_string(),
                dispatches: w.dispatches,
                basis: if w.isolated_s.is_some() {
                    "isolated products".into()
                } else {
                    "bytes at copy bandwidth".into()
                },
                predicted_s,
                measured_s,
                gap,
                explanation: prediction::explain(w.class, gap).to_string(),
            }
        })
        .collect();
    let product_records = products
        .iter()
        .map(|(op, seconds, samples, per_step)| IsolatedProduct {
            kernel: op.kernel.to_string(),
            class: op.class.name().to_string(),
            groups: op.groups(),
            flops: op.flops,
            per_step: *per_step,
            seconds: *seconds,
            samples_s: samples.clone(),
        })
        .collect();
    Ok(StepPrediction {
        method: "each distinct product dispatched alone in a pass of repeats on the step's own \
                 buffers (one submission, wall clock, the submission's overhead taken out); each \
                 memory-bound kernel's bytes at the copy probe's bandwidth plus one dispatch's \
                 overhead; the step adds one submission and the gradient zeroing's bytes"
            .into(),
        timing: TimingSource::WallClock,
        dispatch_overhead_s: dispatch_s,
        submission_overhead_s: submission_s,
        copy_bandwidth_gbs: bandwidth_gbs,
        products: product_records,
        classes,
        fixed_s: prediction::fixed_seconds(zeroed, &o),
        predicted_step_s,
        measured_step_s,
        agreement: prediction::AGREEMENT,
        step_gap: prediction::relative_gap(predicted_step_s, measured_step_s).unwrap_or(f64::NAN),
        class_conditions: if per_class_submission {
            "the breakdown submitted each class on its own and timed it by the wall clock, so \
             each class's prediction includes one submission's overhead"
                .into()
        } else {
            "the breakdown summed GPU timestamps per dispatch; no submission is in its figures"
                .into()
        },
    })
}

fn median(samples: &[f64]) -> f64 {
    Summary::of(samples).map_or(0.0, |s| s.median)
}

/// (per dispatch, per submission) seconds, from an empty kernel dispatched once and
/// `MANY_DISPATCHES` times, each in one submission, alternated so drift touches both alike.
fn overheads(ctx: &GpuContext) -> Result<(f64, f64), FlopcostError> {
    let (pipeline, bind_group) = ctx.scoped(|| {
        let sink = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("dispatch overhead sink"),
            size: 16,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let pipeline = ctx.compute_pipeline(
            "dispatch overhead",
            include_str!("../../shaders/dispatch_overhead.wgsl"),
            "main",
            &[],
        );
        let bind_group = ctx.bind_group(&pipeline, &[(0, sink.as_entire_binding())]);
        (pipeline, bind_group)
    })?;
    let batch = |n: u32| Dispatch {
        pipeline: pipeline.clone(),
        parts: (0..n).map(|_| (bind_group.clone(), (1, 1, 1))).collect(),
    };
    let (one, many) = (batch(1), batch(MANY_DISPATCHES));
    submit_and_wait(ctx, &many, 1, None, TIMEOUT)?;
    let mut few_s = Vec::new();
    let mut many_s = Vec::new();
    for _ in 0..SAMPLES {
        few_s.push(submit_and_wait(ctx, &one, 1, None, TIMEOUT)?);
        many_s.push(submit_and_wait(ctx, &many, 1, None, TIMEOUT)?);
    }
    Ok(prediction::overheads_from(
        1,
        median(&few_s),
        MANY_DISPATCHES,
        median(&many_s),
    ))
}

/// The copy probe's bandwidth in GB/s, measured now (the peak command's probe and method).
fn copy_bandwidth(ctx: &GpuContext) -> Result<f64, FlopcostError> {
    let plan = RunPlan {
        warmup: 1,
        min_runs: 5,
        min_time: 0.3,
        ..RunPlan::default()
    };
    let probe = probe_bandwidth(ctx, BandwidthProbe::Copy, &plan);
    match (probe.status, probe.value) {
        (ResultStatus::Passed, Some(gbs)) if gbs > 0.0 => Ok(gbs),
        _ => Err(FlopcostError::Device(format!(
            "the copy bandwidth probe did not pass ({}), so the memory-bound kernels cannot be \
             predicted",
            probe.error.unwrap_or_else(|| "no figure".into())
        ))),
    }
}

/// (op, seconds per dispatch, samples, dispatches of that work per step) for every distinct
/// product-class op.
type Timed<'a> = (&'a Op, f64, Vec<f64>, u32);

fn time_products<'a>(
    ctx: &GpuContext,
    step: &GpuStep,
    ops: &[&'a Op],
    submission_s: f64,
) -> Result<Vec<Timed<'a>>, FlopcostError> {
    let mut out: Vec<Timed<'a>> = Vec::new();
    for &op in ops.iter().filter(|op| !op.class.memory_bound()) {
        if let Some(known) = out.iter_mut().find(|t| t.0.same_work(op)) {
            known.3 += 1;
            continue;
        }
        // The first run compiles and touches memory; the second sizes the batches.
        let single = step.bench_dispatch(op, 1);
        submit_and_wait(ctx, &single, 1, None, TIMEOUT)?;
        let once = submit_and_wait(ctx, &single, 1, None, TIMEOUT)?;
        let work_s = (once - submission_s).max(1e-7);
        let repeats = ((BATCH_TARGET_S / work_s).ceil() as u32).clamp(2, MAX_REPEATS);
        let batch = step.bench_dispatch(op, repeats);
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let wall = submit_and_wait(ctx, &batch, 1, None, TIMEOUT)?;
            samples.push(((wall - submission_s) / repeats as f64).max(0.0));
        }
        out.push((op, median(&samples), samples, 1));
    }
    Ok(out)
}
