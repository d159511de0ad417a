//! A saved step of Llama 3.1 8B's own layers, at a reduced depth, priced as the whole model:
//! `estimate --from` scales the measured step to the model's 32 layers by FLOPs and applies the
//! calibrated scale-out factor, and says which part was measured and which calibrated. The
//! fixture is a real `flopcost train --model llama-3.1-8b --steps 1 --warmup 0 --random-data`
//! report from lavapipe (a CPU adapter, on a loaded 2-core host: its figures are not a GPU's).

mod common;
use common::{fixture, flopcost};

use serde_json::Value;

fn report() -> (String, Value) {
    let path = fixture("train/llama-3.1-8b-lavapipe.json");
    let v = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (path, v)
}

fn stdout(args: &[&str]) -> String {
    let out = flopcost()
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The whole model's tokens per second the estimate must use: the step's model FLOP/s over
/// the whole model's FLOPs per token.
fn scaled_tokens_per_s(v: &Value) -> f64 {
    v["tokens_per_s"].as_f64().unwrap() * v["flops_per_token"].as_f64().unwrap()
        / v["full_model"]["flops_per_token"].as_f64().unwrap()
}

#[test]
fn the_fixture_is_a_reduced_step_of_the_models_own_layers() {
    let (_, v) = report();
    assert_eq!(v["full_model"]["name"], "llama-3.1-8b");
    assert_eq!(v["full_model"]["layers"], 32);
    assert_eq!(v["model"]["width"], 4096);
    assert_eq!(v["model"]["layers"], 1);
    assert!(v["reduced"].as_str().unwrap().contains("layers 32 -> 1"));
}

#[test]
fn estimate_from_the_report_prices_the_whole_model_and_names_the_measured_step() {
    let (path, v) = report();
    // No work given: the report's model, on its reported run's tokens.
    let text = stdout(&["estimate", "--from", &path, "--explain"]);
    let tokens = format!("{:.4e} tokens/s", scaled_tokens_per_s(&v));
    for wanted in [
        "run 'llama-3.1-8b'",
        "measured single-device factor × calibrated scale-out",
        "measured: your device trains 1 layer(s) of llama-3.1-8b's own shapes",
        "a scaling by FLOPs",
        "calibrated: scale-out factor",
        "the trained step ran llama-3.1-8b's own layer shapes",
        tokens.as_str(),
    ] {
        assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
    }
}

#[test]
fn the_scaled_tokens_per_second_set_the_device_hours() {
    let (path, v) = report();
    let out = stdout(&[
        "estimate",
        "--from",
        &path,
        "--model",
        "llama-3.1-8b",
        "--tokens",
        "15T",
        "--json",
    ]);
    let e: Value = serde_json::from_str(&out).unwrap();
    let source = e["efficiency"]["source"].as_str().unwrap();
    assert!(source.contains("single-device"), "{source}");
    assert!(
        source.contains("the step measured on llama-3.1-8b's own layer shapes"),
        "{source}"
    );
    // efficiency = (6·N × scaled tokens/s ÷ matmul rate) × scale-out, so the device-hours are
    // tokens ÷ (scaled tokens/s × scale-out): recover the scale-out and check both.
    let matmul = v["mfu"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["against"]
                .as_str()
                .unwrap()
                .starts_with("best measured matmul")
        })
        .and_then(|m| m["ceiling_gflops"].as_f64())
        .expect("the fixture has its matmul rate");
    let n = e["work"]["params"].as_f64().unwrap();
    let tps = scaled_tokens_per_s(&v);
    let scale_out = e["efficiency"]["value"].as_f64().unwrap() * matmul * 1e9 / (6.0 * n * tps);
    assert!(scale_out > 0.0 && scale_out <= 1.0, "{scale_out}");
    let notes = e["notes"].to_string();
    assert!(
        notes.contains(&format!("scale-out {:.1}%", scale_out * 100.0)),
        "{notes}"
    );
    let hours = e["result"]["device_hours"].as_f64().unwrap();
    let expected = 15e12 / (tps * scale_out) / 3600.0;
    assert!(
        (hours / expected - 1.0).abs() < 1e-9,
        "{hours} vs {expected}"
    );
}
