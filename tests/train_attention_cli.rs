//! `flopcost train --attention`: the report names the attention that ran and why, given or
//! measured (`auto`), and an unknown name is refused before anything runs.

mod common;
use common::flopcost;

use serde_json::Value;

/// A configuration small enough for a few seconds on a CPU adapter.
const SMALL: [&str; 10] = [
    "--ctx", "32", "--width", "32", "--layers", "1", "--heads", "2", "--batch", "2",
];

fn attention_of(choice: &str) -> String {
    let out = flopcost()
        .args(["train", "--preset", "tiny"])
        .args(SMALL)
        .args(["--steps", "1", "--warmup", "0", "--profile-steps", "1"])
        .args(["--no-matmul-reference", "--json", "--attention", choice])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).expect("stdout is JSON");
    assert!(v["steps"][0]["loss"].as_f64().unwrap().is_finite());
    v["attention"]
        .as_str()
        .expect("the report names it")
        .to_string()
}

#[test]
fn the_report_names_the_attention_that_ran() {
    let fused = attention_of("fused");
    assert!(
        fused.starts_with("fused") && fused.contains("as given"),
        "{fused}"
    );
    assert!(attention_of("naive").starts_with("naive"));
    // Measured: either may win, but the report says what was measured.
    let auto = attention_of("auto");
    assert!(auto.contains("measured") && auto.contains("ms"), "{auto}");
}

#[test]
fn an_unknown_attention_is_refused() {
    flopcost()
        .args(["train", "--preset", "tiny", "--attention", "sparse"])
        .assert()
        .code(2);
}
