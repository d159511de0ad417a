//! The result documents that `bench` writes and `estimate`/`compare` read back.
//!
//! These structs *are* the JSON schema: there is no second definition. Bump
//! [`SCHEMA_VERSION`] when a field changes meaning or disappears.

use serde::{Deserialize, Serialize};

use super::adapter::AdapterDescription;
use super::kinds::{Dtype, FailureKind, ResultStatus, TimingSource};
use super::peak::PeakSummary;
use super::power::PowerFigure;
use super::slurm_task::SlurmTask;
use super::system::SystemInfo;
use crate::error::FlopcostError;

pub const SCHEMA_VERSION: u32 = 1;

/// One `flopcost bench` run: where it ran and what each kernel did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub schema_version: u32,
    pub flopcost_version: String,
    pub command_line: Vec<String>,
    pub seed: u64,
    pub adapter: AdapterDescription,
    /// True when the adapter is a CPU software rasteriser (lavapipe, llvmpipe, WARP...).
    pub software_adapter: bool,
    pub system: SystemInfo,
    pub results: Vec<BenchResult>,
    /// The device's measured ceilings, when known: each result is stated as a share of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<PeakSummary>,
    /// What the default run adds: the probes, the shape, and the comparison with reported runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<super::story::RunStory>,
    /// The Slurm task that measured this, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_task: Option<SlurmTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub op: String,
    pub dtype: Dtype,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub kernel: String,
    /// Precision of the accumulators (f16 inputs may accumulate in f32 or f16).
    #[serde(default = "default_accumulator")]
    pub accumulator: Dtype,
    /// How the kernel reads A and B: "storage-buffer", "padded-vec4-buffer" or "texture".
    #[serde(default = "default_input_path")]
    pub input_path: String,
    /// Seconds (wall clock, submit to completion) spent once copying A and B into the kernel's
    /// layout (padding, textures, f16); not part of the timed samples, reported beside them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout_copy_s: Option<f64>,
    /// How the configuration was chosen: "tuned (cache)", "tuned now", "default"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<String>,
    /// The kernel's tunable parameters (tile sizes...), by name.
    pub config: serde_json::Map<String, serde_json::Value>,
    pub status: ResultStatus,
    /// Why the kernel failed or was skipped; absent when it passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What kind of failure `error` is, so the exit code can tell a wrong answer from a lost
    /// device. Absent when the kernel passed or was unsupported, and in files from before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureKind>,
    pub validation: Option<Validation>,
    /// Present only for a kernel that passed validation: a failed kernel's time is never reported.
    #[serde(flatten)]
    pub measurement: Option<Measurement>,
}

fn default_accumulator() -> Dtype {
    Dtype::F32
}

fn default_input_path() -> String {
    "storage-buffer".to_string()
}

impl BenchResult {
    /// "f32", or "f16 (f32 accumulate)" where the two differ: what every figure is labelled with.
    pub fn precision_label(&self) -> String {
        if self.accumulator == self.dtype {
            self.dtype.name().to_string()
        } else {
            format!(
                "{} ({} accumulate)",
                self.dtype.name(),
                self.accumulator.name()
            )
        }
    }

    /// Floating-point operations in one run: one multiply and one add per inner-product term.
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }
}

/// The error a run with failed kernels ends with, once they have been reported: the device
/// error's (exit 5) when the device failed (lost, hung, out of memory), else validation's
/// (exit 4). `None` when nothing failed.
pub fn failed_results_error(results: &[BenchResult]) -> Option<FlopcostError> {
    let failed: Vec<&BenchResult> = results
        .iter()
        .filter(|r| r.status == ResultStatus::Failed)
        .collect();
    if failed.is_empty() {
        return None;
    }
    let names: Vec<&str> = failed.iter().map(|r| r.kernel.as_str()).collect();
    let message = format!(
        "{} of {} kernels failed: {}",
        failed.len(),
        results.len(),
        names.join(", ")
    );
    let device = failed
        .iter()
        .find(|r| r.failure == Some(FailureKind::Device));
    Some(match device {
        Some(r) => FlopcostError::Device(format!(
            "{message} (the device failed: {})",
            r.error.as_deref().unwrap_or("no reason given")
        )),
        None => FlopcostError::ValidationFailed(message),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    pub passed: bool,
    /// Largest |gpu - reference| / max(|reference|, scale) over the checked elements.
    pub max_rel_error: f64,
    pub tolerance: f64,
    /// "full" or a description of the sampled rows and columns.
    pub checked: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub timing: TimingSource,
    /// Why the timing source is not the preferred one, when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_note: Option<String>,
    /// Dispatches in one run: more than one where the problem was split to stay well under
    /// GPU watchdogs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatches_per_run: Option<u32>,
    pub warmup_runs: u32,
    pub samples_s: Vec<f64>,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub mean_s: f64,
    pub stddev_s: f64,
    /// From the median.
    pub gflops: f64,
    /// Median absolute deviation of the samples, seconds. Absent in files from before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mad_s: Option<f64>,
    /// `mad_s / median_s`: the spread as a fraction of the headline figure. MAD and median,
    /// not stddev and mean, so that the odd outlier does not inflate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_spread: Option<f64>,
    /// Samples whose modified z-score exceeds 14 (hyperfine's threshold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outliers: Option<usize>,
    /// The first timed sample is a slow outlier: the warm-up was too short.
    #[serde(default, skip_serializing_if = "is_false")]
    pub first_run_slow: bool,
    /// Set when the relative spread is too wide (> 10%) to trust the median.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_warning: Option<String>,
    /// Power drawn during the timed runs, or why it is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerFigure>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
