//! Timing one compute dispatch, run after run: warm-up, batches of timed passes, and the check
//! that GPU timestamps agree with the wall clock. Shared by the matmul kernels and the probes.

use std::time::{Duration, Instant};

use crate::error::FlopcostError;
use crate::gpu::{GpuContext, TimestampTimer};
use crate::model::TimingSource;

use crate::model::RunPlan;

/// A pipeline and the dispatches of one run of the work being timed: usually one, several for
/// a problem split to stay under GPU watchdogs, each with its bindings and workgroup count.
pub struct Dispatch {
    pub pipeline: wgpu::ComputePipeline,
    pub parts: Vec<(wgpu::BindGroup, (u32, u32, u32))>,
}

impl Dispatch {
    pub fn single(
        pipeline: wgpu::ComputePipeline,
        bind_group: wgpu::BindGroup,
        groups: (u32, u32, u32),
    ) -> Dispatch {
        Dispatch {
            pipeline,
            parts: vec![(bind_group, groups)],
        }
    }
}

/// Keeps one batch of timed passes around this long, so per-submission overhead and readback
/// stay out of the way without a single batch outlasting an OS GPU watchdog.
const BATCH_TARGET_S: f64 = 0.25;
const MAX_BATCH: u32 = 64;
/// Below this much wall time per measurement, submission overhead alone can dwarf the GPU time,
/// so timestamps are not checked against the wall clock.
const TIMESTAMP_CHECK_MIN_WALL_S: f64 = 0.02;

/// Timed samples and how they were taken.
pub struct Timed {
    pub samples: Vec<f64>,
    pub timing: TimingSource,
    /// Why the timing source is not the preferred one, when it is not.
    pub timing_note: Option<String>,
}

/// Records `count` passes, each with its own timestamp pair when `timer` is given.
fn encode(
    ctx: &GpuContext,
    dispatch: &Dispatch,
    count: u32,
    timer: Option<&TimestampTimer>,
) -> wgpu::CommandBuffer {
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    for slot in 0..count {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: None,
            timestamp_writes: timer.map(|t| t.pass_writes(slot)),
        });
        pass.set_pipeline(&dispatch.pipeline);
        for (bind_group, (x, y, z)) in &dispatch.parts {
            pass.set_bind_group(0, bind_group, &[]);
            pass.dispatch_workgroups(*x, *y, *z);
        }
    }
    if let Some(t) = timer {
        t.resolve(&mut encoder, count);
    }
    encoder.finish()
}

/// Submits `count` passes and waits for them; returns the wall time from submit to completion.
pub fn submit_and_wait(
    ctx: &GpuContext,
    dispatch: &Dispatch,
    count: u32,
    timer: Option<&TimestampTimer>,
    timeout: Duration,
) -> Result<f64, FlopcostError> {
    let commands = encode(ctx, dispatch, count, timer);
    let start = Instant::now();
    let submission = ctx.queue.submit([commands]);
    ctx.wait(submission, timeout)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Runs `plan.warmup` untimed passes (pipeline compilation and first touch of memory stay out
/// of the samples) and returns the seconds one pass took, or `first_s` without warm-up.
pub fn warm_up(
    ctx: &GpuContext,
    dispatch: &Dispatch,
    plan: &RunPlan,
    first_s: f64,
    timeout: Duration,
) -> Result<f64, FlopcostError> {
    if plan.warmup == 0 {
        return Ok(first_s);
    }
    let warm_s = submit_and_wait(ctx, dispatch, plan.warmup, None, timeout * plan.warmup)?;
    Ok(warm_s / plan.warmup as f64)
}

/// A batch may take ten times what a run took so far before it counts as hung.
pub fn batch_timeout(plan: &RunPlan, per_run_s: f64, runs: u32) -> Duration {
    plan.timeout_floor
        .max(Duration::from_secs_f64(10.0 * per_run_s * runs as f64))
}

/// Times runs until `plan` is satisfied: GPU timestamps where the device has them and they
/// agree with the wall clock, else the wall clock around one submission per run.
pub fn time_runs(
    ctx: &GpuContext,
    dispatch: &Dispatch,
    plan: &RunPlan,
    per_run_s: f64,
) -> Result<Timed, FlopcostError> {
    let batch = ((BATCH_TARGET_S / per_run_s.max(1e-9)) as u32).clamp(1, MAX_BATCH);
    let timeout_for = |runs: u32| batch_timeout(plan, per_run_s, runs);
    let mut timing_note = None;
    if let Some(timer) = TimestampTimer::new(ctx, batch) {
        let (gpu, wall_s) = collect_samples(ctx, dispatch, plan, Some(&timer), &timeout_for)?;
        let gpu_s: f64 = gpu.iter().sum();
        // The passes ran back to back inside those wall seconds, so their GPU times must fill
        // most of them; where the gap is too large for submission overhead to explain, the
        // timestamps do not measure the work (seen on lavapipe), and the wall clock is used.
        if wall_s > TIMESTAMP_CHECK_MIN_WALL_S && gpu_s < 0.5 * wall_s {
            timing_note = Some(format!(
                "GPU timestamps summed to {:.1}% of the wall time of the same runs, so they \
                 were discarded and each run was timed by the wall clock",
                100.0 * gpu_s / wall_s
            ));
        } else {
            check_samples(&gpu)?;
            return Ok(Timed {
                samples: gpu,
                timing: TimingSource::GpuTimestamp,
                timing_note,
            });
        }
    }
    let (samples, _) = collect_samples(ctx, dispatch, plan, None, &timeout_for)?;
    check_samples(&samples)?;
    Ok(Timed {
        samples,
        timing: TimingSource::WallClock,
        timing_note,
    })
}

fn check_samples(samples: &[f64]) -> Result<(), FlopcostError> {
    if samples.is_empty() || samples.iter().any(|s| *s <= 0.0 || !s.is_finite()) {
        return Err(FlopcostError::Device(
            "the device's timestamps went backwards or did not advance; no time can be trusted"
                .to_string(),
        ));
    }
    Ok(())
}

/// Runs until `plan` is satisfied: with `timer`, in batches of passes each timed on the GPU;
/// without, one submission per run timed from submit to completion. Also returns the wall time
/// of all the submissions.
fn collect_samples(
    ctx: &GpuContext,
    dispatch: &Dispatch,
    plan: &RunPlan,
    timer: Option<&TimestampTimer>,
    timeout_for: &dyn Fn(u32) -> Duration,
) -> Result<(Vec<f64>, f64), FlopcostError> {
    let mut samples = Vec::new();
    let mut wall_s = 0.0;
    let start = Instant::now();
    while (samples.len() < plan.min_runs as usize || start.elapsed().as_secs_f64() < plan.min_time)
        && samples.len() < plan.max_runs as usize
    {
        match timer {
            Some(t) => {
                let count = t.capacity();
                wall_s += submit_and_wait(ctx, dispatch, count, Some(t), timeout_for(count))?;
                samples.extend(t.read_seconds(ctx, count, timeout_for(1))?);
            }
            None => {
                let run_s = submit_and_wait(ctx, dispatch, 1, None, timeout_for(1))?;
                wall_s += run_s;
                samples.push(run_s);
            }
        }
    }
    Ok((samples, wall_s))
}
