//! The device's own ceilings: peak arithmetic and memory bandwidth, measured by probes that are
//! validated like the matmul kernels. Matmul figures are stated as a share of these.

mod bandwidth;
mod cache;
mod fma;
mod recheck;
mod result;

pub use bandwidth::{probe_bandwidth, BandwidthProbe};
pub use cache::{load_cached_peak, save_cached_peak};
pub use fma::{probe_fma, FmaConfig, FMA_CONFIGS};
pub use recheck::{recheck_fma, RECHECK_PLAN};
pub use result::{PeakReport, ProbeResult, PEAK_SCHEMA_VERSION};

use crate::bench::RunPlan;
use crate::gpu::GpuContext;
use crate::progress::Progress;
use crate::report::{Dtype, PeakSummary, ResultStatus};
use crate::system::SystemInfo;

/// Whether the FMA probe screens its layouts again or reuses the winners cached for this
/// adapter (screening where none is cached).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FmaLayouts {
    Screen,
    ReuseCached,
}

/// Every probe the adapter supports (f16 arithmetic where it has SHADER_F16), in report order.
pub fn measure_peaks(
    ctx: &GpuContext,
    plan: &RunPlan,
    progress: &Progress,
    layouts: FmaLayouts,
) -> PeakReport {
    let cached = match layouts {
        FmaLayouts::ReuseCached => load_cached_peak(&ctx.description),
        FmaLayouts::Screen => None,
    };
    let mut probes = Vec::new();
    for dtype in [Dtype::F32, Dtype::F16] {
        let layout = cached.as_ref().and_then(|c| c.fma_config(dtype));
        progress.step(&format!(
            "peak: fma {}{}",
            dtype.name(),
            if layout.is_some() {
                ""
            } else {
                " (screening layouts)"
            }
        ));
        probes.push(probe_fma(ctx, dtype, plan, layout));
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
    /// The FMA layout that won for `dtype`, if its probe passed.
    pub fn fma_config(&self, dtype: Dtype) -> Option<FmaConfig> {
        self.probes
            .iter()
            .find(|p| p.probe == fma_name(dtype) && p.status == ResultStatus::Passed)
            .and_then(|p| p.config)
    }

    /// The measured peak arithmetic rate for `dtype`, in GFLOP/s.
    pub fn compute_gflops(&self, dtype: Dtype) -> Option<f64> {
        self.probes
            .iter()
            .find(|p| p.probe == fma_name(dtype) && p.status == ResultStatus::Passed)
            .and_then(|p| p.value)
    }

    /// The figures a bench report carries.
    pub fn summary(&self, source: &str) -> PeakSummary {
        PeakSummary {
            fma_f32_gflops: self.compute_gflops(Dtype::F32),
            fma_f16_gflops: self.compute_gflops(Dtype::F16),
            bandwidth_gbs: self.bandwidth_gbs(),
            source: source.to_string(),
            notes: Vec::new(),
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

/// The name of the FMA probe of `dtype`, as its result carries it.
pub fn fma_name(dtype: Dtype) -> String {
    format!("fma-{}", dtype.name())
}
