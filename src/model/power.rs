//! Power drawn while a kernel or probe ran, as the platform measured it.

use serde::{Deserialize, Serialize};

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
