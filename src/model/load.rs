//! The one way a saved document comes back in: read as UTF-8 text, its schema version checked
//! before anything else is believed, then every figure the cost model divides by checked.
//!
//! Flopcost's own caches (tuning winners, measured peaks) come in the same way, through
//! [`load_cache`]: version first, then the fields.
//!
//! A `bench` report and a `merge` document are told apart by the merged document's
//! `"kind": "flopcost-merged"` field, which a `BenchReport` never has.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::FlopcostError;

use super::kinds::ResultStatus;
use super::merged::{MergedReport, MERGED_KIND, MERGED_SCHEMA_VERSION};
use super::merged_train::{MergedTrainReport, MERGED_TRAIN_KIND, MERGED_TRAIN_SCHEMA_VERSION};
use super::schema::{BenchReport, SCHEMA_VERSION};
use super::train::{TrainReport, TRAIN_KIND, TRAIN_SCHEMA_VERSION};

#[derive(Debug, Clone, PartialEq)]
pub enum ResultsFile {
    Bench(Box<BenchReport>),
    Merged(MergedReport),
}

/// Reads a file the user named as text. A file that is missing, unreadable or not UTF-8 is the
/// user's input gone wrong: a one-line error naming the file (exit 2), never a panic.
pub fn read_text(path: &Path, what: &str) -> Result<String, FlopcostError> {
    let bytes = std::fs::read(path).map_err(|e| {
        FlopcostError::bad_input(format!("cannot read {what} {}: {e}", path.display()))
    })?;
    String::from_utf8(bytes).map_err(|_| {
        FlopcostError::bad_input(format!("{what} {}: not a UTF-8 text file", path.display()))
    })
}

/// A document written by another schema may mean other things by the same field names, so it
/// is refused before its fields are read, naming both versions.
fn check_schema_version(
    value: &serde_json::Value,
    expected: u32,
    origin: &str,
) -> Result<(), FlopcostError> {
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == expected as u64 => Ok(()),
        Some(v) => Err(FlopcostError::bad_input(format!(
            "results {origin}: schema_version {v} is not supported (this flopcost reads \
             {expected}); re-run the benchmark with this version of flopcost"
        ))),
        None => Err(FlopcostError::bad_input(format!(
            "results {origin}: missing field `schema_version`: not a flopcost result file"
        ))),
    }
}

pub fn load_results(path: &Path) -> anyhow::Result<ResultsFile> {
    let text = read_text(path, "results file")?;
    Ok(parse_results(&text, &path.display().to_string())?)
}

pub fn parse_results(text: &str, origin: &str) -> Result<ResultsFile, FlopcostError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FlopcostError::bad_input(format!("results {origin}: not valid JSON: {e}")))?;
    let kind = value.get("kind").and_then(|k| k.as_str());
    if kind == Some(TRAIN_KIND) {
        return Err(FlopcostError::bad_input(format!(
            "results {origin}: is a train report (from `flopcost train`), not a bench report"
        )));
    }
    if kind == Some(MERGED_TRAIN_KIND) {
        return Err(FlopcostError::bad_input(format!(
            "results {origin}: is merged train reports (tokens per second, from `flopcost \
             merge`), not a bench report"
        )));
    }
    let is_merged = kind == Some(MERGED_KIND);
    let expected = if is_merged {
        MERGED_SCHEMA_VERSION
    } else {
        SCHEMA_VERSION
    };
    check_schema_version(&value, expected, origin)?;
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

/// Loads a train report (`flopcost train --save`): its kind and schema version are checked
/// before any other field is believed, then the figures a reader divides by.
pub fn load_train_report(path: &Path) -> anyhow::Result<TrainReport> {
    let text = read_text(path, "train report")?;
    Ok(parse_train_report(&text, &path.display().to_string())?)
}

pub fn parse_train_report(text: &str, origin: &str) -> Result<TrainReport, FlopcostError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        FlopcostError::bad_input(format!("train report {origin}: not valid JSON: {e}"))
    })?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(TRAIN_KIND) {
        return Err(FlopcostError::bad_input(format!(
            "train report {origin}: no `\"kind\": \"{TRAIN_KIND}\"`: not a flopcost train report"
        )));
    }
    check_schema_version(&value, TRAIN_SCHEMA_VERSION, origin)?;
    let report: TrainReport = serde_json::from_value(value)
        .map_err(|e| FlopcostError::bad_input(format!("train report {origin}: {e}")))?;
    for (field, v) in [
        ("step_time.median_s", report.step_time.median_s),
        ("tokens_per_s", report.tokens_per_s),
        ("flops_per_token", report.flops_per_token),
    ] {
        if !v.is_finite() || v <= 0.0 {
            return Err(FlopcostError::bad_input(format!(
                "train report {origin}: field '{field}' must be a positive finite number, got {v}"
            )));
        }
    }
    Ok(report)
}

/// A document `merge` takes: one device's bench report or one device's train report.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeInput {
    Bench(Box<BenchReport>),
    Train(Box<TrainReport>),
}

/// Loads a bench or a train report, told apart by the train report's `kind`; a merged
/// document is refused (merge sums devices, not sums).
pub fn load_merge_input(path: &Path) -> anyhow::Result<MergeInput> {
    let text = read_text(path, "results file")?;
    let origin = path.display().to_string();
    let kind = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string));
    if kind.as_deref() == Some(TRAIN_KIND) {
        return Ok(MergeInput::Train(Box::new(parse_train_report(
            &text, &origin,
        )?)));
    }
    match parse_results(&text, &origin)? {
        ResultsFile::Bench(report) => Ok(MergeInput::Bench(report)),
        ResultsFile::Merged(_) => Err(FlopcostError::bad_input(format!(
            "results {origin}: is a merged document; give the individual bench reports"
        ))
        .into()),
    }
}

/// Loads what `merge` wrote from train reports: kind and schema version first, then the
/// figures a reader divides by.
pub fn load_merged_train(path: &Path) -> anyhow::Result<MergedTrainReport> {
    let text = read_text(path, "merged train document")?;
    Ok(parse_merged_train(&text, &path.display().to_string())?)
}

pub fn parse_merged_train(text: &str, origin: &str) -> Result<MergedTrainReport, FlopcostError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        FlopcostError::bad_input(format!("merged train {origin}: not valid JSON: {e}"))
    })?;
    if value.get("kind").and_then(|k| k.as_str()) != Some(MERGED_TRAIN_KIND) {
        return Err(FlopcostError::bad_input(format!(
            "merged train {origin}: no `\"kind\": \"{MERGED_TRAIN_KIND}\"`: not merged train \
             reports"
        )));
    }
    check_schema_version(&value, MERGED_TRAIN_SCHEMA_VERSION, origin)?;
    let merged: MergedTrainReport = serde_json::from_value(value)
        .map_err(|e| FlopcostError::bad_input(format!("merged train {origin}: {e}")))?;
    let positive = |field: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(FlopcostError::bad_input(format!(
                "merged train {origin}: field '{field}' must be a positive finite number, got {v}"
            )))
        }
    };
    positive("total_tokens_per_s", merged.total_tokens_per_s)?;
    for (i, d) in merged.per_device.iter().enumerate() {
        positive(&format!("per_device[{i}].tokens_per_s"), d.tokens_per_s)?;
    }
    if merged.devices == 0 || merged.devices != merged.per_device.len() {
        return Err(FlopcostError::bad_input(format!(
            "merged train {origin}: field 'devices' ({}) must count the {} entries of \
             'per_device', at least one",
            merged.devices,
            merged.per_device.len()
        )));
    }
    Ok(merged)
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

/// Why a cache file was not used. A cache only saves time, so a miss is never an error: the
/// caller says so (or not) and measures again.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheMiss {
    Missing,
    Unreadable(String),
    /// Written with another version of its layout, which may mean other things by its fields.
    OtherVersion(u64),
    Corrupt(String),
}

/// Reads a cache file flopcost wrote: its `version_field` checked against `expected` before
/// any other field is believed, then the whole parsed as `T`.
pub fn load_cache<T: DeserializeOwned>(
    path: &Path,
    version_field: &str,
    expected: u32,
) -> Result<T, CacheMiss> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheMiss::Missing),
        Err(e) => return Err(CacheMiss::Unreadable(e.to_string())),
    };
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get(version_field).and_then(|v| v.as_u64()));
    if let Some(version) = version.filter(|&v| v != expected as u64) {
        return Err(CacheMiss::OtherVersion(version));
    }
    serde_json::from_str(&text).map_err(|e| CacheMiss::Corrupt(e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    const BAD: &str = include_str!("../../tests/fixtures/bad-gflops.json");
    const LAVAPIPE: &str = include_str!("../../tests/fixtures/lavapipe.json");

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

    #[test]
    fn another_schema_version_is_refused_naming_both() {
        let text = LAVAPIPE.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
        assert_ne!(text, LAVAPIPE, "the fixture states its schema version");
        let err = parse_results(&text, "old.json").unwrap_err();
        assert!(matches!(err, FlopcostError::BadInput(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("99") && msg.contains(&SCHEMA_VERSION.to_string()),
            "{msg}"
        );
        let merged = "{\"kind\": \"flopcost-merged\", \"schema_version\": 99, \"dtypes\": []}";
        assert!(parse_results(merged, "m.json")
            .unwrap_err()
            .to_string()
            .contains("schema_version 99"));
    }
}

#[cfg(test)]
mod merged_train_tests {
    use super::*;

    const TRAIN: &str = include_str!("../../tests/fixtures/train/report-lavapipe.json");

    fn merged() -> serde_json::Value {
        let report: TrainReport = serde_json::from_str(TRAIN).unwrap();
        let device = serde_json::json!({
            "file": "train-0.json", "adapter": report.adapter.name, "software_adapter": true,
            "tokens_per_s": report.tokens_per_s, "step_median_s": report.step_time.median_s,
        });
        serde_json::json!({
            "kind": MERGED_TRAIN_KIND, "schema_version": MERGED_TRAIN_SCHEMA_VERSION,
            "meaning": "m", "model": report.model, "precision": "f32",
            "total_tokens_per_s": report.tokens_per_s, "devices": 1, "per_device": [device],
        })
    }

    #[test]
    fn a_merged_train_document_loads_and_is_checked() {
        let good = merged();
        assert!(parse_merged_train(&good.to_string(), "m.json").is_ok());
        let mut bad = good.clone();
        bad["total_tokens_per_s"] = serde_json::json!(0.0);
        let err = parse_merged_train(&bad.to_string(), "m.json").unwrap_err();
        assert!(err.to_string().contains("total_tokens_per_s"), "{err}");
        let mut other = good.clone();
        other["schema_version"] = serde_json::json!(99);
        let err = parse_merged_train(&other.to_string(), "m.json").unwrap_err();
        assert!(err.to_string().contains("schema_version 99"), "{err}");
        // Where a bench report is wanted, it is named for what it is.
        let err = parse_results(&good.to_string(), "m.json").unwrap_err();
        assert!(err.to_string().contains("merged train reports"), "{err}");
        // And a train report is not a merged one.
        assert!(parse_merged_train(TRAIN, "t.json").is_err());
    }
}
