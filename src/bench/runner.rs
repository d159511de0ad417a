//! One kernel at one shape: build, validate on a poisoned output, warm up, then time.

use std::time::Duration;

use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::kernels::MatmulKernel;
use crate::model::{
    BenchResult, FailureKind, MatmulLimits, MatmulProblem, Measurement, PowerFigure, ResultStatus,
    RunPlan,
};

use super::inputs::MatmulInputs;
use super::layout::{upload, DeviceInputs};
use super::outliers::Stability;
use super::stats::Summary;
use super::timing::{batch_timeout, submit_and_wait, time_runs, warm_up, Dispatch, Timed};

/// The slowest rate we allow before calling a dispatch hung: far below any real device.
const SLOWEST_PLAUSIBLE_FLOPS: f64 = 1e8;

/// Bytes one f32 matrix of `rows`×`cols` needs.
fn matrix_bytes(rows: u32, cols: u32) -> u64 {
    rows as u64 * cols as u64 * 4
}

/// Refuses a problem whose buffers the device cannot hold, naming the limit and the largest
/// square size that would fit.
pub fn check_buffers_fit(
    problem: &MatmulProblem,
    limits: &MatmulLimits,
) -> Result<(), FlopcostError> {
    let cap = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        // Shaders index with u32, so no matrix may have more elements than that reaches.
        .min(u32::MAX as u64 * 4);
    for (name, rows, cols) in [
        ("A (M×K)", problem.m, problem.k),
        ("B (K×N)", problem.k, problem.n),
        ("C (M×N)", problem.m, problem.n),
    ] {
        let bytes = matrix_bytes(rows, cols);
        if bytes > cap {
            let largest = ((cap / 4) as f64).sqrt().floor() as u64;
            return Err(FlopcostError::bad_input(format!(
                "{name} needs {bytes} bytes but this device binds at most {cap} bytes per buffer \
                 (max_storage_buffer_binding_size / max_buffer_size); the largest square size \
                 that fits is {largest}"
            )));
        }
    }
    // Host memory last: a device limit is the more specific reason when both apply.
    super::memory::check_host_memory(problem)
}

/// Validates, then times, `kernel` on `inputs`. Never returns a time for a kernel whose output
/// was wrong: a failure becomes a `Failed` result with the reason.
pub fn run_kernel(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    inputs: &MatmulInputs,
    plan: &RunPlan,
) -> BenchResult {
    let problem = inputs.problem;
    let mut result = BenchResult {
        op: "matmul".into(),
        dtype: kernel.dtype,
        m: problem.m,
        n: problem.n,
        k: problem.k,
        kernel: kernel.name.clone(),
        accumulator: kernel.accumulator,
        input_path: kernel.input.name().to_string(),
        layout_copy_s: None,
        tuning: kernel.tuning.clone(),
        config: kernel.config.clone(),
        status: ResultStatus::Unsupported,
        error: None,
        failure: None,
        validation: None,
        measurement: None,
    };
    if let Err(reason) = kernel.check_fits(&problem, &ctx.description) {
        result.error = Some(reason);
        return result;
    }
    match validate_and_time(ctx, kernel, inputs, plan, &mut result) {
        Ok(measurement) => {
            result.status = ResultStatus::Passed;
            result.measurement = Some(measurement);
        }
        Err(e) => {
            result.status = ResultStatus::Failed;
            result.failure = Some(failure_kind(&e));
            result.error = Some(e.to_string());
        }
    }
    result
}

/// The kind of a measuring error, kept beside its message up to the exit code.
fn failure_kind(e: &FlopcostError) -> FailureKind {
    match e {
        FlopcostError::ValidationFailed(_) => FailureKind::Validation,
        FlopcostError::BadInput(_) => FailureKind::Input,
        FlopcostError::Device(_) | FlopcostError::NoAdapter(_) | FlopcostError::Interrupted(_) => {
            FailureKind::Device
        }
    }
}

/// The GPU resources of one kernel run, built once and reused by every pass.
struct Prepared {
    pipeline: wgpu::ComputePipeline,
    inputs: DeviceInputs,
    c: wgpu::Buffer,
    groups: (u32, u32),
}

/// A dispatch measured longer than this is split further, aiming at a quarter second each.
const MAX_DISPATCH_S: f64 = 0.5;
const TARGET_DISPATCH_S: f64 = 0.25;

fn prepare(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    inputs: &MatmulInputs,
    timeout: Duration,
) -> Result<(Prepared, Option<f64>), FlopcostError> {
    let p = inputs.problem;
    let device = &ctx.device;
    let uploaded: Result<DeviceInputs, FlopcostError> =
        ctx.scoped(|| upload(ctx, kernel, inputs, timeout))?;
    let uploaded = uploaded?;
    let layout_copy_s = uploaded.layout_copy_s;
    let prepared = ctx.scoped(|| {
        let c = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("C"),
            size: matrix_bytes(p.m, p.n),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let pipeline =
            ctx.compute_pipeline(&kernel.name, &kernel.source, "main", &kernel.constants());
        Prepared {
            pipeline,
            inputs: uploaded,
            c,
            groups: kernel.workgroups(&p),
        }
    })?;
    Ok((prepared, layout_copy_s))
}

/// The dispatch for `chunks` slices of C's rows of workgroups, each with its own `wg_row0`.
fn dispatch_in_chunks(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    prepared: &Prepared,
    p: &MatmulProblem,
    chunks: u32,
) -> Result<Dispatch, FlopcostError> {
    let (gx, gy) = prepared.groups;
    let rows_per_chunk = gy.div_ceil(chunks.clamp(1, gy.max(1)));
    ctx.scoped(|| {
        let mut parts = Vec::new();
        let mut row0 = 0;
        while row0 < gy {
            let rows = rows_per_chunk.min(gy - row0);
            let dims = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("dims"),
                size: 32,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            ctx.queue
                .write_buffer(&dims, 0, bytemuck::cast_slice(&kernel.dims(p, row0)));
            let bind_group = ctx.bind_group(
                &prepared.pipeline,
                &[
                    (0, prepared.inputs.a.binding()),
                    (1, prepared.inputs.b.binding()),
                    (2, prepared.c.as_entire_binding()),
                    (3, dims.as_entire_binding()),
                ],
            );
            parts.push((bind_group, (gx, rows, 1)));
            row0 += rows;
        }
        Dispatch {
            pipeline: prepared.pipeline.clone(),
            parts,
        }
    })
}

/// Measures `kernel`, noting in `found` what it learns on the way even when it then fails (the
/// layout copy's time, the first check of the answer).
fn validate_and_time(
    ctx: &GpuContext,
    kernel: &MatmulKernel,
    inputs: &MatmulInputs,
    plan: &RunPlan,
    found: &mut BenchResult,
) -> Result<Measurement, FlopcostError> {
    let p = inputs.problem;
    let worst_case = Duration::from_secs_f64(p.flops() / SLOWEST_PLAUSIBLE_FLOPS);
    let first_timeout = plan.timeout_floor.max(worst_case);
    let (prepared, layout_copy_s) = prepare(ctx, kernel, inputs, first_timeout)?;
    found.layout_copy_s = layout_copy_s;
    let mut chunks = (p.flops() / plan.max_flops_per_dispatch)
        .ceil()
        .min(u32::MAX as f64) as u32;
    let mut dispatch = dispatch_in_chunks(ctx, kernel, &prepared, &p, chunks)?;

    // Poison C so an element the kernel never writes reads back as NaN and fails the check.
    let c_len = p.m as usize * p.n as usize;
    ctx.queue
        .write_buffer(&prepared.c, 0, bytemuck::cast_slice(&vec![f32::NAN; c_len]));
    let first_s = submit_and_wait(ctx, &dispatch, 1, None, first_timeout)?;
    let bytes = read_buffer(ctx, &prepared.c, matrix_bytes(p.m, p.n), first_timeout)?;
    let c: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
    let validation = inputs.reference().check(&c, kernel.accumulator);
    let passed = validation.passed;
    let (err, tol) = (validation.max_rel_error, validation.tolerance);
    found.validation = Some(validation);
    if !passed {
        return Err(FlopcostError::ValidationFailed(format!(
            "wrong result: max relative error {err:.3e} exceeds tolerance {tol:.3e}"
        )));
    }

    // Split further where one dispatch proved too long for comfort under a GPU watchdog. The
    // split only changes which workgroups run in which dispatch, so the validated answer holds.
    let per_dispatch_s = first_s / dispatch.parts.len() as f64;
    if per_dispatch_s > MAX_DISPATCH_S {
        chunks = chunks.max(1) * (per_dispatch_s / TARGET_DISPATCH_S).ceil() as u32;
        dispatch = dispatch_in_chunks(ctx, kernel, &prepared, &p, chunks)?;
    }
    let per_run_s = warm_up(ctx, &dispatch, plan, first_s, first_timeout)?;
    // Poison C again: the timed runs must write the right answer too, which the check after
    // them proves (a driver that skipped work once warm would otherwise pass as fast).
    ctx.queue
        .write_buffer(&prepared.c, 0, bytemuck::cast_slice(&vec![f32::NAN; c_len]));
    let (timed, power) = ctx
        .power
        .during(|| time_runs(ctx, &dispatch, plan, per_run_s));
    let Timed {
        samples,
        timing,
        timing_note,
    } = timed?;
    let bytes = read_buffer(
        ctx,
        &prepared.c,
        matrix_bytes(p.m, p.n),
        batch_timeout(plan, per_run_s, 1),
    )?;
    let after: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes);
    let recheck = inputs.reference().check(&after, kernel.accumulator);
    if !recheck.passed {
        return Err(FlopcostError::ValidationFailed(format!(
            "the timed runs left a wrong result (max relative error {:.3e}, tolerance {:.3e}); \
             their times are not reported",
            recheck.max_rel_error, recheck.tolerance
        )));
    }
    // `min_runs: 0` with no time to fill measures nothing: an error, not a panic.
    let (Some(summary), Some(stability)) = (Summary::of(&samples), Stability::of(&samples)) else {
        return Err(FlopcostError::bad_input(
            "no timed runs were made (raise --runs or --min-time)",
        ));
    };
    Ok(Measurement {
        timing,
        timing_note,
        dispatches_per_run: Some(dispatch.parts.len() as u32),
        warmup_runs: plan.warmup,
        gflops: p.flops() / summary.median / 1e9,
        median_s: summary.median,
        min_s: summary.min,
        max_s: summary.max,
        mean_s: summary.mean,
        stddev_s: summary.stddev,
        mad_s: Some(stability.mad),
        relative_spread: Some(stability.relative_spread),
        outliers: Some(stability.outliers),
        first_run_slow: stability.first_run_slow,
        spread_warning: stability.spread_warning,
        samples_s: samples,
        power: Some(PowerFigure::new(power, p.flops() / summary.median / 1e9)),
    })
}
