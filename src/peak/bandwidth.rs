//! Memory bandwidth: a device-to-device copy (bytes read plus written) and a read-only
//! reduction, over buffers far larger than any cache.

use crate::bench::{submit_and_wait, time_runs, warm_up, Dispatch};
use crate::error::FlopcostError;
use crate::gpu::{read_buffer, GpuContext};
use crate::model::{ResultStatus, RunPlan, SplitMix64};

use crate::model::ProbeResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandwidthProbe {
    Copy,
    Reduce,
}

impl BandwidthProbe {
    pub fn name(self) -> &'static str {
        match self {
            BandwidthProbe::Copy => "copy",
            BandwidthProbe::Reduce => "read-reduce",
        }
    }
}

const WG: u32 = 256;
const GROUPS: u32 = 4096;
/// 256 MiB a buffer on a GPU: several times the largest caches. A CPU adapter's memory is the
/// host's, so 32 MiB says as much there in far less time.
const GPU_BYTES: u64 = 256 << 20;
const SOFTWARE_BYTES: u64 = 32 << 20;

pub fn probe_bandwidth(ctx: &GpuContext, probe: BandwidthProbe, plan: &RunPlan) -> ProbeResult {
    match run(ctx, probe, plan) {
        Ok(result) => result,
        Err(e) => ProbeResult::failed(probe.name(), "GB/s", ResultStatus::Failed, e.to_string()),
    }
}

/// The copy probe's bandwidth in GB/s, measured now in a short run (the peak command's probe
/// and method): what a training step's memory-bound kernels are read against, taken under the
/// same conditions as the step rather than from a cache written under others. The probe's
/// error where it did not pass.
pub fn copy_bandwidth_now(ctx: &GpuContext) -> Result<f64, String> {
    let plan = RunPlan {
        warmup: 1,
        min_runs: 5,
        min_time: 0.3,
        ..RunPlan::default()
    };
    let probe = probe_bandwidth(ctx, BandwidthProbe::Copy, &plan);
    match (probe.status, probe.value) {
        (ResultStatus::Passed, Some(gbs)) if gbs > 0.0 => Ok(gbs),
        _ => Err(probe.error.unwrap_or_else(|| "no figure".into())),
    }
}

fn run(
    ctx: &GpuContext,
    probe: BandwidthProbe,
    plan: &RunPlan,
) -> Result<ProbeResult, FlopcostError> {
    let limits = &ctx.description.limits;
    let wanted = if ctx.description.is_software() {
        SOFTWARE_BYTES
    } else {
        GPU_BYTES
    };
    let bytes = wanted
        .min(limits.max_storage_buffer_binding_size)
        .min(limits.max_buffer_size)
        / 16
        * 16;
    let count = (bytes / 4) as usize;
    let mut rng = SplitMix64::new(0xBA2D);
    // Positive values, so the reduction's sum has no cancellation to hide an error in.
    let data: Vec<f32> = (0..count).map(|_| rng.nonzero().abs()).collect();
    let sums_len = (WG * GROUPS) as usize;
    let entry = match probe {
        BandwidthProbe::Copy => "copy",
        BandwidthProbe::Reduce => "reduce",
    };
    let (dispatch, dst, sums) = ctx.scoped(|| {
        let storage = |label: &str, size: u64, usage: wgpu::BufferUsages| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::STORAGE | usage,
                mapped_at_creation: false,
            })
        };
        let copy_both = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let src = storage("src", bytes, wgpu::BufferUsages::COPY_DST);
        ctx.queue.write_buffer(&src, 0, bytemuck::cast_slice(&data));
        let dst = storage(
            "dst",
            if probe == BandwidthProbe::Copy {
                bytes
            } else {
                16
            },
            copy_both,
        );
        let sums = storage("sums", sums_len as u64 * 4, copy_both);
        let pipeline = ctx.compute_pipeline(
            entry,
            include_str!("../../shaders/bandwidth.wgsl"),
            entry,
            &[],
        );
        // Each entry point's layout holds only the bindings it uses.
        let output = match probe {
            BandwidthProbe::Copy => (1, dst.as_entire_binding()),
            BandwidthProbe::Reduce => (2, sums.as_entire_binding()),
        };
        let bind_group = ctx.bind_group(&pipeline, &[(0, src.as_entire_binding()), output]);
        (
            Dispatch::single(pipeline, bind_group, (GROUPS, 1, 1)),
            dst,
            sums,
        )
    })?;
    let timeout = plan.timeout_floor;

    // Poison the output, run once, check it.
    let (output, output_bytes) = match probe {
        BandwidthProbe::Copy => (&dst, bytes),
        BandwidthProbe::Reduce => (&sums, sums_len as u64 * 4),
    };
    ctx.queue.write_buffer(
        output,
        0,
        bytemuck::cast_slice(&vec![f32::NAN; (output_bytes / 4) as usize]),
    );
    let first_s = submit_and_wait(ctx, &dispatch, 1, None, timeout)?;
    let back: Vec<f32> =
        bytemuck::pod_collect_to_vec(&read_buffer(ctx, output, output_bytes, timeout)?);
    let validation = match probe {
        BandwidthProbe::Copy => {
            if back != data {
                return Err(FlopcostError::ValidationFailed(
                    "the copy differs from its source".into(),
                ));
            }
            format!("all {count} values copied exactly")
        }
        BandwidthProbe::Reduce => {
            let got: f64 = back.iter().map(|v| *v as f64).sum();
            let exact: f64 = data.iter().map(|v| *v as f64).sum();
            let rel = (got - exact).abs() / exact;
            if !rel.is_finite() || rel > 1e-4 {
                return Err(FlopcostError::ValidationFailed(format!(
                    "the sum is off by {rel:.2e} of the f64 reference"
                )));
            }
            format!("sum within {rel:.1e} of the f64 reference")
        }
    };
    let moved = match probe {
        BandwidthProbe::Copy => 2.0 * bytes as f64,
        BandwidthProbe::Reduce => bytes as f64 + sums_len as f64 * 4.0,
    };
    let per_run_s = warm_up(ctx, &dispatch, plan, first_s, timeout)?;
    let timed = time_runs(ctx, &dispatch, plan, per_run_s)?;
    Ok(super::passed_probe(
        probe.name(),
        "GB/s",
        moved,
        format!("{validation}; {} MiB buffer", bytes >> 20),
        timed,
    ))
}
