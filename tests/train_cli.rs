//! `flopcost train` end to end on the local adapter (lavapipe in CI): a small configuration's
//! JSON report with every step, its round trip through the one loader, an oversized
//! configuration refused before anything is allocated, and a report of another schema refused.

mod common;
use common::flopcost;

use flopcost::model::{parse_train_report, TRAIN_SCHEMA_VERSION};
use serde_json::Value;

/// A configuration small enough for a few seconds on a CPU adapter.
const SMALL: [&str; 10] = [
    "--ctx", "32", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "2",
];

#[test]
fn a_small_run_reports_every_step_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("train.json");
    let out = flopcost()
        .args(["train", "--preset", "tiny"])
        .args(SMALL)
        .args(["--steps", "3", "--warmup", "1", "--profile-steps", "1"])
        .args(["--no-matmul-reference", "--json", "--save"])
        .arg(&saved)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("stdout is JSON");
    assert_eq!(v["kind"], "flopcost-train");
    assert_eq!(v["schema_version"], TRAIN_SCHEMA_VERSION);
    assert_eq!(v["model"]["width"], 32);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1 + 3 + 1, "warm-up, timed and profiled steps");
    assert!(steps
        .iter()
        .all(|s| s["loss"].as_f64().unwrap().is_finite()));
    let phases: Vec<&str> = steps.iter().map(|s| s["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["warm-up", "timed", "timed", "timed", "profiled"]);
    assert_eq!(v["step_time"]["samples_s"].as_array().unwrap().len(), 3);
    assert!(v["tokens_per_s"].as_f64().unwrap() > 0.0);
    // MFU three ways, each with a figure or the reason it has none.
    let mfu = v["mfu"].as_array().unwrap();
    assert!(mfu.len() >= 3);
    assert!(mfu
        .iter()
        .all(|m| m["note"].as_str().is_some_and(|n| !n.is_empty())));
    assert!(mfu.iter().any(|m| m["note"] == "not a catalog accelerator"));
    let classes = v["breakdown"]["classes"].as_array().unwrap();
    assert!(classes.iter().any(|c| c["class"] == "matmul bwd"));
    assert!(classes
        .iter()
        .all(|c| !c["samples_s"].as_array().unwrap().is_empty()));
    if v["software_adapter"] == true {
        assert_eq!(v["adapter"]["device_type"], "cpu");
    }

    let text = std::fs::read_to_string(&saved).unwrap();
    let report = parse_train_report(&text, "train.json").expect("the saved report loads");
    assert_eq!(report.steps.len(), 5);

    let other = text.replacen(
        &format!("\"schema_version\": {TRAIN_SCHEMA_VERSION}"),
        "\"schema_version\": 99",
        1,
    );
    assert_ne!(other, text);
    let err = parse_train_report(&other, "old.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("99") && err.contains(&TRAIN_SCHEMA_VERSION.to_string()),
        "{err}"
    );
    // Nor does the bench reader take a train report for a bench report.
    let err = flopcost::model::parse_results(&text, "train.json")
        .unwrap_err()
        .to_string();
    assert!(err.contains("train report"), "{err}");
}

#[test]
fn the_text_shows_the_loss_rates_mfu_and_breakdown() {
    let out = flopcost()
        .args(["train", "--preset", "tiny"])
        .args(SMALL)
        .args(["--steps", "2", "--warmup", "1", "--profile-steps", "1"])
        .args(["--no-matmul-reference"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "loss",
        "tokens/s",
        "MFU",
        "matmul fwd",
        "optimizer",
        "step time",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    if text.contains("(vulkan, cpu)") {
        assert!(text.contains("software adapter on the CPU: not a GPU figure"));
    }
}

#[test]
fn a_configuration_too_large_for_memory_is_refused_with_the_bytes() {
    // Every buffer small, the sum far beyond any host: refused before anything is allocated.
    let out = flopcost()
        .args(["train", "--preset", "tiny", "--layers", "20000"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs") && err.contains("bytes"), "{err}");
    assert!(err.contains("available memory"), "{err}");
}

#[test]
fn bad_dimensions_are_refused_before_the_device_is_opened() {
    let out = flopcost()
        .args(["train", "--width", "100", "--heads", "3"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    flopcost()
        .args(["train", "--preset", "gpt5"])
        .assert()
        .code(2);
}
