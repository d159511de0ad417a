//! `flopcost train --model` end to end on the local adapter (lavapipe in CI): Llama 3.1 8B's
//! own layer shapes (width 4096, FFN 14336, 32 heads, 8 KV heads) at one layer, a short context
//! and a small vocabulary, for very few steps, saying what was reduced; tiny-llama's loss
//! falling through the same command; and the shapes of a named model refused as overrides.

mod common;
use common::flopcost;

use flopcost::model::parse_train_report;
use serde_json::Value;

fn run_json(args: &[&str]) -> Value {
    let out = flopcost()
        .arg("train")
        .args(args)
        .args(["--no-matmul-reference", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    parse_train_report(&text, "stdout").expect("the report loads through the one loader");
    serde_json::from_str(&text).unwrap()
}

/// One timed step (and the one profiled step the command always runs) of one 4096-wide layer
/// of 218 M parameters on 8 positions, with a 512-token vocabulary. About 2 minutes of CPU
/// time on lavapipe (measured on a loaded 2-core host, where it took longer by the clock);
/// the products run on tiles cut to the 8 rows (`tiles_for_rows`), without which the same step
/// outran a 120 s timeout there.
#[test]
fn llama_3_1_8b_runs_at_its_own_layer_shapes_reduced_and_says_so() {
    let v = run_json(&[
        "--model",
        "llama-3.1-8b",
        "--layers",
        "1",
        "--ctx",
        "8",
        "--vocab",
        "512",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--profile-steps",
        "1",
        "--random-data",
    ]);
    assert_eq!(v["model"]["width"], 4096);
    assert_eq!(v["model"]["heads"], 32);
    assert_eq!(v["model"]["layers"], 1);
    let arch = v["architecture"].as_str().unwrap();
    assert!(
        arch.contains("8 KV heads") && arch.contains("14336"),
        "{arch}"
    );
    let reduced = v["reduced"].as_str().unwrap();
    for part in [
        "layers 32 -> 1",
        "ctx 8192 -> 8",
        "vocab 128256 -> 512",
        "llama-3.1-8b",
    ] {
        assert!(reduced.contains(part), "{reduced}");
    }
    assert!(v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["loss"].as_f64().unwrap().is_finite()));
    assert!(v["tokens_per_s"].as_f64().unwrap() > 0.0);
    // The model it stands for, at its own size, for an estimate to scale the step to.
    let full = &v["full_model"];
    assert_eq!(full["name"], "llama-3.1-8b");
    assert_eq!(full["layers"], 32);
    assert_eq!(full["vocab"], 128_256);
    assert_eq!(full["params"], 8_030_261_248u64);
    assert!(full["flops_per_token"].as_f64().unwrap() > v["flops_per_token"].as_f64().unwrap());
}

#[test]
fn tiny_llama_trains_through_the_command_and_its_loss_falls() {
    let v = run_json(&[
        "--model",
        "tiny-llama",
        "--ctx",
        "32",
        "--steps",
        "6",
        "--warmup",
        "1",
        "--profile-steps",
        "1",
        "--lr",
        "0.003",
    ]);
    assert_eq!(v["model"]["width"], 128);
    let losses: Vec<f64> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["loss"].as_f64().unwrap())
        .collect();
    assert!(losses.last().unwrap() < &(losses[0] - 0.3), "{losses:?}");
}

#[test]
fn a_named_models_layer_shapes_cannot_be_overridden() {
    for (args, says) in [
        (
            &["--model", "llama-3.1-8b", "--width", "512"][..],
            "own layer shapes",
        ),
        (&["--model", "llama-9"][..], "known models"),
        (
            &["--model", "tiny-llama", "--matmul", "texture"][..],
            "tiled path only",
        ),
    ] {
        let out = flopcost()
            .arg("train")
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
}

/// The files GPT-2's step writes, the Llama-style step writes too: none is silently dropped.
#[test]
fn tiny_llama_writes_every_file_asked_for() {
    let dir = common::scratch("llama-outputs");
    let (plot, csv, md) = (
        dir.join("loss.svg"),
        dir.join("steps.csv"),
        dir.join("run.md"),
    );
    flopcost()
        .args(["train", "--quiet", "--model", "tiny-llama", "--ctx", "16"])
        .args([
            "--steps",
            "2",
            "--warmup",
            "1",
            "--no-matmul-reference",
            "--plot",
        ])
        .arg(&plot)
        .arg("--export-csv")
        .arg(&csv)
        .arg("--export-markdown")
        .arg(&md)
        .assert()
        .success();
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(
        rows.lines().count() >= 4,
        "header, warm-up, 2 timed: {rows}"
    );
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("| tokens/s |"));
}
