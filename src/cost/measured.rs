//! Reading saved results back: a `bench` report (`BenchReport`) or a `merge` document.
//!
//! The two are told apart by the merged document's `"kind": "flopcost-merged"` field, which a
//! `BenchReport` never has.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FlopcostError;
use crate::report::{BenchReport, BenchResult, Dtype, ResultStatus};

pub const MERGED_KIND: &str = "flopcost-merged";

/// One device's best passed result for one dtype, as `merge` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceBest {
    pub file: String,
    pub adapter: String,
    pub software_adapter: bool,
    pub kernel: String,
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub gflops: f64,
}

/// The cluster figure for one dtype: the sum of each device's best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedDtype {
    pub dtype: Dtype,
    pub total_gflops: f64,
    pub devices: usize,
    pub per_device: Vec<DeviceBest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedReport {
    /// Always "flopcost-merged": how readers tell this from a `BenchReport`.
    pub kind: String,
    pub schema_version: u32,
    pub dtypes: Vec<MergedDtype>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResultsFile {
    Bench(Box<BenchReport>),
    Merged(MergedReport),
}

/// A measured rate ready for the cost model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredRate {
    /// GFLOP/s of one device (for a merged document: the cluster total / its devices).
    pub per_device_gflops: f64,
    /// 1 for a single report; the merged device count otherwise.
    pub devices: usize,
    pub dtype: Dtype,
    /// Kernel, shape and adapter(s), for the output.
    pub description: String,
    pub software_adapter: bool,
    /// Average watts measured during that result's timed runs, with what measured them.
    pub measured_watts: Option<(f64, String)>,
}

pub fn load_results(path: &Path) -> anyhow::Result<ResultsFile> {
    let text = crate::report::read_text(path, "results file")?;
    Ok(parse_results(&text, &path.display().to_string())?)
}

pub fn parse_results(text: &str, origin: &str) -> Result<ResultsFile, FlopcostError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FlopcostError::bad_input(format!("results {origin}: not valid JSON: {e}")))?;
    let is_merged = value.get("kind").and_then(|k| k.as_str()) == Some(MERGED_KIND);
    if is_merged {
        let merged: MergedReport = serde_json::from_value(value).map_err(|e| {
            FlopcostError::bad_input(format!("results {origin}: not a merged document: {e}"))
        })?;
        check_merged(&merged, origin)?;
        Ok(ResultsFile::Merged(merged))
    } else {
        let report: BenchReport = serde_json::from_value(value).map_err(|e| {
            FlopcostError::bad_input(format!(
                "results {origin}: not a flopcost bench report: {e}"
            ))
        })?;
        check_report(&report, origin)?;
        Ok(ResultsFile::Bench(Box::new(report)))
    }
}

/// Loads a file that must be a single `bench` report (compare and merge take only those).
pub fn load_report(path: &Path) -> anyhow::Result<BenchReport> {
    match load_results(path)? {
        ResultsFile::Bench(report) => Ok(*report),
        ResultsFile::Merged(_) => Err(FlopcostError::bad_input(format!(
            "results {}: is a merged document; give the individual bench reports",
            path.display()
        ))
        .into()),
    }
}

/// Every passed result must carry a usable rate: the cost model divides by it.
fn check_report(report: &BenchReport, origin: &str) -> Result<(), FlopcostError> {
    for (i, r) in report.results.iter().enumerate() {
        if r.status != ResultStatus::Passed {
            continue;
        }
        let place = format!(
            "results {origin}: results[{i}] ('{}' {})",
            r.kernel,
            r.dtype.name()
        );
        let m = r.measurement.as_ref().ok_or_else(|| {
            FlopcostError::bad_input(format!(
                "{place}: field 'gflops' is missing for a passed result"
            ))
        })?;
        for (field, v) in [("gflops", m.gflops), ("median_s", m.median_s)] {
            if !v.is_finite() || v <= 0.0 {
                return Err(FlopcostError::bad_input(format!(
                    "{place}: field '{field}' must be a positive finite number, got {v}"
                )));
            }
        }
        if !m.stddev_s.is_finite() || m.stddev_s < 0.0 {
            return Err(FlopcostError::bad_input(format!(
                "{place}: field 'stddev_s' must be a finite, non-negative number, got {}",
                m.stddev_s
            )));
        }
    }
    Ok(())
}

fn check_merged(merged: &MergedReport, origin: &str) -> Result<(), FlopcostError> {
    for (i, d) in merged.dtypes.iter().enumerate() {
        let place = format!("results {origin}: dtypes[{i}] ({})", d.dtype.name());
        if !d.total_gflops.is_finite() || d.total_gflops <= 0.0 {
            return Err(FlopcostError::bad_input(format!(
                "{place}: field 'total_gflops' must be a positive finite number, got {}",
                d.total_gflops
            )));
        }
        if d.devices == 0 {
            return Err(FlopcostError::bad_input(format!(
                "{place}: field 'devices' must be at least 1"
            )));
        }
    }
    Ok(())
}

/// The fastest passed result, of `dtype` if given.
pub fn best_passed(report: &BenchReport, dtype: Option<Dtype>) -> Option<&BenchResult> {
    report
        .results
        .iter()
        .filter(|r| r.status == ResultStatus::Passed && dtype.is_none_or(|d| r.dtype == d))
        .filter(|r| r.measurement.is_some())
        .max_by(|a, b| gflops(a).total_cmp(&gflops(b)))
}

pub fn gflops(result: &BenchResult) -> f64 {
    result.measurement.as_ref().map_or(0.0, |m| m.gflops)
}

/// The rate `estimate --from` uses: the best passed result (or merged dtype) of `dtype` if given.
pub fn rate_of(
    file: &ResultsFile,
    dtype: Option<Dtype>,
    origin: &str,
) -> Result<MeasuredRate, FlopcostError> {
    let none = || {
        let which = dtype.map_or(String::new(), |d| format!(" of dtype {}", d.name()));
        FlopcostError::bad_input(format!(
            "results {origin}: no passed result{which} to take a rate from"
        ))
    };
    match file {
        ResultsFile::Bench(report) => {
            let best = best_passed(report, dtype).ok_or_else(none)?;
            Ok(MeasuredRate {
                per_device_gflops: gflops(best),
                devices: 1,
                dtype: best.dtype,
                description: format!(
                    "best passed result: kernel {} {} {}x{}x{} on '{}' ({})",
                    best.kernel,
                    best.dtype.name(),
                    best.m,
                    best.n,
                    best.k,
                    report.adapter.name,
                    report.adapter.backend
                ),
                software_adapter: report.software_adapter || report.adapter.is_software(),
                measured_watts: best
                    .measurement
                    .as_ref()
                    .and_then(|m| m.power.as_ref())
                    .and_then(|p| Some((p.average_w?, p.measured_by.clone()?))),
            })
        }
        ResultsFile::Merged(merged) => {
            let best = merged
                .dtypes
                .iter()
                .filter(|d| dtype.is_none_or(|want| d.dtype == want))
                .max_by(|a, b| a.total_gflops.total_cmp(&b.total_gflops))
                .ok_or_else(none)?;
            let adapters: Vec<&str> = best.per_device.iter().map(|d| d.adapter.as_str()).collect();
            Ok(MeasuredRate {
                per_device_gflops: best.total_gflops / best.devices as f64,
                devices: best.devices,
                dtype: best.dtype,
                description: format!(
                    "merged {} devices, {} total {:.1} GFLOP/s ({})",
                    best.devices,
                    best.dtype.name(),
                    best.total_gflops,
                    adapters.join(", ")
                ),
                software_adapter: best.per_device.iter().any(|d| d.software_adapter),
                measured_watts: None,
            })
        }
    }
}

/// Printed whenever a figure comes from a CPU rasteriser.
/// The software-adapter warning as a line of its own.
pub fn software_warning() -> String {
    format!("WARNING: {}", crate::gpu::SOFTWARE_WARNING)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAVAPIPE: &str = include_str!("../../tests/fixtures/lavapipe.json");
    const BAD: &str = include_str!("../../tests/fixtures/bad-gflops.json");

    #[test]
    fn best_passed_skips_failed_and_unsupported() {
        let ResultsFile::Bench(report) = parse_results(LAVAPIPE, "lavapipe").unwrap() else {
            panic!("a bench report");
        };
        let best = best_passed(&report, None).unwrap();
        assert_eq!(best.kernel, "tiled");
        assert!(best_passed(&report, Some(Dtype::F16)).is_none());
        let rate = rate_of(&ResultsFile::Bench(report), None, "lavapipe").unwrap();
        assert!(rate.software_adapter);
        assert_eq!(rate.devices, 1);
        assert!(rate.description.contains("llvmpipe"));
    }

    #[test]
    fn a_merged_document_is_told_apart_by_its_kind() {
        let merged = MergedReport {
            kind: MERGED_KIND.into(),
            schema_version: 1,
            dtypes: vec![MergedDtype {
                dtype: Dtype::F32,
                total_gflops: 300.0,
                devices: 3,
                per_device: vec![],
            }],
        };
        let text = serde_json::to_string(&merged).unwrap();
        let file = parse_results(&text, "m").unwrap();
        let rate = rate_of(&file, Some(Dtype::F32), "m").unwrap();
        assert_eq!(rate.per_device_gflops, 100.0);
        assert_eq!(rate.devices, 3);
        assert!(rate_of(&file, Some(Dtype::F16), "m").is_err());
    }

    #[test]
    fn malformed_results_are_bad_input_naming_the_field() {
        for (text, field) in [
            (BAD, "'gflops'"),
            ("{", "not valid JSON"),
            ("{\"schema_version\": 1}", "missing field"),
            (
                "{\"kind\": \"flopcost-merged\", \"schema_version\": 1, \"dtypes\": [{\"dtype\": \
                 \"f32\", \"total_gflops\": 0, \"devices\": 1, \"per_device\": []}]}",
                "'total_gflops'",
            ),
        ] {
            let err = parse_results(text, "x.json").unwrap_err();
            assert!(matches!(err, FlopcostError::BadInput(_)));
            assert!(err.to_string().contains(field), "{err}");
        }
    }
}
