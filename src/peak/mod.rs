//! The device's own ceilings: peak arithmetic and memory bandwidth, measured by probes that are
//! validated like the matmul kernels. Matmul figures are stated as a share of these.

mod bandwidth;
mod cache;
mod fma;

pub use crate::model::{PeakReport, ProbeResult, PEAK_SCHEMA_VERSION};
pub use bandwidth::{probe_bandwidth, BandwidthProbe};
pub use cache::{load_cached_peak, save_cached_peak};
pub use fma::probe_fma;

use crate::bench::{RunPlan, Summary, Timed};
use crate::gpu::GpuContext;
use crate::model::{Dtype, ResultStatus};
use crate::progress::Progress;
use crate::system::SystemInfo;

/// Every probe the adapter supports (f16 arithmetic where it has SHADER_F16), in report order.
pub fn measure_peaks(ctx: &GpuContext, plan: &RunPlan, progress: &Progress) -> PeakReport {
    let mut probes = Vec::new();
    for dtype in [Dtype::F32, Dtype::F16] {
        progress.step(&format!("peak: fma {}", dtype.name()));
        probes.push(probe_fma(ctx, dtype, plan));
    }
    for probe in [BandwidthProbe::Copy, BandwidthProbe::Reduce] {
        progress.step(&format!("peak: bandwidth {}", probe.name()));
        probes.push(probe_bandwidth(ctx, probe, plan));
    }
    PeakReport {
        schema_version: PEAK_SCHEMA_VERSION,
        flopcost_version: env!("CARGO_PKG_VERSION").to_string(),
        software_adapter: ctx.description.is_software(),
        adapter: ctx.description.clone(),
        system: SystemInfo::collect(),
        probes,
    }
}

/// A probe that passed its check, with its rate from the median of `timed`.
pub fn passed_probe(
    probe: &str,
    unit: &str,
    work_per_run: f64,
    validation: String,
    timed: Timed,
) -> ProbeResult {
    let median = Summary::of(&timed.samples).map(|s| s.median);
    ProbeResult {
        probe: probe.to_string(),
        unit: unit.to_string(),
        status: ResultStatus::Passed,
        error: None,
        work_per_run,
        validation: Some(validation),
        value: median.map(|m| work_per_run / m / 1e9),
        timing: Some(timed.timing),
        timing_note: timed.timing_note,
        samples_s: timed.samples,
        median_s: median,
    }
}
