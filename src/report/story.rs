//! What the default run tells beyond the kernel table: the shape it measured and why, the
//! device's ceilings, and each measured precision set beside the clusters labs reported.

use serde::{Deserialize, Serialize};

use crate::cost::compare::RunComparison;
use crate::cost::two_paths::TwoPaths;
use crate::peak::ProbeResult;

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
