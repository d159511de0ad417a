//! Cell texts every tabular export shares, so Markdown, CSV and HTML describe a result alike.

use std::collections::BTreeSet;

use crate::model::{BenchReport, BenchResult, ResultStatus};

pub fn shape(r: &BenchResult) -> String {
    format!("{}×{}×{}", r.m, r.n, r.k)
}

/// "passed", or the status with its reason.
pub fn status(r: &BenchResult) -> String {
    let reason = r.error.as_deref().unwrap_or("");
    match r.status {
        ResultStatus::Passed => "passed".to_string(),
        ResultStatus::Failed => format!("failed: {reason}"),
        ResultStatus::Unsupported => format!("unsupported: {reason}"),
    }
}

/// The distinct timing sources of the measured results, e.g. "gpu-timestamp".
pub fn timing_sources(report: &BenchReport) -> String {
    let names: BTreeSet<&str> = report
        .results
        .iter()
        .filter_map(|r| r.measurement.as_ref().map(|m| m.timing.name()))
        .collect();
    if names.is_empty() {
        "none (nothing was timed)".to_string()
    } else {
        names.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// "NAME (backend, type; driver D I)", the adapter line of every header.
pub fn adapter_line(report: &BenchReport) -> String {
    let a = &report.adapter;
    format!(
        "{} ({}, {}; driver {} {})",
        a.name, a.backend, a.device_type, a.driver, a.driver_info
    )
}
