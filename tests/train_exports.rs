//! `flopcost train --export-csv --export-markdown --export-json` on the local adapter (lavapipe
//! in CI): the same flags as `bench`'s, written from the train report: a CSV row per step run
//! (a profiled step's empty time is an empty cell, not a zero), Markdown tables of the rate and
//! the breakdown, and JSON that the one loader reads back. Two exports to stdout are refused.

mod common;
use common::{flopcost, scratch};

use flopcost::model::load_train_report;

/// A configuration small enough for a few seconds on a CPU adapter.
const SMALL: [&str; 10] = [
    "--ctx", "32", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "2",
];

#[test]
fn every_export_format_writes_the_train_report() {
    let dir = scratch("train-exports");
    let (csv, markdown, json) = (
        dir.join("steps.csv"),
        dir.join("run.md"),
        dir.join("run.json"),
    );
    flopcost()
        .args(["train", "--quiet", "--no-matmul-reference"])
        .args(SMALL)
        .args(["--steps", "3", "--warmup", "1", "--export-csv"])
        .arg(&csv)
        .arg("--export-markdown")
        .arg(&markdown)
        .arg("--export-json")
        .arg(&json)
        .assert()
        .success();

    let report = load_train_report(&json).expect("the JSON export is a train report");
    let csv = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("step,phase,loss,seconds,tokens_per_s,timing,precision"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), report.steps.len(), "a row per step run:\n{csv}");
    for (row, step) in rows.iter().zip(&report.steps) {
        assert_eq!(row[0], step.step.to_string());
        assert_eq!(row[1], step.phase);
        assert_eq!(row[2].parse::<f64>().unwrap(), step.loss);
        match step.seconds {
            Some(s) => assert_eq!(row[3].parse::<f64>().unwrap(), s),
            None => assert_eq!(row[3], "", "no time is an empty cell: {csv}"),
        }
        assert_eq!(*row.last().unwrap(), report.software_adapter.to_string());
    }
    assert!(rows.iter().filter(|r| r[1] == "timed").count() == 3);

    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("| tokens/s |"), "{md}");
    assert!(
        md.contains(&format!("- precision: {}", report.precision)),
        "{md}"
    );
    if report.software_adapter {
        assert!(
            md.contains("**Warning:**"),
            "the software adapter is said: {md}"
        );
    }
    for class in &report.breakdown.classes {
        assert!(md.contains(&format!("| {} |", class.class)), "{md}");
    }
}

#[test]
fn two_exports_to_stdout_are_refused() {
    let out = flopcost()
        .args(["train", "--quiet", "--no-matmul-reference"])
        .args(SMALL)
        .args([
            "--steps",
            "1",
            "--export-csv",
            "-",
            "--export-markdown",
            "-",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("write to stdout"), "{err}");
}
