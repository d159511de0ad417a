//! The catalog reproduces its sources, and rejects every malformed user file with a message
//! naming the entry and field.

use super::*;

fn catalog() -> Catalog {
    Catalog::built_in().expect("built-in catalog parses")
}

fn gpu_hours(c: &Catalog, run: &str) -> f64 {
    c.run(run).unwrap().gpu_hours.as_ref().unwrap().value
}

/// Reported cost = GPU-hours × reported $/GPU-hour, and the reported cost agrees.
fn check_cost(c: &Catalog, run: &str, hours: f64, cost: f64) {
    let r = c.run(run).unwrap();
    assert_eq!(gpu_hours(c, run), hours, "{run}");
    let price = r.usd_per_gpu_hour.as_ref().unwrap().value;
    assert_eq!(price, 2.0, "{run}");
    assert!((hours * price - cost).abs() < 1e-6, "{run}");
    assert_eq!(r.cost_usd.as_ref().unwrap().value, cost, "{run}");
}

#[test]
fn has_the_required_entries() {
    let c = catalog();
    for a in [
        "h800",
        "h100-sxm",
        "h200",
        "a100-40gb",
        "a100-80gb",
        "a800",
        "b200",
        "mi300x",
        "rtx-4090",
        "rtx-3090",
        "l40s",
    ] {
        assert!(c.accelerator(a).is_ok(), "{a}");
    }
    for m in ["deepseek-v3", "deepseek-r1", "llama-3.1-405b", "gpt-3-175b"] {
        assert!(c.model(m).is_ok(), "{m}");
    }
    for r in [
        "deepseek-r1",
        "deepseek-r1-zero",
        "deepseek-r1-sft-data",
        "deepseek-r1-rl",
        "deepseek-v3",
        "deepseek-v3-pretraining",
        "deepseek-v3-context-extension",
        "deepseek-v3-post-training",
        "llama-3.1-405b",
        "gpt-3-175b",
    ] {
        assert!(c.run(r).is_ok(), "{r}");
    }
}

#[test]
fn deepseek_r1_costs_reproduce_table_7() {
    let c = catalog();
    check_cost(&c, "deepseek-r1", 147_000.0, 294_000.0);
    check_cost(&c, "deepseek-r1-zero", 101_000.0, 202_000.0);
    check_cost(&c, "deepseek-r1-sft-data", 5_000.0, 10_000.0);
    check_cost(&c, "deepseek-r1-rl", 41_000.0, 82_000.0);
    let stages: f64 = c
        .stages_of("deepseek-r1")
        .map(|r| r.gpu_hours.as_ref().unwrap().value)
        .sum();
    assert_eq!(stages, 147_000.0);
}

#[test]
fn deepseek_r1_wall_hours_match_gpu_hours() {
    let c = catalog();
    for (run, devices, wall, hours) in [
        ("deepseek-r1-rl", 512.0, 80.0, 41_000.0),
        ("deepseek-r1-zero", 512.0, 198.0, 101_000.0),
    ] {
        let r = c.run(run).unwrap();
        assert_eq!(r.devices.as_ref().unwrap().value, devices);
        assert_eq!(r.wall_hours.as_ref().unwrap().value, wall);
        // 512 × 80 = 40,960 ≈ 41K; 512 × 198 = 101,376 ≈ 101K: within rounding (1.5%).
        let product = devices * wall;
        assert!((product - hours).abs() / hours < 0.015, "{run}: {product}");
    }
}

#[test]
fn deepseek_v3_costs_reproduce_table_1() {
    let c = catalog();
    check_cost(&c, "deepseek-v3", 2_788_000.0, 5_576_000.0);
    check_cost(&c, "deepseek-v3-pretraining", 2_664_000.0, 5_328_000.0);
    check_cost(&c, "deepseek-v3-context-extension", 119_000.0, 238_000.0);
    check_cost(&c, "deepseek-v3-post-training", 5_000.0, 10_000.0);
    let stages: f64 = c
        .stages_of("deepseek-v3")
        .map(|r| r.gpu_hours.as_ref().unwrap().value)
        .sum();
    assert_eq!(stages, 2_788_000.0);
}

#[test]
fn moe_models_use_activated_parameters() {
    let c = catalog();
    let v3 = c.model("deepseek-v3").unwrap();
    assert_eq!(v3.params.value, 671e9);
    assert_eq!(v3.flop_params().value, 37e9);
    assert_eq!(v3.attention_shape(), Some((61.0, 4096.0, 7168.0)));
    // A dense model's N is all of its parameters.
    let llama = c.model("llama-3.1-405b").unwrap();
    assert_eq!(llama.flop_params().value, 405e9);
    assert_eq!(llama.attention_shape(), Some((126.0, 8192.0, 16384.0)));
    let gpt3 = c.model("gpt-3-175b").unwrap();
    assert_eq!(gpt3.attention_shape(), Some((96.0, 2048.0, 12288.0)));
}

#[test]
fn every_figure_is_sourced() {
    // The parser refuses a figure without a source; spot-check one of each kind.
    let c = catalog();
    let h800 = c.accelerator("h800").unwrap();
    assert_eq!(h800.peak_tflops.get(Precision::Bf16).unwrap().value, 989.5);
    assert!(!h800.peak_tflops.bf16.as_ref().unwrap().source.is_empty());
    let wall = c
        .run("deepseek-v3-pretraining")
        .unwrap()
        .wall_hours
        .clone()
        .unwrap();
    assert_eq!(wall.kind, FigureKind::Derived);
    assert!((wall.value - 2_664_000.0 / 2048.0).abs() < 0.1);
}

#[test]
fn lookups_are_case_insensitive_and_suggest() {
    let c = catalog();
    assert!(c.accelerator("H800").is_ok());
    let err = c.accelerator("h8000").unwrap_err().to_string();
    assert!(err.contains("did you mean 'h800'"), "{err}");
    let err = c.run("deepseek-r2").unwrap_err();
    assert!(matches!(err, FlopcostError::BadInput(_)));
    assert!(err.to_string().contains("did you mean"), "{err}");
}

const USER: &str = r#"{
  "accelerators": [
    {"id": "h800", "name": "H800 (mine)",
     "peak_tflops": {"bf16": {"value": 900, "kind": "reported", "source": "my sheet"}}},
    {"id": "my-gpu", "name": "Mine",
     "peak_tflops": {"fp32": {"value": 10, "kind": "derived", "source": "measured"}}}
  ],
  "models": [
    {"id": "tiny", "name": "Tiny", "params": {"value": 1e6, "kind": "reported", "source": "me"}}
  ],
  "runs": [
    {"id": "tiny-run", "model": "tiny", "stage": "all", "accelerator": "my-gpu",
     "tokens": {"value": 1e9, "kind": "reported", "source": "me"}}
  ]
}"#;

fn with_user(text: &str) -> Result<Catalog, FlopcostError> {
    Catalog::from_documents(BUILT_IN, Some((text, "user.json")))
}

#[test]
fn a_user_catalog_replaces_same_ids_and_adds_new_ones() {
    let base = catalog();
    let c = with_user(USER).unwrap();
    assert_eq!(c.accelerators.len(), base.accelerators.len() + 1);
    let h800 = c.accelerator("h800").unwrap();
    assert_eq!(h800.name, "H800 (mine)");
    assert_eq!(h800.peak_tflops.bf16.as_ref().unwrap().value, 900.0);
    assert!(c.accelerator("my-gpu").is_ok());
    assert!(c.run("tiny-run").is_ok());
    assert_eq!(c.runs.len(), base.runs.len() + 1);
}

/// Each malformed document fails as BadInput naming these words (entry and field).
fn rejects(text: &str, expected: &[&str]) {
    let err = with_user(text).expect_err(text);
    assert!(matches!(err, FlopcostError::BadInput(_)), "{err}");
    let msg = err.to_string();
    for word in expected {
        assert!(msg.contains(word), "'{msg}' lacks '{word}'");
    }
}

#[test]
fn rejects_malformed_user_catalogs() {
    rejects("{not json", &["user.json", "not valid JSON"]);
    rejects("[]", &["top level"]);
    rejects(r#"{"gpus": []}"#, &["gpus"]);
    rejects(r#"{"models": {}}"#, &["models", "list"]);
    // Wrong type.
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "params": {"value": "big", "kind": "reported", "source": "s"}}]}"#,
        &["models[0] 'm'", "params.value", "number"],
    );
    // Missing field.
    rejects(
        r#"{"models": [{"id": "m", "name": "M"}]}"#,
        &["models[0] 'm'", "'params'", "missing"],
    );
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "params": {"value": 5, "kind": "reported"}}]}"#,
        &["params.source"],
    );
    // Zero and negative figures.
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "params": {"value": 0, "kind": "reported", "source": "s"}}]}"#,
        &["params.value", "positive"],
    );
    rejects(
        r#"{"accelerators": [{"id": "x", "name": "X", "peak_tflops": {"bf16": {"value": -1, "kind": "reported", "source": "s"}}}]}"#,
        &["accelerators[0] 'x'", "peak_tflops.bf16.value", "positive"],
    );
    rejects(
        r#"{"accelerators": [{"id": "x", "name": "X", "peak_tflops": {"bf17": {"value": 1, "kind": "reported", "source": "s"}}}]}"#,
        &["peak_tflops.bf17"],
    );
    // Bad kind, unknown field, MFU over 1, fractional device count, active > total.
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "params": {"value": 5, "kind": "guessed", "source": "s"}}]}"#,
        &["params.kind"],
    );
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "size": 5}]}"#,
        &["'size'"],
    );
    rejects(
        r#"{"runs": [{"id": "r", "model": "gpt-3-175b", "stage": "s", "accelerator": "v100", "mfu": {"value": 1.5, "kind": "reported", "source": "s"}}]}"#,
        &["runs[0] 'r'", "mfu.value"],
    );
    rejects(
        r#"{"runs": [{"id": "r", "model": "gpt-3-175b", "stage": "s", "accelerator": "v100", "devices": {"value": 2.5, "kind": "reported", "source": "s"}}]}"#,
        &["devices.value", "whole"],
    );
    rejects(
        r#"{"models": [{"id": "m", "name": "M", "params": {"value": 5, "kind": "reported", "source": "s"}, "active_params": {"value": 6, "kind": "reported", "source": "s"}}]}"#,
        &["active_params.value"],
    );
    // References and duplicates.
    rejects(
        r#"{"runs": [{"id": "r", "model": "gpt3-175b", "stage": "s", "accelerator": "v100"}]}"#,
        &[
            "runs[",
            "'r'",
            "field 'model'",
            "gpt3-175b",
            "did you mean 'gpt-3-175b'",
        ],
    );
    rejects(
        r#"{"runs": [{"id": "r", "model": "gpt-3-175b", "stage": "s", "accelerator": "h801"}]}"#,
        &["field 'accelerator'", "did you mean 'h800'"],
    );
    rejects(
        r#"{"runs": [{"id": "r", "model": "gpt-3-175b", "stage": "s", "accelerator": "v100", "part_of": "nope"}]}"#,
        &["field 'part_of'"],
    );
    rejects(
        r#"{"models": [
            {"id": "m", "name": "M", "params": {"value": 5, "kind": "reported", "source": "s"}},
            {"id": "M", "name": "M2", "params": {"value": 5, "kind": "reported", "source": "s"}}]}"#,
        &["models[1] 'M'", "field 'id'", "duplicates"],
    );
}

#[test]
fn every_achievable_matmul_is_below_its_peak_and_says_where_it_came_from() {
    let c = catalog();
    let mut sourced = 0;
    for a in &c.accelerators {
        for p in Precision::ALL {
            let Some(mamf) = a.mamf_tflops.get(p) else {
                continue;
            };
            let peak = a
                .peak_tflops
                .get(p)
                .unwrap_or_else(|| panic!("{} {p:?}", a.id));
            assert!(mamf.value < peak.value, "{} {p:?}", a.id);
            assert!(
                mamf.source.contains("Maximum Achievable Matmul"),
                "{}",
                a.id
            );
            sourced += 1;
        }
    }
    assert!(sourced >= 6, "{sourced}");
    // The H100 figures the issue names: 794.5 of 989.5 BF16; the A100's 271.2 of 312.
    let h100 = c.accelerator("h100-sxm").unwrap();
    assert_eq!(h100.mamf_tflops.get(Precision::Bf16).unwrap().value, 794.5);
    let a100 = c.accelerator("a100-80gb").unwrap();
    assert_eq!(a100.mamf_tflops.get(Precision::Bf16).unwrap().value, 271.2);
}

#[test]
fn adapter_names_pick_the_catalog_accelerator() {
    let c = catalog();
    let id = |name: &str| {
        c.accelerator_for_adapters(&[name.to_string()])
            .map(|a| a.id.clone())
    };
    assert_eq!(id("NVIDIA H100 80GB HBM3").as_deref(), Some("h100-sxm"));
    assert_eq!(id("NVIDIA A100-SXM4-80GB").as_deref(), Some("a100-80gb"));
    assert_eq!(id("NVIDIA GeForce RTX 4090").as_deref(), Some("rtx-4090"));
    assert_eq!(id("llvmpipe (LLVM 17.0.6, 256 bits)"), None);
    // A merged document of two different GPUs is no one accelerator.
    assert!(c
        .accelerator_for_adapters(&["NVIDIA H800".into(), "NVIDIA H100 80GB HBM3".into()])
        .is_none());
}
