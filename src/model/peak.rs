//! What `flopcost peak` reports: one row per probe, in the same spirit as a `BenchResult`;
//! and the ceilings a bench report carries.

use serde::{Deserialize, Serialize};

use super::adapter::AdapterDescription;
use super::kinds::{Dtype, ResultStatus, TimingSource};
use crate::system::SystemInfo;

pub const PEAK_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakReport {
    pub schema_version: u32,
    pub flopcost_version: String,
    pub adapter: AdapterDescription,
    pub software_adapter: bool,
    pub system: SystemInfo,
    pub probes: Vec<ProbeResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// "fma-f32", "fma-f16", "copy" or "read-reduce".
    pub probe: String,
    /// "GFLOP/s" or "GB/s".
    pub unit: String,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// FLOPs or bytes (read plus written) in one run.
    pub work_per_run: f64,
    /// What the probe's check compared, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<String>,
    /// From the median run; absent unless the probe passed its check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<TimingSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_note: Option<String>,
    #[serde(default)]
    pub samples_s: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_s: Option<f64>,
}

impl ProbeResult {
    pub fn failed(probe: &str, unit: &str, status: ResultStatus, error: String) -> ProbeResult {
        ProbeResult {
            probe: probe.to_string(),
            unit: unit.to_string(),
            status,
            error: Some(error),
            work_per_run: 0.0,
            validation: None,
            value: None,
            timing: None,
            timing_note: None,
            samples_s: Vec::new(),
            median_s: None,
        }
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

/// The ceilings from `flopcost peak`, as a bench report carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakSummary {
    pub fma_f32_gflops: Option<f64>,
    pub fma_f16_gflops: Option<f64>,
    pub bandwidth_gbs: Option<f64>,
    /// "measured in this run", or where the cached figures came from.
    pub source: String,
}

impl PeakSummary {
    /// The arithmetic ceiling for a kernel accumulating in `accumulator`: that precision's
    /// FMA rate, since that is the unit doing the work.
    pub fn compute_gflops_for(&self, accumulator: Dtype) -> Option<f64> {
        match accumulator {
            Dtype::F32 => self.fma_f32_gflops,
            Dtype::F16 => self.fma_f16_gflops,
        }
    }
}
