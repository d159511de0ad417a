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

/// The built-in catalog file itself, read apart from the binary: tests derive their
/// expectations from it, so adding a run to it breaks none.
fn catalog_file() -> Value {
    let text = std::fs::read_to_string(format!("{}/data/catalog.json", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn catalog_run_ids() -> Vec<String> {
    catalog_file()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

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
    assert!(!hopper.is_empty());
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
        "147.0K GPU-hours on h800 (all_stages), cost $294.0K",
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
    // Priced: the model's sourced 250 GFLOP per token, as the calibration counts its run.
    assert!(close(
        e["work"]["total_flops"].as_f64().unwrap(),
        250e9 * 14.8e12,
        1e-9
    ));
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
    // Recomputation is shown as hardware FLOPs, never priced: the calibrated MFU is of 6·N·D.
    assert!(close(
        recompute["work"]["total_flops"].as_f64().unwrap(),
        6.0 * 7e9 * 1e12,
        1e-12
    ));
    assert!(close(
        recompute["work"]["breakdown"]["hardware_flops"]
            .as_f64()
            .unwrap(),
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
    assert_eq!(ids, catalog_run_ids());
    let zero = runs.iter().find(|r| r["id"] == "deepseek-r1-zero").unwrap();
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
    for id in catalog_run_ids() {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id.as_str())),
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
    assert_eq!(
        doc["runs"].as_array().unwrap().len(),
        catalog_run_ids().len()
    );
    // A CPU software adapter gets hours, never dollars.
    assert!(doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["cost_usd"].is_null()));
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
fn estimate_from_a_software_result_warns_and_gives_hours_not_dollars() {
    let args = [
        "estimate",
        "--from",
        &fixture("lavapipe.json"),
        "--flops",
        "1e18",
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("software adapter on the CPU: not a GPU figure"));
    assert!(stdout.contains("kernel tiled f32"));
    assert!(
        stdout.contains("a CPU adapter has no rental price"),
        "{stdout}"
    );
    let rental = stdout.lines().find(|l| l.starts_with("Rental:")).unwrap();
    assert!(!rental.contains('$'), "{rental}");
    let mut explain = args.to_vec();
    explain.push("--explain");
    let (_, full, _) = run(&explain);
    // A measured rate is multiplied by matmul utilisation, not by a datasheet MFU.
    assert!(full.contains("the default is matmul utilisation"), "{full}");
    assert!(full.contains("precision: your rate is f32"), "{full}");
    let mut json = args.to_vec();
    json.push("--json");
    let e = json_of(&json);
    assert!(e["price_per_hour"].is_null());
    assert!(e["result"]["rental_cost_usd"].is_null());
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
    assert!(rows.len() >= 30, "{}", rows.len());
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
    let overall = &doc["overall"];
    assert!(close(
        overall["coverage"].as_f64().unwrap(),
        inside as f64 / rows.len() as f64,
        1e-12
    ));
    assert_eq!(overall["nominal_coverage"].as_f64(), Some(0.8));
    let skipped = doc["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["run"] == "gpt-3-175b"));

    let (code, text, _) = run(&["backtest"]);
    assert_eq!(code, 0);
    for expected in [
        "median absolute error",
        "achieved against 80.0% nominal",
        "held out by source",
        "skipped gpt-3-175b",
    ] {
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
        "--explain",
    ]);
    std::fs::remove_file(&path).ok();
    assert_eq!(e["throughput"]["accelerator"].as_str(), Some("h100-sxm"));
    // The matched accelerator's own TDP, not the 300 W default.
    assert_eq!(e["watts"]["value"].as_f64(), Some(700.0));
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

/// The calibration runs as `estimate --json` reports them.
fn calibration_runs() -> Vec<Value> {
    let e = json_of(&["estimate", "--flops", "1e21", "--tflops", "100", "--json"]);
    e["calibration"]["runs"].as_array().unwrap().clone()
}

#[test]
fn every_calibration_run_reprices_to_its_reported_hours_through_every_path() {
    let catalog = catalog_file();
    let model_of = |run: &str| {
        let r = catalog["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == run)
            .unwrap()
            .clone();
        let m = catalog["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == r["model"])
            .unwrap()
            .clone();
        (r, m)
    };
    let runs = calibration_runs();
    assert!(runs.len() >= 30);
    for c in &runs {
        let id = c["run"].as_str().unwrap();
        let accel = c["accelerator"].as_str().unwrap();
        let hours = c["device_hours"].as_f64().unwrap();
        let mfu = format!("{}", c["mfu"].as_f64().unwrap());
        let hours_of = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--accelerator", accel, "--json"]);
            json_of(&all)["result"]["device_hours"].as_f64().unwrap()
        };
        // --run, with and without --recompute: the run's own MFU on its own accelerator.
        for extra in [&[][..], &["--recompute"][..]] {
            let mut args = vec!["estimate", "--run", id];
            args.extend(extra);
            let got = hours_of(&args);
            assert!(close(got, hours, 1e-9), "{id} {extra:?}: {got} vs {hours}");
        }
        // --model and --params with the run's tokens, at the run's MFU: the work is counted
        // the same way (a reported total is rounded by its source, hence 1%).
        let (run, model) = model_of(id);
        let Some(tokens) = run["tokens"]["value"].as_f64() else {
            continue;
        };
        let tokens = format!("{tokens}");
        let tolerance = if run["flops"].is_null() { 1e-9 } else { 1e-2 };
        let got = hours_of(&[
            "estimate",
            "--model",
            model["id"].as_str().unwrap(),
            "--tokens",
            &tokens,
            "--efficiency",
            &mfu,
        ]);
        assert!(
            close(got, hours, tolerance),
            "{id} --model: {got} vs {hours}"
        );
        if model["flops_per_token"].is_null() {
            let n = model["active_params"]["value"]
                .as_f64()
                .or(model["params"]["value"].as_f64())
                .unwrap();
            let got = hours_of(&[
                "estimate",
                "--params",
                &format!("{n}"),
                "--tokens",
                &tokens,
                "--recompute",
                "--efficiency",
                &mfu,
            ]);
            assert!(
                close(got, hours, tolerance),
                "{id} --params: {got} vs {hours}"
            );
        }
    }
    // FP8: DeepSeek-V3 trained in FP8; at the FP8 peak the calibrated rate is the same.
    let fp8 = json_of(&[
        "estimate",
        "--run",
        "deepseek-v3-pretraining",
        "--accelerator",
        "h800",
        "--precision",
        "fp8",
        "--json",
    ]);
    assert!(close(
        fp8["result"]["device_hours"].as_f64().unwrap(),
        2.664e6,
        1e-9
    ));
}

#[test]
fn a_run_on_another_accelerator_uses_that_accelerators_calibration() {
    let own = json_of(&[
        "estimate",
        "--run",
        "llama-2-70b",
        "--accelerator",
        "a100-80gb",
        "--json",
    ]);
    let other = json_of(&[
        "estimate",
        "--run",
        "llama-2-70b",
        "--accelerator",
        "h100-sxm",
        "--json",
    ]);
    assert!(own["efficiency"]["source"]
        .as_str()
        .unwrap()
        .contains("the run itself"));
    let source = other["efficiency"]["source"].as_str().unwrap();
    assert!(!source.contains("the run itself"), "{source}");
    assert!(source.contains("nvidia-hopper"), "{source}");
}

#[test]
fn a_run_priced_from_its_own_hours_prints_no_interval_and_its_own_devices() {
    let e = json_of(&[
        "estimate",
        "--run",
        "deepseek-r1-zero",
        "--accelerator",
        "h800",
        "--json",
    ]);
    assert_eq!(e["devices"]["value"].as_f64(), Some(512.0));
    assert!(e["interval"].is_null());
    assert!(e["interval_omitted"]
        .as_str()
        .unwrap()
        .contains("by construction"));
    // 101K GPU-hours on 512 GPUs: about 8 days, not 20 years.
    assert!(close(
        e["result"]["wall_hours"].as_f64().unwrap(),
        101_000.0 / 512.0,
        1e-9
    ));
    let (_, text, _) = run(&[
        "estimate",
        "--run",
        "deepseek-r1-zero",
        "--accelerator",
        "h800",
    ]);
    assert!(text.contains("No interval:"), "{text}");
}

#[test]
fn an_mi300x_is_slower_than_an_h100_and_says_it_has_no_calibration_runs() {
    let hours = |accel: &str| {
        json_of(&[
            "estimate",
            "--params",
            "70B",
            "--tokens",
            "2T",
            "--accelerator",
            accel,
            "--json",
        ])["result"]["device_hours"]
            .as_f64()
            .unwrap()
    };
    assert!(hours("mi300x") > hours("h100-sxm"));
    let (_, text, _) = run(&[
        "estimate",
        "--params",
        "70B",
        "--tokens",
        "2T",
        "--accelerator",
        "mi300x",
    ]);
    assert!(text.contains("no calibration runs for mi300x"), "{text}");
}

#[test]
fn the_default_estimate_is_short_and_explain_shows_the_rest() {
    let args = [
        "estimate",
        "--params",
        "7B",
        "--tokens",
        "2T",
        "--accelerator",
        "a100-80gb",
    ];
    let (code, short, _) = run(&args);
    assert_eq!(code, 0);
    let lines = short.lines().count();
    assert!(lines <= 16, "{lines} lines:\n{short}");
    let last = short.lines().last().unwrap();
    assert!(
        last.starts_with("Track record (back-test held out by source"),
        "{last}"
    );
    assert!(last.contains("nvidia-ampere"), "{last}");
    let mut explain = args.to_vec();
    explain.push("--explain");
    let (_, full, _) = run(&explain);
    assert!(full.starts_with(&short));
    for r in calibration_runs() {
        assert!(full.contains(r["run"].as_str().unwrap()));
    }
    assert!(full.contains("skipped gpt-3-175b"));
}

#[test]
fn a_catalog_with_impossible_near_zero_and_duplicate_runs_is_skipped_with_notices() {
    let run = |id: &str, hours: &str| {
        format!(
            r#"{{"id": "{id}", "model": "bloom-176b", "stage": "s", "accelerator": "a100-80gb",
                "gpu_hours": {{"value": {hours}, "kind": "reported", "source": "s"}},
                "tokens": {{"value": 366e9, "kind": "reported", "source": "s"}}}}"#
        )
    };
    let doc = format!(
        r#"{{"runs": [{}, {}, {}]}}"#,
        run("impossible", "1000"),
        run("near-zero", "1e15"),
        run("bloom-again", "1082990")
    );
    let path = temp_path("hostile-catalog.json");
    std::fs::write(&path, doc).unwrap();
    let b = json_of(&["--catalog", path.to_str().unwrap(), "backtest", "--json"]);
    let plain = json_of(&["backtest", "--json"]);
    std::fs::remove_file(&path).ok();
    let reason = |id: &str| {
        b["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["run"] == id)
            .map(|s| s["reason"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(reason("impossible").contains("outside physical sense"));
    assert!(reason("near-zero").contains("outside physical sense"));
    assert!(reason("bloom-again").contains("duplicate of 'bloom-176b'"));
    // None of them moves the back-test.
    assert_eq!(b["rows"], plain["rows"]);
}

#[test]
fn the_readme_back_test_table_is_what_backtest_prints() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (code, out, _) = run(&["backtest"]);
    assert_eq!(code, 0);
    let printed: Vec<&str> = out
        .lines()
        .take_while(|l| !l.starts_with("method:"))
        .collect();
    let in_readme: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("run ") || !l.contains("fitted on"))
        .take(printed.len())
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect();
    assert_eq!(
        in_readme, printed,
        "README's back-test table differs from `flopcost backtest`: paste its output"
    );
}
