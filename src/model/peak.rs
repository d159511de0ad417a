//! What `flopcost peak` reports: one row per probe, in the same spirit as a `BenchResult`;
//! and the ceilings a bench report carries.

use serde::{Deserialize, Serialize};

use super::adapter::AdapterDescription;
use super::kinds::{Dtype, ResultStatus, TimingSource};
use super::power::PowerFigure;
use super::system::SystemInfo;

/// One layout of the FMA probe: independent vec4 chains per invocation, invocations per
/// workgroup (`peak::fma` generates and screens them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FmaConfig {
    pub chains: u32,
    pub workgroup: u32,
}

/// 2: a probe's `value` is its fastest run's rate (it was the median run's in 1).
pub const PEAK_SCHEMA_VERSION: u32 = 2;

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
    /// From the fastest run; absent unless the probe passed its check. A ceiling is what the
    /// device did at its best: other load only ever slows a run down, and a ceiling taken from
    /// the median of slowed runs is one a kernel's good run can outrun.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// From the median run, for comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<TimingSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_note: Option<String>,
    #[serde(default)]
    pub samples_s: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_s: Option<f64>,
    /// The FMA probe's layout, chosen like a kernel's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<FmaConfig>,
    /// How that layout was chosen: screened now, or cached from an earlier screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<String>,
    /// Power during the FMA probe's timed runs, or why it is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerFigure>,
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
            median_value: None,
            timing: None,
            timing_note: None,
            samples_s: Vec::new(),
            median_s: None,
            config: None,
            tuning: None,
            power: None,
        }
    }
}

/// The name of the FMA probe of `dtype`, as its result carries it.
pub fn fma_name(dtype: Dtype) -> String {
    format!("fma-{}", dtype.name())
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

/// The ceilings from `flopcost peak`, as a bench report carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakSummary {
    pub fma_f32_gflops: Option<f64>,
    pub fma_f16_gflops: Option<f64>,
    pub bandwidth_gbs: Option<f64>,
    /// "measured in this run", or where the cached figures came from.
    pub source: String,
    /// What happened when a kernel measured above its FMA probe: the probe re-run, and whether
    /// it still trails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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

/// Whether the FMA probe screens its layouts again or reuses the winners cached for this
/// adapter (screening where none is cached).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FmaLayouts {
    Screen,
    ReuseCached,
}
