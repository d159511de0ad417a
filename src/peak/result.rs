//! What `flopcost peak` reports: one row per probe, in the same spirit as a `BenchResult`.

use serde::{Deserialize, Serialize};

use crate::bench::{Summary, Timed};
use crate::gpu::AdapterDescription;
use crate::report::{PowerFigure, ResultStatus, TimingSource};
use crate::system::SystemInfo;

use super::fma::FmaConfig;

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

    /// A probe that passed its check, with its rate from the fastest run of `timed`.
    pub fn passed(
        probe: &str,
        unit: &str,
        work_per_run: f64,
        validation: String,
        timed: Timed,
    ) -> Self {
        let summary = Summary::of(&timed.samples);
        let median = summary.as_ref().map(|s| s.median);
        let fastest = summary.as_ref().map(|s| s.min);
        ProbeResult {
            probe: probe.to_string(),
            unit: unit.to_string(),
            status: ResultStatus::Passed,
            error: None,
            work_per_run,
            validation: Some(validation),
            value: fastest.map(|t| work_per_run / t / 1e9),
            median_value: median.map(|m| work_per_run / m / 1e9),
            timing: Some(timed.timing),
            timing_note: timed.timing_note,
            samples_s: timed.samples,
            median_s: median,
            config: None,
            tuning: None,
            power: None,
        }
    }
}
