//! Issue 19's premise check, the measurements: what a training step is predicted from, each
//! measured on its own after the timed steps. Every distinct kernel of the step (matmuls at
//! their own shape and transposed-operand layout, the texture path's packing, attention's
//! products, and every memory-bound kernel at its own shape) is timed alone in a pass of
//! back-to-back repeats, and the gradient zeroing alone; products are timed again with a cache
//! flush before each repeat, and memory-bound kernels are set beside their bytes at the copy
//! probe's bandwidth, so the gap to a stream is measured, not assumed; an empty kernel,
//! dispatched few and many times in one submission, gives the per-dispatch and per-submission
//! overheads. The arithmetic is in `prediction.rs`.
//!
//! The isolated timings are taken in rounds, and each round times one whole step just before
//! its kernels and one just after: the prediction is set beside steps measured under the same
//! load as what it was predicted from.
//!
//! The clock. On a GPU, the wall clock. On a CPU software adapter the kernels run on this
//! process's threads, and on a shared host the wall clock also counts how much of the host the
//! process got, which moves by 2x within a minute on a loaded one (SwiftShader's tiny step took
//! 2.9 to 5.8 s by the wall clock in one run, 1.7 to 2.2 s of CPU time); the process's CPU time
//! counts the work. There, every figure of the prediction, overheads included, is taken in CPU
//! time, and the same rounds by the wall clock are shown beside.
//! A software adapter whose idle worker threads spin while waiting for work (SwiftShader's do)
//! adds that spin to the CPU time where it has free CPUs: 10 to 75% of a step on two cores,
//! different every round. The share of the CPUs the process used is printed beside, and the
//! premise test holds such an adapter to one CPU.
//!
//! Runs after the measured steps: the kernels are repeated on the step's own buffers, which
//! leaves them holding values no training step would, so nothing of the run may follow.

use std::time::{Duration, Instant};

use crate::bench::{Dispatch, Summary};
use crate::error::FlopcostError;
use crate::gpu::GpuContext;
use crate::model::{
    ClassPrediction, IsolatedProduct, StepPrediction, TimingSource, TrainReport, WallClockCheck,
};
use crate::peak::copy_bandwidth_now;
use crate::progress::Progress;
use crate::system::{load_average, process_cpu_s};

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

/// One timed submission: its wall time and the CPU time this process spent meanwhile.
#[derive(Debug, Clone, Copy)]
struct Took {
    wall_s: f64,
    cpu_s: Option<f64>,
}

impl Took {
    fn on(self, clock: TimingSource) -> f64 {
        match clock {
            TimingSource::ProcessCpu => self.cpu_s.unwrap_or(self.wall_s),
            _ => self.wall_s,
        }
    }
}

/// Submits `encoder` and waits for it: the wall time and process CPU time in between.
fn timed_submit(ctx: &GpuContext, encoder: wgpu::CommandEncoder) -> Result<Took, FlopcostError> {
    let cpu = process_cpu_s();
    let start = Instant::now();
    let submission = ctx.queue.submit([encoder.finish()]);
    ctx.wait(submission, TIMEOUT)?;
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu.zip(process_cpu_s()).map(|(a, b)| (b - a).max(0.0));
    Ok(Took { wall_s, cpu_s })
}

/// Measures what the prediction needs and sets it beside the step measured alongside.
pub fn predict(
    ctx: &GpuContext,
    step: &GpuStep,
    report: &TrainReport,
    progress: &Progress,
) -> Result<StepPrediction, FlopcostError> {
    progress.step("premise check: timing the step's overheads, bandwidth and kernels alone");
    let clock = if ctx.description.is_software() && process_cpu_s().is_some() {
        TimingSource::ProcessCpu
    } else {
        TimingSource::WallClock
    };
    let load_before = load_average();
    let (few, many) = overhead_samples(ctx)?;
    let bandwidth_gbs = copy_bandwidth(ctx)?;
    let overheads_on = |c: TimingSource| {
        let (dispatch_s, submission_s) =
            prediction::overheads_from(1, median_on(&few, c), MANY_DISPATCHES, median_on(&many, c));
        Overheads {
            dispatch_s,
            submission_s,
            bandwidth_bytes_per_s: bandwidth_gbs * 1e9,
        }
    };
    let ops: Vec<&Op> = step
        .forward_backward
        .iter()
        .chain(step.update.iter())
        .collect();
    let flush = cache_flush(ctx, step.plan.device_bytes())?;
    let rounds = time_rounds(
        ctx,
        step,
        &ops,
        &flush,
        overheads_on(TimingSource::WallClock),
    )?;
    let load = host_load(load_before, load_average(), &rounds.step_samples);

    let o = overheads_on(clock);
    let basis = evaluate(&rounds, &ops, clock, &o);
    let wall_o = overheads_on(TimingSource::WallClock);
    let wall = evaluate(&rounds, &ops, TimingSource::WallClock, &wall_o);
    let classes = basis
        .work
        .iter()
        .zip(&wall.work)
        .map(|(w, wall_w)| {
            let measured_s = rounds
                .class_samples
                .iter()
                .find(|c| c.0 == w.class)
                .map(|c| median_on(&c.1, clock))
                .filter(|s| *s > 0.0);
            // Each class was measured as one submission of its dispatches: so is its
            // prediction.
            let predicted_s = prediction::class_seconds(w) + o.submission_s;
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
                    .then(|| prediction::at_bandwidth(wall_w, &wall_o)),
                flushed_s: w.flushed_s,
                gap,
                // What the kernel is bound by is read off the wall clock, the clock the
                // bandwidth was measured in.
                explanation: prediction::explain(wall_w, gap, &wall_o),
            }
        })
        .collect();
    let product_records = rounds
        .kernels
        .iter()
        .zip(&basis.kernel_s)
        .map(|(t, (warm_s, flushed_s))| IsolatedProduct {
            kernel: t.op.kernel.to_string(),
            class: t.op.class.name().to_string(),
            groups: t.op.groups(),
            flops: t.op.flops,
            per_step: t.per_step,
            seconds: *warm_s,
            samples_s: t
                .warm
                .iter()
                .map(|s| warm_seconds(*s, t, clock, &o))
                .collect(),
            flushed_s: *flushed_s,
        })
        .collect();
    let step_gap = prediction::relative_gap(basis.predicted_s, basis.measured_s);
    let clock_words = match clock {
        TimingSource::ProcessCpu => {
            "this process's CPU time across each submission (all its threads: a CPU adapter's \
            work, whatever else loads the host; the wall clock is shown beside)"
        }
        _ => "the wall clock around each submission",
    };
    Ok(StepPrediction {
        method: format!(
            "timed by {clock_words}: each distinct kernel of the step dispatched alone in a pass \
            of back-to-back repeats on the step's own buffers (one submission, its overhead \
            taken out), products also with a {:.0} MB cache flush before each repeat (not \
            used, shown); the step adds one submission and the gradient zeroing timed alone; \
            in each of {ROUNDS} rounds, one whole step timed just before the kernels and one \
            just after, then each class's dispatches submitted on their own; the step's \
            prediction the median of the rounds' sums, every other figure the median over the \
            rounds",
            flush.bytes as f64 / 1e6
        ),
        timing: clock,
        dispatch_overhead_s: o.dispatch_s,
        submission_overhead_s: o.submission_s,
        copy_bandwidth_gbs: bandwidth_gbs,
        products: product_records,
        classes,
        fixed_s: prediction::fixed_seconds(basis.zeroing_s, &o),
        predicted_step_s: basis.predicted_s,
        measured_step_s: basis.measured_s,
        timed_steps_s: Some(report.step_time.median_s),
        agreement: prediction::AGREEMENT,
        step_gap: step_gap.unwrap_or(f64::NAN),
        class_conditions: format!(
            "each class's dispatches of one step submitted on their own, timed by {} in the \
            prediction's rounds, so each class's prediction includes one submission's overhead",
            clock.name()
        ),
        zeroing_s: Some(basis.zeroing_s),
        wall_clock: (clock != TimingSource::WallClock).then(|| WallClockCheck {
            predicted_step_s: wall.predicted_s,
            measured_step_s: wall.measured_s,
            step_gap: prediction::relative_gap(wall.predicted_s, wall.measured_s)
                .unwrap_or(f64::NAN),
        }),
        host_load: Some(load),
    })
}

fn median(samples: &[f64]) -> f64 {
    Summary::of(samples).map_or(0.0, |s| s.median)
}

fn median_on(samples: &[Took], clock: TimingSource) -> f64 {
    median(&samples.iter().map(|t| t.on(clock)).collect::<Vec<_>>())
}

/// One kernel's seconds a dispatch in one batch of warm repeats, the submission taken out.
fn warm_seconds(batch: Took, t: &Timed, clock: TimingSource, o: &Overheads) -> f64 {
    ((batch.on(clock) - o.submission_s) / t.repeats as f64).max(0.0)
}

/// The prediction and the measured step in one clock.
struct Evaluation {
    /// Per distinct kernel: (warm, flushed) seconds of one dispatch.
    kernel_s: Vec<(f64, Option<f64>)>,
    work: Vec<ClassWork>,
    zeroing_s: f64,
    predicted_s: f64,
    measured_s: f64,
}

fn evaluate(rounds: &Rounds, ops: &[&Op], clock: TimingSource, o: &Overheads) -> Evaluation {
    let kernel_s: Vec<(f64, Option<f64>)> = rounds
        .kernels
        .iter()
        .map(|t| {
            let warm: Vec<f64> = t
                .warm
                .iter()
                .map(|s| warm_seconds(*s, t, clock, o))
                .collect();
            let flushed = t.flushed_repeats.map(|f| {
                let per: Vec<f64> = t
                    .flushed
                    .iter()
                    .map(|(pair, alone)| ((pair.on(clock) - alone.on(clock)) / f as f64).max(0.0))
                    .collect();
                median(&per)
            });
            (median(&warm), flushed)
        })
        .collect();
    let work = class_work(rounds, ops, &kernel_s);
    let zeroing_s = (median_on(&rounds.zeroing_samples, clock) - o.submission_s).max(0.0);
    // The step's prediction is the median of each round's own (that round's kernels summed),
    // as the measured step is the median of whole steps: on a shared CPU the host's speed moves
    // by a quarter within seconds, and a sum of per-kernel medians can mix a fast moment for
    // one large kernel with a slow one for another, which no whole step does.
    let per_round: Vec<f64> = (0..rounds.zeroing_samples.len())
        .map(|r| {
            let round_s: Vec<(f64, Option<f64>)> = rounds
                .kernels
                .iter()
                .map(|t| (warm_seconds(t.warm[r], t, clock, o), None))
                .collect();
            let zeroing_r = (rounds.zeroing_samples[r].on(clock) - o.submission_s).max(0.0);
            prediction::step_seconds(&class_work(rounds, ops, &round_s), zeroing_r, o)
        })
        .collect();
    Evaluation {
        predicted_s: median(&per_round),
        measured_s: median_on(&rounds.step_samples, clock),
        kernel_s,
        work,
        zeroing_s,
    }
}

/// Each class's dispatches of `ops` and their isolated seconds, from `kernel_s`: (warm,
/// flushed) seconds of one dispatch of each of `rounds.kernels`.
fn class_work(rounds: &Rounds, ops: &[&Op], kernel_s: &[(f64, Option<f64>)]) -> Vec<ClassWork> {
    let of = |op: &Op| {
        rounds
            .kernels
            .iter()
            .position(|t| t.op.same_work(op))
            .map(|i| kernel_s[i])
    };
    KernelClass::ALL
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
                isolated_s: mine.iter().filter_map(|op| of(op)).map(|k| k.0).sum(),
                flushed_s: mine.iter().map(|op| of(op).and_then(|k| k.1)).sum(),
            })
        })
        .collect()
}

/// The host's load in words: the load average before and after the rounds, and the share of
/// the host's CPUs the process got during the whole steps (CPU time over wall time).
fn host_load(before: Option<(f64, usize)>, after: Option<(f64, usize)>, steps: &[Took]) -> String {
    let mut words = Vec::new();
    if let (Some((b, cpus)), Some((a, _))) = (before, after) {
        words.push(format!(
            "load average {b:.1} before the rounds and {a:.1} after, on {cpus} CPUs"
        ));
    }
    let wall: f64 = steps.iter().map(|t| t.wall_s).sum();
    let cpu: Option<f64> = steps.iter().map(|t| t.cpu_s).sum();
    if let Some(cpu) = cpu.filter(|_| wall > 0.0) {
        words.push(format!(
            "this process used {:.2} CPUs on average during the whole steps",
            cpu / wall
        ));
    }
    if words.is_empty() {
        "not reported by this OS".into()
    } else {
        words.join("; ")
    }
}

/// Samples of one submission holding one empty dispatch and of one holding `MANY_DISPATCHES`,
/// alternated so drift touches both alike.
fn overhead_samples(ctx: &GpuContext) -> Result<(Vec<Took>, Vec<Took>), FlopcostError> {
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
    let run = |n: u32| -> Result<Took, FlopcostError> {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            for _ in 0..n {
                pass.set_bind_group(0, &bind_group, &[]);
                pass.dispatch_workgroups(1, 1, 1);
            }
        }
        timed_submit(ctx, encoder)
    };
    run(MANY_DISPATCHES)?;
    let mut few = Vec::new();
    let mut many = Vec::new();
    for _ in 0..ROUNDS {
        few.push(run(1)?);
        many.push(run(MANY_DISPATCHES)?);
    }
    Ok((few, many))
}

fn copy_bandwidth(ctx: &GpuContext) -> Result<f64, FlopcostError> {
    copy_bandwidth_now(ctx).map_err(|e| {
        FlopcostError::Device(format!(
            "the copy bandwidth probe did not pass ({e}), so the memory-bound kernels cannot be \
             predicted"
        ))
    })
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
/// given) then `work` (when given), as the step records its dispatches.
fn run_alone(
    ctx: &GpuContext,
    work: Option<&Dispatch>,
    flush: Option<&Flush>,
    repeats: u32,
) -> Result<Took, FlopcostError> {
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
    timed_submit(ctx, encoder)
}

/// One distinct kernel of the step (same pipeline, grid and work), timed alone.
struct Timed<'a> {
    op: &'a Op,
    /// Dispatches of this work in one step.
    per_step: u32,
    /// Dispatches in one batch of warm repeats.
    repeats: u32,
    /// One batch of back-to-back repeats on the same buffers a round.
    warm: Vec<Took>,
    /// Products only: repeats of (flush, kernel) in one submission.
    flushed_repeats: Option<u32>,
    /// Products only, a round each: (flush and kernel repeated, the flush alone repeated).
    flushed: Vec<(Took, Took)>,
}

/// What the rounds measured: every distinct kernel alone, the gradient zeroing alone, and
/// beside them the whole step and each class's dispatches on their own.
struct Rounds<'a> {
    kernels: Vec<Timed<'a>>,
    zeroing_samples: Vec<Took>,
    step_samples: Vec<Took>,
    class_samples: Vec<(KernelClass, Vec<Took>)>,
}

/// Times every distinct kernel of `ops` alone, and beside them whole steps and each class's
/// dispatches, in `ROUNDS` rounds over all of them in turn, so a change in the machine's load
/// touches the prediction and the measurement alike. `o` (wall clock) sizes the batches.
fn time_rounds<'a>(
    ctx: &GpuContext,
    step: &GpuStep,
    ops: &[&'a Op],
    flush: &Flush,
    o: Overheads,
) -> Result<Rounds<'a>, FlopcostError> {
    let mut kernels: Vec<Timed<'a>> = Vec::new();
    let mut singles: Vec<Dispatch> = Vec::new();
    let mut batches: Vec<Dispatch> = Vec::new();
    // The first runs compile and touch memory; the next size each kernel's batches.
    run_alone(ctx, None, Some(flush), 1)?;
    let flush_s = (run_alone(ctx, None, Some(flush), 1)?.wall_s - o.submission_s).max(1e-7);
    for &op in ops {
        if let Some(t) = kernels.iter_mut().find(|t| t.op.same_work(op)) {
            t.per_step += 1;
            continue;
        }
        let single = step.bench_dispatch(op, 1);
        run_alone(ctx, Some(&single), None, 1)?;
        let work_s = (run_alone(ctx, Some(&single), None, 1)?.wall_s - o.submission_s).max(1e-7);
        let repeats = ((BATCH_TARGET_S / work_s).ceil() as u32).clamp(2, MAX_REPEATS);
        let flushed_repeats = (!op.class.memory_bound())
            .then(|| ((BATCH_TARGET_S / (work_s + flush_s)).ceil() as u32).clamp(2, MAX_REPEATS));
        batches.push(step.bench_dispatch(op, repeats));
        singles.push(single);
        kernels.push(Timed {
            op,
            per_step: 1,
            repeats,
            warm: Vec::with_capacity(ROUNDS),
            flushed_repeats,
            flushed: Vec::with_capacity(ROUNDS),
        });
    }
    let mut zeroing_samples = Vec::with_capacity(ROUNDS);
    let mut step_samples = Vec::with_capacity(2 * ROUNDS);
    let mut class_samples: Vec<(KernelClass, Vec<Took>)> = KernelClass::ALL
        .iter()
        .filter(|&&c| ops.iter().any(|op| op.class == c))
        .map(|&c| (c, Vec::with_capacity(ROUNDS)))
        .collect();
    for _ in 0..ROUNDS {
        // The kernels between two whole steps: what the prediction is made of, bracketed by
        // what it is set beside.
        step_samples.push(whole_step(ctx, step)?);
        for (t, batch) in kernels.iter_mut().zip(&batches) {
            t.warm.push(run_alone(ctx, Some(batch), None, 1)?);
        }
        zeroing_samples.push(zeroing_alone(ctx, step)?);
        step_samples.push(whole_step(ctx, step)?);
        for (class, samples) in class_samples.iter_mut() {
            samples.push(class_alone(ctx, step, ops, *class)?);
        }
        for (t, single) in kernels.iter_mut().zip(&singles) {
            if let Some(f) = t.flushed_repeats {
                let pair = run_alone(ctx, Some(single), Some(flush), f)?;
                let alone = run_alone(ctx, None, Some(flush), f)?;
                t.flushed.push((pair, alone));
            }
        }
    }
    Ok(Rounds {
        kernels,
        zeroing_samples,
        step_samples,
        class_samples,
    })
}

/// One whole step as the timed steps run it (zeroing, forward, backward, AdamW in one
/// submission). It keeps no loss: the run's history is already read.
fn whole_step(ctx: &GpuContext, step: &GpuStep) -> Result<Took, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    step.encode_ops(&mut encoder, &step.forward_backward, None);
    step.encode_ops(&mut encoder, &step.update, None);
    timed_submit(ctx, encoder)
}

/// The step's gradient zeroing alone, in one submission.
fn zeroing_alone(ctx: &GpuContext, step: &GpuStep) -> Result<Took, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    step.encode_zero_grads(&mut encoder);
    timed_submit(ctx, encoder)
}

/// `class`'s dispatches of one step, in step order, in one pass of one submission (as the
/// breakdown times a class by the wall clock).
fn class_alone(
    ctx: &GpuContext,
    step: &GpuStep,
    ops: &[&Op],
    class: KernelClass,
) -> Result<Took, FlopcostError> {
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
        for op in ops.iter().filter(|op| op.class == class) {
            step.dispatch_one(&mut pass, op);
        }
    }
    timed_submit(ctx, encoder)
}
