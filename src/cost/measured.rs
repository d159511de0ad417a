//! The rate a saved result offers the cost model: the best passed result of a `bench` report,
//! or a merged document's total over its devices.

use serde::Serialize;

use crate::error::FlopcostError;
use crate::model::MERGED_MEANING;
use crate::model::{BenchReport, BenchResult, Dtype, ResultStatus, ResultsFile};

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
    /// The adapter's name; for a merged document, every device's.
    pub adapters: Vec<String>,
    pub software_adapter: bool,
    /// Average watts measured during that result's timed runs, with what measured them.
    pub measured_watts: Option<(f64, String)>,
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
                adapters: vec![report.adapter.name.clone()],
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
                    "merged {} devices, {} total {:.1} GFLOP/s ({}); {MERGED_MEANING}, so the \
                     same calibrated efficiency applies as to a single device's result",
                    best.devices,
                    best.dtype.name(),
                    best.total_gflops,
                    adapters.join(", ")
                ),
                adapters: adapters.iter().map(|a| a.to_string()).collect(),
                software_adapter: best.per_device.iter().any(|d| d.software_adapter),
                measured_watts: None,
            })
        }
    }
}

/// Printed whenever a figure comes from a CPU rasteriser.
/// The software-adapter warning as a line of its own.
pub fn software_warning() -> String {
    format!("WARNING: {}", crate::model::SOFTWARE_WARNING)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_results, MergedDtype, MergedReport, MERGED_KIND};

    const LAVAPIPE: &str = include_str!("../../tests/fixtures/lavapipe.json");

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
            meaning: MERGED_MEANING.into(),
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
        assert!(rate.description.contains("no interconnect"));
        assert!(rate.description.contains("same calibrated efficiency"));
        assert!(rate_of(&file, Some(Dtype::F16), "m").is_err());
    }
}
