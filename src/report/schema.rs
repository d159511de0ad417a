//! The result documents that `bench` writes and `estimate`/`compare` read back.
//!
//! These structs *are* the JSON schema: there is no second definition. Bump
//! [`SCHEMA_VERSION`] when a field changes meaning or disappears.

use serde::{Deserialize, Serialize};

use crate::gpu::AdapterDescription;
use crate::system::SystemInfo;

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
    /// The arithmetic ceiling for `result`: its accumulator's FMA rate, since that is the unit
    /// doing the work.
    pub fn compute_gflops_for(&self, result: &BenchResult) -> Option<f64> {
        match result.accumulator {
            Dtype::F32 => self.fma_f32_gflops,
            Dtype::F16 => self.fma_f16_gflops,
        }
    }
}

/// A rate as a share of its ceiling, for people. Above 100% the ceiling is what is wrong (a
/// matmul cannot outrun the FMA units it runs on), so no such share is ever printed.
pub fn fmt_share_of_probe(share: f64) -> String {
    if share > 1.0 {
        "above its FMA probe (the probe trails)".to_string()
    } else {
        format!("{:.1}%", 100.0 * share)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    F32,
    F16,
}

impl Dtype {
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimingSource {
    #[serde(rename = "gpu-timestamp")]
    GpuTimestamp,
    #[serde(rename = "wall-clock")]
    WallClock,
}

impl TimingSource {
    pub fn name(self) -> &'static str {
        match self {
            TimingSource::GpuTimestamp => "gpu-timestamp",
            TimingSource::WallClock => "wall-clock",
        }
    }
}

/// What happened to one kernel at one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    /// Validated, then timed.
    Passed,
    /// Ran but produced a wrong answer, or the device reported an error.
    Failed,
    /// The adapter lacks a feature or limit the kernel needs; never run.
    Unsupported,
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

/// Average power over the timed runs, as the platform measured it, and the work per joule it
/// implies; or, where nothing could be read, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerFigure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_w: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gflops_per_joule: Option<f64>,
    /// What measured it: "NVML, GPU 0 NVIDIA H200 (total energy counter)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_by: Option<String>,
    /// Why there is no figure: "no RAPL: cannot list /sys/class/powercap (...)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_available: Option<String>,
}

impl PowerFigure {
    /// `measured` (average watts and what measured them, or why not) at `gflops`.
    pub fn new(measured: Result<(f64, String), String>, gflops: f64) -> PowerFigure {
        match measured {
            Ok((watts, by)) => PowerFigure {
                average_w: Some(watts),
                gflops_per_joule: Some(gflops / watts),
                measured_by: Some(by),
                not_available: None,
            },
            Err(reason) => PowerFigure {
                average_w: None,
                gflops_per_joule: None,
                measured_by: None,
                not_available: Some(reason),
            },
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}
