//! The device's own ceilings: peak arithmetic and memory bandwidth, measured by probes that are
//! validated like the matmul kernels. Matmul figures are stated as a share of these.

mod bandwidth;
mod cache;
mod fma;
mod result;

pub use bandwidth::{probe_bandwidth, BandwidthProbe};
pub use cache::{load_cached_peak, save_cached_peak};
pub use fma::probe_fma;
pub use result::{PeakReport, ProbeResult, PEAK_SCHEMA_VERSION};

use crate::bench::RunPlan;
use crate::gpu::GpuContext;
use crate::progress::Progress;
use crate::report::{Dtype, PeakSummary, ResultStatus};
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

impl PeakReport {
    /// The measured peak arithmetic rate for `dtype`, in GFLOP/s.
    pub fn compute_gflops(&self, dtype: Dtype) -> Option<f64> {
        self.probes
            .iter()
            .find(|p| {
                p.probe == format!("fma-{}", dtype.name()) && p.status == ResultStatus::Passed
            })
            .and_then(|p| p.value)
    }

    /// The figures a bench report carries.
    pub fn summary(&self, source: &str) -> PeakSummary {
        PeakSummary {
            fma_f32_gflops: self.compute_gflops(Dtype::F32),
            fma_f16_gflops: self.compute_gflops(Dtype::F16),
            bandwidth_gbs: self.bandwidth_gbs(),
            source: source.to_string(),
        }
    }

    /// The best measured bandwidth, in GB/s.
    pub fn bandwidth_gbs(&self) -> Option<f64> {
        self.probes
            .iter()
            .filter(|p| p.unit == "GB/s" && p.status == ResultStatus::Passed)
            .filter_map(|p| p.value)
            .max_by(f64::total_cmp)
    }
}
