//! The binary driven end to end: JSON shapes, the human output, and bad input.

mod common;
use common::flopcost;

use assert_cmd::Command;
use serde_json::Value;

fn stdout_json(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is JSON")
}

fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn devices_json_lists_adapters_with_features_and_limits() {
    let v = stdout_json(flopcost().args(["devices", "--json"]));
    let adapters = v["adapters"].as_array().unwrap();
    assert!(!adapters.is_empty());
    let a = &adapters[0];
    assert_eq!(a["index"], 0);
    for key in [
        "name",
        "backend",
        "device_type",
        "driver",
        "driver_info",
        "vendor_id",
        "device_id",
    ] {
        assert!(a.get(key).is_some(), "missing {key}");
    }
    for key in [
        "timestamp_query",
        "shader_f16",
        "subgroup",
        "cooperative_matrix",
    ] {
        assert!(a["features"].get(key).is_some(), "missing features.{key}");
    }
    assert!(
        a["limits"]["max_storage_buffer_binding_size"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn bench_json_carries_a_validated_timed_result_per_kernel() {
    let v = stdout_json(flopcost().args([
        "bench",
        "--size",
        "48",
        "--json",
        "--seed",
        "7",
        "--runs",
        "2",
        "--min-time",
        "0",
    ]));
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["seed"], 7);
    assert!(v["flopcost_version"].is_string());
    assert!(v["system"]["cpu_model"].is_string() && v["system"]["wgpu_version"].is_string());
    assert!(v["adapter"]["name"].is_string());
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), flopcost::kernels::families().len());
    // Every f32 family runs anywhere; a family whose needs the adapter lacks (cooperative
    // matrices on lavapipe) is reported with its reason, never timed and never a zero.
    let passed = results.iter().filter(|r| r["status"] == "passed").count();
    assert!(passed >= 5, "{passed} passed");
    for r in results {
        if r["status"] == "unsupported" {
            assert!(!r["error"].as_str().unwrap().is_empty());
            assert!(r.get("gflops").is_none() && r["validation"].is_null());
            continue;
        }
        assert_eq!(r["op"], "matmul");
        let f16 = r["kernel"].as_str().unwrap().contains("f16");
        assert_eq!(r["dtype"], if f16 { "f16" } else { "f32" });
        assert!(r["accumulator"].is_string() && r["input_path"].is_string());
        assert_eq!(
            (r["m"].as_u64(), r["n"].as_u64(), r["k"].as_u64()),
            (Some(48), Some(48), Some(48))
        );
        assert!(r["config"].is_object());
        assert_eq!(r["status"], "passed");
        assert_eq!(r["validation"]["passed"], true);
        assert!(
            r["validation"]["max_rel_error"].as_f64().unwrap()
                <= r["validation"]["tolerance"].as_f64().unwrap()
        );
        let timing = r["timing"].as_str().unwrap();
        assert!(timing == "gpu-timestamp" || timing == "wall-clock");
        assert!(r["samples_s"].as_array().unwrap().len() >= 2);
        for key in ["median_s", "min_s", "max_s", "mean_s", "stddev_s"] {
            assert!(r[key].as_f64().is_some(), "missing {key}");
        }
        assert!(r["gflops"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn bench_text_names_adapter_timing_and_software_warning() {
    let out = flopcost()
        .args([
            "bench",
            "--m",
            "17",
            "--n",
            "33",
            "--k",
            "9",
            "--runs",
            "2",
            "--min-time",
            "0",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("adapter:") && text.contains("timing:"));
    assert!(text.contains("17×33×9"));
    if text.contains("(vulkan, cpu") || text.contains("(gl, cpu") {
        assert!(text.contains("software adapter on the CPU: not a GPU figure"));
    }
}

#[test]
fn saved_result_round_trips() {
    let dir = std::env::temp_dir().join(format!("flopcost-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.json");
    flopcost()
        .args([
            "bench",
            "--size",
            "16",
            "--runs",
            "1",
            "--min-time",
            "0",
            "--kernel",
            "naive",
            "--save",
        ])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let report: flopcost::model::BenchReport = serde_json::from_str(&text).unwrap();
    assert_eq!(report.results.len(), 1);
    assert_eq!(report, flopcost::model::load_report(&path).unwrap());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn zero_or_negative_sizes_are_refused() {
    assert!(stderr_of(flopcost().args(["bench", "--size", "0"]), 2).contains("--size"));
    assert!(stderr_of(flopcost().args(["bench", "--size", "-5"]), 2).contains("--size"));
    assert!(stderr_of(
        flopcost().args(["bench", "--m", "4", "--n", "0", "--k", "4"]),
        2
    )
    .contains("--n"));
}

#[test]
fn unknown_kernel_backend_and_adapter_name_the_choices() {
    let err = stderr_of(flopcost().args(["bench", "--kernel", "fastest"]), 2);
    assert!(
        err.contains("unknown kernel 'fastest'") && err.contains("naive"),
        "{err}"
    );
    let err = stderr_of(flopcost().args(["bench", "--backend", "cuda"]), 2);
    assert!(err.contains("vulkan"), "{err}");
    let err = stderr_of(
        flopcost().args(["bench", "--adapter", "99", "--size", "8"]),
        3,
    );
    assert!(err.contains("no adapter with that index"), "{err}");
}

#[test]
fn a_size_over_the_device_limits_names_the_limit_and_the_largest_fit() {
    let err = stderr_of(flopcost().args(["bench", "--size", "200000"]), 2);
    assert!(err.contains("max_storage_buffer_binding_size"), "{err}");
    assert!(err.contains("largest square size that fits"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn no_adapter_names_the_fix() {
    // A backend this OS does not have: wgpu finds nothing, as on a machine with no driver at
    // all. (No DX12 on macOS, no Metal elsewhere.)
    let absent = if cfg!(target_os = "macos") {
        "dx12"
    } else {
        "metal"
    };
    let err = stderr_of(flopcost().args(["bench", "--backend", absent]), 3);
    assert!(err.contains("mesa-vulkan-drivers"), "{err}");
}

#[test]
fn bad_timing_options_are_refused() {
    for bad in ["-1", "NaN", "inf", "abc"] {
        let err = stderr_of(flopcost().args(["bench", "--min-time", bad]), 2);
        assert!(err.contains("min-time"), "{bad}: {err}");
    }
    stderr_of(flopcost().args(["bench", "--runs", "0"]), 2);
}
