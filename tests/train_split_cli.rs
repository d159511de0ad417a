//! A saved training step priced and compared: `estimate --from train.json` uses its measured
//! single-device factor with the calibrated scale-out factor and says which is which;
//! `compare train.json` sets it beside the catalog's sourced single-device training figures.
//! The fixture is a real `flopcost train --preset tiny` report from lavapipe (a CPU adapter).

mod common;
use common::flopcost;

const FIXTURE: &str = "tests/fixtures/train-lavapipe-tiny.json";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn estimate_from_a_train_report_names_the_measured_and_the_calibrated_part() {
    let out = flopcost()
        .args([
            "estimate",
            "--from",
            FIXTURE,
            "--model",
            "llama-2-7b",
            "--tokens",
            "2T",
        ])
        .args(["--explain"])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = stdout(&out);
    for wanted in [
        "measured single-device factor × calibrated scale-out",
        "measured: your device trains a GPT-2-shaped model",
        "calibrated: scale-out factor",
        "measured here",
        "not the work's",
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
}

#[test]
fn estimate_from_a_train_report_as_json_carries_the_split() {
    let out = flopcost()
        .args([
            "estimate", "--from", FIXTURE, "--params", "7e9", "--tokens", "2T", "--json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let source = v["efficiency"]["source"].as_str().unwrap();
    assert!(source.contains("single-device"), "{source}");
    assert!(v["throughput"]["measured"].as_bool().unwrap());
}

#[test]
fn compare_sets_the_step_beside_every_sourced_single_device_figure() {
    let out = flopcost()
        .args(["compare", FIXTURE])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = stdout(&out);
    let catalog = flopcost::catalog::Catalog::built_in().unwrap();
    assert!(!catalog.single_device_training.is_empty());
    for entry in &catalog.single_device_training {
        assert!(text.contains(&entry.id), "missing {} in:\n{text}", entry.id);
    }
    assert!(text.contains("yours ÷ theirs"), "{text}");
    assert!(text.contains("CPU software adapter"), "{text}");
}

#[test]
fn a_schema_99_train_report_is_refused_by_estimate_and_compare() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    v["schema_version"] = 99.into();
    let dir = std::env::temp_dir().join(format!("flopcost-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("train-99.json");
    std::fs::write(&path, v.to_string()).unwrap();
    for args in [
        vec!["estimate", "--params", "7e9", "--tokens", "2T", "--from"],
        vec!["compare"],
    ] {
        let out = flopcost()
            .args(&args)
            .arg(&path)
            .assert()
            .failure()
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("schema"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_single_device_entry_naming_an_unknown_accelerator_is_refused() {
    let dir = std::env::temp_dir().join(format!("flopcost-split-cat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("catalog.json");
    std::fs::write(
        &path,
        r#"{"single_device_training": [{"id": "x", "software": "s", "model": "gpt2-124m",
            "accelerator": "h1000", "precision": "bf16",
            "devices_in_node": {"value": 1, "kind": "reported", "source": "t"},
            "mfu": {"value": 0.5, "kind": "reported", "source": "t"}}]}"#,
    )
    .unwrap();
    let out = flopcost()
        .arg("--catalog")
        .arg(&path)
        .arg("backtest")
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("single_device_training[") && err.contains("'x'"),
        "{err}"
    );
    assert!(err.contains("accelerator"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}
