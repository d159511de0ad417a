//! The cost commands driven end to end on fixture files: no GPU needed.

mod common;
use common::{fixture, flopcost};

use serde_json::Value;

/// Runs and returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = flopcost().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("flopcost-test-{}-{name}", std::process::id()))
}

const RUN_IDS: [&str; 24] = [
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
    "llama-1-7b",
    "llama-1-13b",
    "llama-1-33b",
    "llama-1-65b",
    "llama-2-7b",
    "llama-2-13b",
    "llama-2-70b",
    "bloom-176b",
    "falcon-180b",
    "llama-3.1-8b",
    "llama-3.1-70b",
    "deepseek-67b-per-trillion",
    "deepseek-v2-per-trillion",
    "palm-540b",
];

#[test]
fn estimate_reprices_deepseek_r1_with_checkable_figures() {
    let args = [
        "estimate",
        "--run",
        "deepseek-r1",
        "--tflops",
        "989",
        "--efficiency",
        "1",
    ];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let e = json_of(&with_json);
    // No tokens are published for R1: FLOPs = 147K GPU-hours × 3600 × 989.5e12 × the MFU the
    // calibration gives the H800's family at R1's size, which lies within the family's runs.
    let hopper: Vec<f64> = e["calibration"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["group"] == "nvidia-hopper")
        .map(|r| r["mfu"].as_f64().unwrap())
        .collect();
    assert_eq!(hopper.len(), 6);
    let flops = e["work"]["total_flops"].as_f64().unwrap();
    let implied_mfu = flops / (147_000.0 * 3600.0 * 989.5e12);
    let lowest = hopper.iter().copied().fold(f64::MAX, f64::min);
    let highest = hopper.iter().copied().fold(f64::MIN, f64::max);
    assert!(
        (lowest..=highest).contains(&implied_mfu),
        "{implied_mfu} outside {lowest}..{highest}"
    );
    let method = e["work"]["method"].as_str().unwrap();
    assert!(
        method.contains(&format!("{:.2}% MFU", implied_mfu * 100.0)),
        "{method}"
    );
    // At 989 TFLOP/s and 100%: device-hours = FLOPs / 989e12 / 3600; $2 is the run's price.
    let hours = e["result"]["device_hours"].as_f64().unwrap();
    assert!(close(hours, flops / 989e12 / 3600.0, 1e-9));
    assert_eq!(e["price_per_hour"]["value"].as_f64(), Some(2.0));
    assert!(close(
        e["result"]["rental_cost_usd"].as_f64().unwrap(),
        hours * 2.0,
        1e-9
    ));
    // Energy: hours × 300 W (no TDP known) / 1000 × 1.2, at $0.15.
    let kwh = e["result"]["energy_kwh"].as_f64().unwrap();
    assert!(close(kwh, hours * 0.3 * 1.2, 1e-9));
    assert!(close(
        e["result"]["energy_cost_usd"].as_f64().unwrap(),
        kwh * 0.15,
        1e-9
    ));

    let (code, text, _) = run(&args);
    assert_eq!(code, 0);
    let hours_text = format!("{:.1}K device-hours", hours / 1e3);
    let cost_text = format!("${:.1}K", hours * 2.0 / 1e3);
    for expected in [
        "Work: run 'deepseek-r1'",
        "147000 GPU-hours × 3600 s × 989.5 TFLOP/s",
        "989.0 TFLOP/s per device",
        "Efficiency: 100.0% (--efficiency)",
        &hours_text,
        "$2.00/h (the run's reported $/GPU-hour",
        &cost_text,
        "147.0K GPU-hours on h800, cost $294.0K",
        "300 W (ASSUMPTION",
        "80% interval",
    ] {
        assert!(text.contains(expected), "missing '{expected}' in:\n{text}");
    }
}

#[test]
fn estimate_model_shows_both_terms_and_uses_tdp() {
    let e = json_of(&[
        "estimate",
        "--model",
        "deepseek-v3",
        "--tokens",
        "14.8T",
        "--accelerator",
        "h800",
        "--devices",
        "2048",
        "--json",
    ]);
    let b = &e["work"]["breakdown"];
    assert!(close(b["dense_flops"].as_f64().unwrap(), 3.2856e24, 1e-9));
    let attention = 6.0 * 61.0 * 4096.0 * 7168.0 * 14.8e12;
    assert!(close(
        b["attention_flops"].as_f64().unwrap(),
        attention,
        1e-9
    ));
    assert_eq!(e["watts"]["value"].as_f64(), Some(700.0));
    assert_eq!(e["throughput"]["tflops_per_device"].as_f64(), Some(989.5));
    let r = e["result"]["wall_hours"].as_f64().unwrap();
    assert!(close(
        r,
        e["result"]["device_hours"].as_f64().unwrap() / 2048.0,
        1e-12
    ));

    let recompute = json_of(&[
        "estimate",
        "--params",
        "7B",
        "--tokens",
        "1T",
        "--tflops",
        "100",
        "--recompute",
        "--json",
    ]);
    assert!(close(
        recompute["work"]["total_flops"].as_f64().unwrap(),
        8.0 * 7e9 * 1e12,
        1e-12
    ));
    let moe = json_of(&[
        "estimate",
        "--params",
        "671B",
        "--active-params",
        "37B",
        "--tokens",
        "1T",
        "--tflops",
        "100",
        "--json",
    ]);
    assert!(close(
        moe["work"]["total_flops"].as_f64().unwrap(),
        6.0 * 37e9 * 1e12,
        1e-12
    ));
}

#[test]
fn catalog_runs_json_parses() {
    let doc = json_of(&["catalog", "runs", "--json"]);
    let runs = doc["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, RUN_IDS);
    let zero = &runs[1];
    assert_eq!(zero["gpu_hours"]["value"].as_f64(), Some(101_000.0));
    assert_eq!(zero["gpu_hours"]["kind"].as_str(), Some("reported"));
    assert!(zero["gpu_hours"]["source"]
        .as_str()
        .unwrap()
        .contains("Table 7"));
    let (code, text, _) = run(&["catalog"]);
    assert_eq!(code, 0);
    assert!(text.contains("h800") && text.contains("deepseek-v3") && text.contains("$294.0K"));
}

#[test]
fn catalog_json_round_trips_through_catalog_flag() {
    let doc = json_of(&["catalog", "--json"]);
    let path = temp_path("round-trip.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let again = json_of(&["--catalog", path.to_str().unwrap(), "catalog", "--json"]);
    std::fs::remove_file(&path).ok();
    assert_eq!(doc, again);
}

#[test]
fn malformed_catalog_files_exit_2_naming_the_field() {
    let (code, _, stderr) = run(&["--catalog", &fixture("bad-catalog.json"), "catalog"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("runs[0] 'mine'"), "{stderr}");
    assert!(stderr.contains("gpu_hours.value"), "{stderr}");

    let path = temp_path("not-json.json");
    std::fs::write(&path, "{ \"runs\": [ ").unwrap();
    let (code, _, stderr) = run(&[
        "--catalog",
        path.to_str().unwrap(),
        "estimate",
        "--flops",
        "1e20",
        "--tflops",
        "1",
    ]);
    std::fs::remove_file(&path).ok();
    assert_eq!(code, 2);
    assert!(stderr.contains("not valid JSON"), "{stderr}");

    // A file the user named but that cannot be read is their input gone wrong.
    let (code, _, stderr) = run(&["--catalog", "/nonexistent/catalog.json", "catalog"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read catalog file /nonexistent/catalog.json"),
        "{stderr}"
    );
}

#[test]
fn compare_one_saved_result_has_a_row_per_run_and_warns_about_software() {
    let (code, stdout, stderr) = run(&["compare", &fixture("lavapipe.json")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("software adapter on the CPU: not a GPU figure"));
    assert!(stderr.contains("software adapter on the CPU: not a GPU figure"));
    for id in RUN_IDS {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id)),
            "no row for {id}:\n{stdout}"
        );
    }
    assert!(stdout.contains("fp32 peak (like-for-like)"));
    assert!(stdout.contains("bf16 peak (cross-precision)"));

    let doc = json_of(&[
        "compare",
        &fixture("lavapipe.json"),
        "--devices",
        "4",
        "--json",
    ]);
    assert_eq!(doc["runs"].as_array().unwrap().len(), RUN_IDS.len());
    assert_eq!(doc["like_precision"].as_str(), Some("fp32"));
    // Best passed result: tiled f32 256³ in 8 ms = 4.194 GFLOP/s.
    let g = doc["device"]["per_device_gflops"].as_f64().unwrap();
    assert!(close(g, 2.0 * 256f64.powi(3) / 0.008 / 1e9, 1e-9));
    let h100 = doc["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["accelerator"] == "h100-sxm")
        .unwrap();
    assert!(close(
        h100["like_fraction"].as_f64().unwrap(),
        g / 67_000.0,
        1e-9
    ));
    let zero = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run"] == "deepseek-r1-zero")
        .unwrap();
    let one = zero["hours_on_one_device"].as_f64().unwrap();
    assert!(close(
        zero["hours_on_user_devices"].as_f64().unwrap(),
        one / 4.0,
        1e-12
    ));
}

#[test]
fn compare_two_files_gives_relative_speed() {
    let a = fixture("gpu-a.json");
    let b = fixture("gpu-b.json");
    let groups = json_of(&["compare", &a, &b, "--json"]);
    let tiled = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kernel"] == "tiled" && g["dtype"] == "f32")
        .unwrap();
    let rows = tiled["rows"].as_array().unwrap();
    assert_eq!(rows[0]["ratio"].as_f64(), Some(1.0));
    assert_eq!(rows[0]["adapter"].as_str(), Some("Test GPU A"));
    // 1 ms vs 2.31 ms, each ± 2%: 2.31 ± 2.31 × √2 × 2% = 2.31 ± 0.065.
    assert!(close(rows[1]["ratio"].as_f64().unwrap(), 2.31, 1e-9));
    assert!(close(
        rows[1]["ratio_spread"].as_f64().unwrap(),
        2.31 * 0.02 * 2f64.sqrt(),
        1e-6
    ));
    let naive = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kernel"] == "naive" && g["m"] == 1024)
        .unwrap();
    assert!(naive["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["ratio"] == 1.0));

    let (code, text, _) = run(&["compare", &a, &b]);
    assert_eq!(code, 0);
    assert!(text.contains("2.31 ± 0.07"), "{text}");
    assert!(text.contains("2147.5 ± 42.9"), "{text}");
    assert!(text.contains("Test GPU B"));
}

#[test]
fn merge_sums_best_results_and_estimate_reads_the_saved_document() {
    let saved = temp_path("merged.json");
    let doc = json_of(&[
        "merge",
        &fixture("gpu-a.json"),
        &fixture("gpu-b.json"),
        "--save",
        saved.to_str().unwrap(),
        "--json",
    ]);
    let f32_gflops = 2.0 * 1024f64.powi(3) / 1e9 * (1.0 / 0.001 + 1.0 / 0.00231);
    let f32 = doc["dtypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dtype"] == "f32")
        .unwrap();
    assert!(close(
        f32["total_gflops"].as_f64().unwrap(),
        f32_gflops,
        1e-9
    ));
    assert_eq!(f32["devices"].as_u64(), Some(2));
    let f16 = doc["dtypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dtype"] == "f16")
        .unwrap();
    assert_eq!(f16["devices"].as_u64(), Some(1));
    assert_eq!(doc["kind"].as_str(), Some("flopcost-merged"));

    let e = json_of(&[
        "estimate",
        "--from",
        saved.to_str().unwrap(),
        "--dtype",
        "f32",
        "--flops",
        "1e21",
        "--efficiency",
        "1",
        "--json",
    ]);
    std::fs::remove_file(&saved).ok();
    assert_eq!(e["devices"]["value"].as_f64(), Some(2.0));
    let per_device = e["throughput"]["tflops_per_device"].as_f64().unwrap();
    assert!(close(per_device, f32_gflops / 2.0 / 1000.0, 1e-9));
    // Wall time on the pair = FLOPs / their summed rate.
    let wall = e["result"]["wall_hours"].as_f64().unwrap();
    assert!(close(wall, 1e21 / (f32_gflops * 1e9) / 3600.0, 1e-9));
}

#[test]
fn estimate_from_a_software_result_warns_and_names_the_assumption() {
    let (code, stdout, stderr) = run(&[
        "estimate",
        "--from",
        &fixture("lavapipe.json"),
        "--flops",
        "1e18",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("software adapter on the CPU: not a GPU figure"));
    assert!(stdout.contains("kernel tiled f32"));
    // A measured rate is multiplied by matmul utilisation, not by a datasheet MFU.
    assert!(
        stdout.contains("the default is matmul utilisation"),
        "{stdout}"
    );
    assert!(stdout.contains("precision: your rate is f32"), "{stdout}");
    assert!(!stdout.contains("ASSUMPTION: applying a datasheet-derived MFU"));
}

#[test]
fn bad_inputs_exit_2_with_a_message() {
    let cases: [(&[&str], &str); 12] = [
        (&["estimate", "--flops", "-1", "--tflops", "1"], "--flops"),
        (&["estimate", "--flops", "0", "--tflops", "1"], "--flops"),
        (&["estimate", "--flops", "NaN", "--tflops", "1"], "--flops"),
        (&["estimate", "--flops", "inf", "--tflops", "1"], "--flops"),
        (
            &[
                "estimate",
                "--flops",
                "1e20",
                "--tflops",
                "1",
                "--efficiency",
                "0",
            ],
            "--efficiency",
        ),
        (
            &[
                "estimate",
                "--flops",
                "1e20",
                "--tflops",
                "1",
                "--devices",
                "2.5",
            ],
            "--devices",
        ),
        (
            &[
                "estimate",
                "--model",
                "deepseek-v4",
                "--tokens",
                "1T",
                "--tflops",
                "1",
            ],
            "did you mean 'deepseek-v3'",
        ),
        (
            &["estimate", "--model", "deepseek-v3", "--tflops", "1"],
            "--tokens",
        ),
        (
            &["estimate", "--flops", "1e20", "--accelerator", "h8000"],
            "did you mean 'h800'",
        ),
        (
            &[
                "estimate",
                "--flops",
                "1e20",
                "--accelerator",
                "a100-80gb",
                "--precision",
                "fp8",
            ],
            "no fp8 peak",
        ),
        (&["estimate", "--tflops", "1"], "say what to estimate"),
        (
            &[
                "estimate",
                "--flops",
                "1e20",
                "--from",
                "tests/fixtures/bad-gflops.json",
            ],
            "field 'gflops'",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: '{stderr}' lacks '{expected}'"
        );
    }
    let (code, _, stderr) = run(&["compare", &fixture("gpu-a.json"), "--dtype", "f64"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--dtype"));
    let (code, _, stderr) = run(&["merge", &fixture("bad-gflops.json")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("gflops"), "{stderr}");
}

#[test]
fn re_pricing_a_deepseek_run_on_its_own_hardware_returns_its_reported_hours() {
    for (run, hours) in [
        ("deepseek-v3-pretraining", 2_664_000.0),
        ("deepseek-r1", 147_000.0),
        ("deepseek-r1-zero", 101_000.0),
        ("deepseek-r1-rl", 41_000.0),
        ("llama-3.1-405b", 30.84e6),
    ] {
        let accel = if run.starts_with("llama") {
            "h100-sxm"
        } else {
            "h800"
        };
        let e = json_of(&["estimate", "--run", run, "--accelerator", accel, "--json"]);
        let got = e["result"]["device_hours"].as_f64().unwrap();
        assert!(close(got, hours, 1e-9), "{run}: {got}");
    }
}

#[test]
fn backtest_estimates_every_calibration_run_with_itself_left_out() {
    let doc = json_of(&["backtest", "--json"]);
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.len() >= 15, "{}", rows.len());
    for r in rows {
        let (low, high) = (
            r["interval_low_hours"].as_f64().unwrap(),
            r["interval_high_hours"].as_f64().unwrap(),
        );
        let reported = r["reported_hours"].as_f64().unwrap();
        let estimated = r["estimated_hours"].as_f64().unwrap();
        assert!(low < estimated && estimated < high, "{r}");
        assert!(close(
            r["signed_error"].as_f64().unwrap(),
            estimated / reported - 1.0,
            1e-9
        ));
        assert_eq!(
            r["inside"].as_bool(),
            Some(low <= reported && reported <= high)
        );
    }
    let inside = rows.iter().filter(|r| r["inside"] == true).count();
    assert!(close(
        doc["coverage"].as_f64().unwrap(),
        inside as f64 / rows.len() as f64,
        1e-12
    ));
    assert_eq!(doc["nominal_coverage"].as_f64(), Some(0.8));
    let skipped = doc["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["run"] == "gpt-3-175b"));

    let (code, text, _) = run(&["backtest"]);
    assert_eq!(code, 0);
    for expected in ["median absolute error", "coverage", "skipped gpt-3-175b"] {
        assert!(text.contains(expected), "missing '{expected}' in:\n{text}");
    }
}

#[test]
fn a_measured_catalog_accelerator_gets_both_paths_side_by_side() {
    let text = std::fs::read_to_string(fixture("gpu-a.json"))
        .unwrap()
        .replace("Test GPU A", "NVIDIA H100 80GB HBM3");
    let path = temp_path("h100.json");
    std::fs::write(&path, text).unwrap();
    let e = json_of(&[
        "estimate",
        "--from",
        path.to_str().unwrap(),
        "--flops",
        "1e21",
        "--json",
    ]);
    let (code, stdout, _) = run(&[
        "estimate",
        "--from",
        path.to_str().unwrap(),
        "--flops",
        "1e21",
    ]);
    std::fs::remove_file(&path).ok();
    assert_eq!(e["throughput"]["accelerator"].as_str(), Some("h100-sxm"));
    let p = &e["side_by_side"];
    assert!(p["from_measured"]["rate"]
        .as_str()
        .unwrap()
        .starts_with("f32 measured"));
    assert_eq!(p["from_catalog"]["tflops_per_device"].as_f64(), Some(989.5));
    // The measured path uses matmul utilisation, the catalog path MFU, of the same runs.
    let util = p["from_measured"]["efficiency"].as_f64().unwrap();
    let mfu = p["from_catalog"]["efficiency"].as_f64().unwrap();
    assert!(close(util, mfu * 989.5 / 794.5, 1e-9));
    assert_eq!(code, 0);
    assert!(stdout.contains("Side by side, h100-sxm"), "{stdout}");
    assert!(stdout.contains("why they differ"), "{stdout}");
}
