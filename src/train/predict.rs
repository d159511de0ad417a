//! Issue 19's premise check, the measurements: what a training step is predicted from, each
//! measured on its own after the timed steps. Every distinct kernel of the step (matmuls at
//! their own shape and transposed-operand layout, the texture path's packing, attention's
//! products, and every memory-bound kernel at its own shape) is timed alone in a pass of
//! back-to-back repeats; products are timed again with a cache flush before each repeat, and
//! memory-bound kernels are set beside their bytes at the copy probe's bandwidth, so the gap
//! to a stream is measured, not assumed; an empty kernel, dispatched few and many times in one
//! submission, gives the per-dispatch and per-submission overheads. The arithmetic is in
//! `prediction.rs`.
//!
//! The isolated timings are taken in rounds, and each round also times one whole step and each
//! class's dispatches submitted on their own: the prediction is set beside a step measured
//! under the same load as what it was predicted from (the host of a software adapter is shared
//! with everything else on it, and its load moves between the timed steps and the check).
//!
//! Runs after the measured steps: the kernels are repeated on the step's own buffers, which
//! leaves them holding values no training step would, so nothing of the run may follow.

use std::time::{Duration, Instant};

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

/// Rounds of timing; each figure is the median over them.
const ROUNDS: usize = 5;
/// A batch of one kernel's repeats lasts about this long, so the submission's own cost is a
/// small part of what is divided among them.
const BATCH_TARGET_S: f64 = 0.03;
const MAX_REPEATS: u32 = 256;
/// Empty dispatches in the "many" submission of the overhead probe.
const MANY_DISPATCHES: u32 = 2000;
const TIMEOUT: Duration = Duration::from_secs(120);

/// Measures what the prediction needs and sets it beside the step measured alongside.
pub fn predict(
    ctx: &GpuContext,
    step: &GpuStep,
    report: &TrainReport,
    progress: &Progress,
) -> Result<StepPrediction, FlopcostError> {
    progress.step("premise check: timing the step's overheads, bandwidth and kernels alone");
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
    let flush = cache_flush(ctx, step.plan.device_bytes())?;
    let timed = time_rounds(ctx, step, &ops, &flush, submission_s)?;
    let sum_of = |class: KernelClass, pick: fn(&Timed) -> Option<f64>| -> Option<f64> {
        ops.iter()
            .filter(|op| op.class == class)
            .map(|op| {
                timed
                    .kernels
                    .iter()
                    .find(|t| t.op.same_work(op))
                    .and_then(pick)
            })
            .sum()
    };
    let work: Vec<ClassWork> = KernelClass::ALL
        .iter()
        .filter_map(|&class| {
            let mine: Vec<&&Op> = ops.iter().filter(|op| op.class == class).collect();
            if mine.is_empty() {
                return None;
            }
            Some(ClassWork {
                class,
                dispatches: mine.len() as u32,
                bytes: mine.iter().map(|op| op.bytes).sum(),
                isolated_s: sum_of(class, |t| Some(t.warm_s)).unwrap_or(0.0),
                flushed_s: sum_of(class, |t| t.flushed_s),
            })
        })
        .collect();
    let zeroed = step.zeroed_bytes() as f64;
    let predicted_step_s = prediction::step_seconds(&work, zeroed, &o);
    let measured_step_s = median(&timed.step_samples);
    let classes = work
        .iter()
        .map(|w| {
            // Each class was measured as one submission of its dispatches: so is its
            // prediction.
            let predicted_s = prediction::class_seconds(w) + submission_s;
            let measured_s = timed
                .class_samples
                .iter()
                .find(|c| c.0 == w.class)
                .map(|c| median(&c.1))
                .filter(|s| *s > 0.0);
            let gap = measured_s.and_then(|m| prediction::relative_gap(predicted_s, m));
            ClassPrediction {
                class: w.class.name().to_string(),
                dispatches: w.dispatches,
                basis: "isolated kernels".into(),
                predicted_s,
                measured_s,
                breakdown_s: report
                    .breakdown
                    .classes
                    .iter()
                    .find(|c| c.class == w.class.name())
                    .map(|c| c.median_s)
                    .filter(|s| *s > 0.0),
                at_bandwidth_s: w
                    .class
                    .memory_bound()
                    .then(|| prediction::at_bandwidth(w, &o)),
                flushed_s: w.flushed_s,
                gap,
                explanation: prediction::explain(w, gap, &o),
            }
        })
        .collect();
    let product_records = timed
        .kernels
        .iter()
        .map(|t| IsolatedProduct {
            kernel: t.op.kernel.to_string(),
            class: t.op.class.name().to_string(),
            groups: t.op.groups(),
            flops: t.op.flops,
            per_step: t.per_step,
            seconds: t.warm_s,
            samples_s: t.warm_samples.clone(),
            flushed_s: t.flushed_s,
        })
        .collect();
    Ok(StepPrediction {
        method: format!(
            "each distinct kernel of the step dispatched alone in a pass of back-to-back repeats \
             on the step's own buffers (one submission, wall clock, the submission's overhead \
             taken out), products also with a {:.0} MB cache flush before each repeat (not \
             used, shown); the step adds one submission and the gradient zeroing's bytes at the \
             copy bandwidth; measured beside it, in each of {ROUNDS} rounds: one whole step and \
             each class's dispatches submitted on their own",
            flush.bytes as f64 / 1e6
        ),
        timing: TimingSource::WallClock,
        dispatch_overhead_s: dispatch_s,
        submission_overhead_s: submission_s,
        copy_bandwidth_gbs: bandwidth_gbs,
        products: product_records,
        classes,
        fixed_s: prediction::fixed_seconds(zeroed, &o),
        predicted_step_s,
        measured_step_s,
        timed_steps_s: Some(report.step_time.median_s),
        agreement: prediction::AGREEMENT,
        step_gap: prediction::relative_gap(predicted_step_s, measured_step_s).unwrap_or(f64::NAN),
        class_conditions: "each class's dispatches of one step submitted on their own and timed \
                           by the wall clock in the prediction's rounds, so each class's \
                           prediction includes one submission's overhead"
            .into(),
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
    for _ in 0..ROUNDS {
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

/// A kernel that reads and writes a buffer as large as the step's, dispatched between
/// isolated repeats so that each repeat finds its operands evicted as the step's traffic would
/// leave them (as GPU benchmarks flush the L2 between timed runs).
struct Flush {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    groups: (u32, u32),
    bytes: u64,
}

fn cache_flush(ctx: &GpuContext, step_bytes: u64) -> Result<Flush, FlopcostError> {
    let limits = &ctx.description.limits;
    let cap = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    let bytes = step_bytes.min(cap) / 16 * 16;
    let vec4s = (bytes / 16) as u32;
    let workgroups = vec4s.div_ceil(64).max(1);
    let x = workgroups.min(limits.max_compute_workgroups_per_dimension);
    let groups = (x, workgroups.div_ceil(x));
    ctx.scoped(|| {
        let data = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("cache flush"),
            size: bytes.max(16),
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let pipeline = ctx.compute_pipeline(
            "cache flush",
            include_str!("../../shaders/cache_flush.wgsl"),
            "main",
            &[],
        );
        let bind_group = ctx.bind_group(&pipeline, &[(0, data.as_entire_binding())]);
        Flush {
            pipeline,
            bind_group,
            groups,
            bytes,
        }
    })
}

/// One submission of `repeats` passes' worth of work in one pass: each repeat the flush (when
/// given) then `work` (when given), as the step records its dispatches; its wall time.
fn run_alone(
    ctx: &GpuContext,
    work: Option<&Dispatch>,
    flush: Option<&Flush>,
    repeats: u32,
) -> Result<f64, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        for _ in 0..repeats {
            if let Some(f) = flush {
                pass.set_pipeline(&f.pipeline);
                pass.set_bind_group(0, &f.bind_group, &[]);
                pass.dispatch_workgroups(f.groups.0, f.groups.1, 1);
            }
            if let Some(w) = work {
                pass.set_pipeline(&w.pipeline);
                for (bind_group, (x, y, z)) in &w.parts {
                    pass.set_bind_group(0, bind_group, &[]);
                    pass.dispatch_workgroups(*x, *y, *z);
                }
            }
        }
    }
    let start = Instant::now();
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT)?;
    Ok(start.elapsed().as_secs_f64())
}

/// One distinct kernel of the step (same pipeline, grid and work), timed alone.
struct Timed<'a> {
    op: &'a Op,
    /// Dispatches of this work in one step.
    per_step: u32,
    /// Seconds of one dispatch among back-to-back repeats on the same buffers.
    warm_s: f64,
    warm_samples: Vec<f64>,
    /// Products only: seconds of one dispatch when each repeat follows the cache flush, the
    /// flush's own time, timed alone in the same round, taken out.
    flushed_s: Option<f64>,
}

/// What the rounds measured: every distinct kernel alone, and beside them the whole step and
/// each class's dispatches on their own.
struct Rounds<'a> {
    kernels: Vec<Timed<'a>>,
    step_samples: Vec<f64>,
    class_samples: Vec<(KernelClass, Vec<f64>)>,
}

/// How one distinct kernel is timed: its batch of warm repeats, and for products the number of
/// flushed repeats.
struct KernelPlan<'a> {
    op: &'a Op,
    per_step: u32,
    single: Dispatch,
    batch: Dispatch,
    repeats: u32,
    flushed_repeats: Option<u32>,
}

/// Times every distinct kernel of `ops` alone, and beside them whole steps and each class's
/// dispatches, in `ROUNDS` rounds over all of them in turn, so a change in the machine's load
/// touches the prediction and the measurement alike.
fn time_rounds<'a>(
    ctx: &GpuContext,
    step: &GpuStep,
    ops: &[&'a Op],
    flush: &Flush,
    submission_s: f64,
) -> Result<Rounds<'a>, FlopcostError> {
    let mut plans: Vec<KernelPlan<'a>> = Vec::new();
    // The first runs compile and touch memory; the next size each kernel's batches.
    run_alone(ctx, None, Some(flush), 1)?;
    let flush_s = (run_alone(ctx, None, Some(flush), 1)? - submission_s).max(1e-7);
    for &op in ops {
        if let Some(p) = plans.iter_mut().find(|p| p.op.same_work(op)) {
            p.per_step += 1;
            continue;
        }
        let single = step.bench_dispatch(op, 1);
        run_alone(ctx, Some(&single), None, 1)?;
        let work_s = (run_alone(ctx, Some(&single), None, 1)? - submission_s).max(1e-7);
        let repeats = ((BATCH_TARGET_S / work_s).ceil() as u32).clamp(2, MAX_REPEATS);
        let flushed_repeats = (!op.class.memory_bound())
            .then(|| ((BATCH_TARGET_S / (work_s + flush_s)).ceil() as u32).clamp(2, MAX_REPEATS));
        plans.push(KernelPlan {
            op,
            per_step: 1,
            batch: step.bench_dispatch(op, repeats),
            single,
            repeats,
            flushed_repeats,
        });
    }
    let mut warm = vec![Vec::with_capacity(ROUNDS); plans.len()];
    let mut flushed = vec![Vec::with_capacity(ROUNDS); plans.len()];
    let mut step_samples = Vec::with_capacity(ROUNDS);
    let mut class_samples: Vec<(KernelClass, Vec<f64>)> = KernelClass::ALL
        .iter()
        .filter(|&&c| ops.iter().any(|op| op.class == c))
        .map(|&c| (c, Vec::with_capacity(ROUNDS)))
        .collect();
    for _ in 0..ROUNDS {
        step_samples.push(whole_step(ctx, step)?);
        for (class, samples) in class_samples.iter_mut() {
            samples.push(class_alone(ctx, step, ops, *class)?);
        }
        for (i, p) in plans.iter().enumerate() {
            let wall = run_alone(ctx, Some(&p.batch), None, 1)?;
            warm[i].push(((wall - submission_s) / p.repeats as f64).max(0.0));
            if let Some(f) = p.flushed_repeats {
                let pair = run_alone(ctx, Some(&p.single), Some(flush), f)?;
                let alone = run_alone(ctx, None, Some(flush), f)?;
                flushed[i].push(((pair - alone) / f as f64).max(0.0));
            }
        }
    }
    let kernels = plans
        .into_iter()
        .zip(warm.into_iter().zip(flushed))
        .map(|(p, (warm_samples, flushed_samples))| Timed {
            op: p.op,
            per_step: p.per_step,
            warm_s: median(&warm_samples),
            warm_samples,
            flushed_s: p.flushed_repeats.map(|_| median(&flushed_samples)),
        })
        .collect();
    Ok(Rounds {
        kernels,
        step_samples,
        class_samples,
    })
}

/// One whole step as the timed steps run it (zeroing, forward, backward, AdamW in one
/// submission), its wall time. It keeps no loss: the run's history is already read.
fn whole_step(ctx: &GpuContext, step: &GpuStep) -> Result<f64, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_ops(&mut encoder, &step.update, None);
    let start = Instant::now();
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT)?;
    Ok(start.elapsed().as_secs_f64())
}

/// `class`'s dispatches of one step, in step order, in one pass of one submission (as the
/// breakdown times a class by the wall clock), its wall time.
fn class_alone(
    ctx: &GpuContext,
    step: &GpuStep,
    ops: &[&Op],
    class: KernelClass,
) -> Result<f64, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        for op in ops.iter().filter(|op| op.class == class) {
            step.dispatch_one(&mut pass, op);
        }
    }
    let start = Instant::now();
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT)?;
    Ok(start.elapsed().as_secs_f64())
}
