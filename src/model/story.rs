//! What the default run tells beyond the kernel table: the shape it measured and why, the
//! device's ceilings, and each measured precision set beside the clusters labs reported.

use serde::{Deserialize, Serialize};

use super::peak::ProbeResult;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStory {
    /// The whole run's time budget and what it used, in seconds.
    pub budget_s: f64,
    pub elapsed_s: f64,
    /// The training-like shape measured, in words.
    pub shape: String,
    /// Why the shape is smaller than the GPU one, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<String>,
    pub peak_probes: Vec<ProbeResult>,
    /// The price the comparison's costs use, and where it came from.
    pub price_per_hour: f64,
    pub price_source: String,
    /// The fastest validated kernel of each precision, beside the catalog's runs.
    pub precisions: Vec<PrecisionStory>,
    /// When this adapter is a catalog accelerator: the fastest measured rate beside that
    /// accelerator's datasheet path at the clusters' precision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_paths: Option<TwoPaths>,
    /// The short training step measured after the matmuls, and the clusters priced from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingStory>,
    /// Why no training step was measured (no time left in the budget, a step that could not
    /// run): the clusters are then priced at each run's own calibrated utilisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_skipped: Option<String>,
    /// What the matmul part left out to stay within the budget (searches not started,
    /// kernels not timed), a line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// What the default run's training step measured, and the reported clusters priced from it:
/// the measured single-device factor × the calibrated scale-out factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingStory {
    /// "your device trains a GPT-2-shaped model at X tokens/s, Y% of its measured matmul rate
    /// (Z% MFU)".
    pub line: String,
    /// Step rate (6·N per token) over the matmul rate measured at the step's shape.
    pub single_device: f64,
    /// Calibrated on reported runs: what their clusters kept of one device's efficiency.
    pub scale_out: f64,
    /// Where the scale-out factor was fitted ("nvidia-hopper", "all families").
    pub scale_out_fitted_on: String,
    /// single_device × scale_out: the share of the measured matmul rate a reported cluster's
    /// run would sustain on this device.
    pub utilisation: f64,
    /// The sentence that prices the reported clusters from it.
    pub pricing: String,
    /// The configuration and steps run, and the share of the budget they were sized to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionStory {
    /// "f32" or "f16 (f32 accumulate)".
    pub precision: String,
    pub kernel: String,
    pub gflops: f64,
    /// Share of the measured FMA peak of the accumulator's precision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_of_peak: Option<f64>,
    pub runs: Vec<RunComparison>,
}

/// One reported run redone at the user's measured rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunComparison {
    pub run: String,
    pub accelerator: String,
    pub devices: Option<f64>,
    pub flops: Option<f64>,
    pub flops_method: Option<String>,
    pub gpu_hours: Option<f64>,
    pub sustained_tflops_per_device: Option<f64>,
    pub cluster_tflops: Option<f64>,
    /// vs the accelerator's dense BF16 peak.
    pub mfu: Option<f64>,
    /// "derived" (from FLOPs and GPU-hours), "reported" or "assumed" (calibrated for its family).
    pub mfu_kind: String,
    /// The same efficiency against the accelerator's BF16 maximum achievable matmul: what the
    /// user's measured rate is multiplied by. Equal to `mfu` where no MAMF is sourced.
    #[serde(default)]
    pub matmul_utilisation: Option<f64>,
    /// False when the accelerator has no sourced MAMF and `mfu` stood in for it.
    #[serde(default)]
    pub mamf_sourced: bool,
    /// The user's devices, each at `matmul_utilisation` of its measured rate, that match the
    /// cluster's rate.
    pub user_devices_to_match: Option<f64>,
    pub hours_on_one_device: Option<f64>,
    pub hours_on_user_devices: Option<f64>,
    pub cost_usd: Option<f64>,
    /// Set when a training step measured here priced the run: the hours, devices and cost
    /// above are then at this utilisation, not at `matmul_utilisation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_pricing: Option<MeasuredPricing>,
}

/// A run priced from a training step measured on the user's device: its single-device factor
/// × the scale-out factor calibrated at the run's model size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredPricing {
    /// The step's rate (6·N per token) over the matmul rate measured at the step's shape.
    pub single_device: f64,
    /// Calibrated on reported runs: what a cluster keeps of one device's efficiency.
    pub scale_out: f64,
    /// Where the scale-out factor was fitted ("nvidia-hopper", "all families").
    pub fitted_on: String,
    /// single_device × scale_out (capped at the calibration's ceiling): the share of the
    /// user's measured matmul rate the run is priced at.
    pub utilisation: f64,
}

/// When the measured adapter is a catalog accelerator: the same work priced from the measured
/// rate and from the datasheet peak at the clusters' precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathEstimate {
    pub tflops_per_device: f64,
    /// "f32 measured (kernel tiled)" or "bf16 datasheet peak".
    pub rate: String,
    pub efficiency: f64,
    pub efficiency_basis: String,
    pub device_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoPaths {
    pub accelerator: String,
    /// The work both paths price.
    pub work: String,
    pub from_measured: PathEstimate,
    pub from_catalog: PathEstimate,
    /// One line: why the two differ.
    pub why: String,
}
