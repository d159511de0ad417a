//! `tune` writes its cache and the next run reuses it; `peak` reports both ceilings.

mod common;
use common::flopcost;
use serde_json::Value;

fn json_of(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is JSON")
}

#[test]
fn tune_writes_its_cache_and_the_second_run_skips_tuning() {
    let dir = std::env::temp_dir().join(format!("flopcost-tune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let tune = |extra: &[&str]| {
        let mut cmd = flopcost();
        cmd.env("FLOPCOST_CACHE_DIR", &dir)
            .args([
                "tune", "--size", "24", "--kernel", "tiled", "--budget", "3", "--json",
            ])
            .args(extra);
        json_of(&mut cmd)
    };
    let first = tune(&[]);
    let family = &first["families"][0];
    assert_eq!(
        family["outcome"].as_str().unwrap().split(' ').next(),
        Some("tuned")
    );
    assert!(family["tried"].as_u64().unwrap() >= 1);
    assert!(family["gflops"].as_f64().unwrap() > 0.0);
    assert!(dir.join("tune.json").exists());

    let second = tune(&[]);
    assert!(second["families"][0]["outcome"]
        .as_str()
        .unwrap()
        .starts_with("cache hit"));
    assert_eq!(second["families"][0]["tried"], 0);
    assert_eq!(second["families"][0]["config"], family["config"]);

    // bench picks the cached winner without tuning.
    let mut bench = flopcost();
    bench.env("FLOPCOST_CACHE_DIR", &dir).args([
        "bench",
        "--size",
        "24",
        "--kernel",
        "tiled",
        "--runs",
        "1",
        "--min-time",
        "0",
        "--json",
    ]);
    let report = json_of(&mut bench);
    assert_eq!(report["results"][0]["tuning"], "tuned (cache)");
    assert_eq!(report["results"][0]["config"], family["config"]);

    // --force tunes again.
    assert!(tune(&["--force"])["families"][0]["tried"].as_u64().unwrap() >= 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_corrupt_cache_is_ignored_with_a_notice() {
    let dir = std::env::temp_dir().join(format!("flopcost-tune-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tune.json"), "{ truncated").unwrap();
    let out = flopcost()
        .env("FLOPCOST_CACHE_DIR", &dir)
        .args(["tune", "--size", "16", "--kernel", "naive", "--budget", "1"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn peak_reports_arithmetic_and_bandwidth_ceilings() {
    let dir = std::env::temp_dir().join(format!("flopcost-peak-{}", std::process::id()));
    let mut cmd = flopcost();
    cmd.env("FLOPCOST_CACHE_DIR", &dir)
        .args(["peak", "--json", "--min-time", "0"]);
    let report = json_of(&mut cmd);
    let probes = report["probes"].as_array().unwrap();
    let find = |name: &str| probes.iter().find(|p| p["probe"] == name).unwrap().clone();
    let fma = find("fma-f32");
    assert_eq!(fma["status"], "passed");
    assert_eq!(fma["unit"], "GFLOP/s");
    assert!(fma["value"].as_f64().unwrap() > 0.0);
    for name in ["copy", "read-reduce"] {
        let p = find(name);
        assert_eq!(p["status"], "passed", "{p}");
        assert_eq!(p["unit"], "GB/s");
        assert!(p["value"].as_f64().unwrap() > 0.0);
    }
    // f16 is measured where the adapter has it, else skipped with its reason, never a zero.
    let f16 = find("fma-f16");
    match f16["status"].as_str().unwrap() {
        "passed" => assert!(f16["value"].as_f64().unwrap() > 0.0),
        "unsupported" => assert!(f16["error"].as_str().unwrap().contains("SHADER_F16")),
        other => panic!("fma-f16 {other}"),
    }

    // bench now states its results as a share of the cached peak.
    let mut bench = flopcost();
    bench.env("FLOPCOST_CACHE_DIR", &dir).args([
        "bench",
        "--size",
        "16",
        "--kernel",
        "naive",
        "--runs",
        "1",
        "--min-time",
        "0",
        "--json",
    ]);
    let report = json_of(&mut bench);
    assert!(report["peak"]["fma_f32_gflops"].as_f64().unwrap() > 0.0);
    std::fs::remove_dir_all(&dir).ok();
}
