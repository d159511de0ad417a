//! A matmul cannot outrun its FMA units: a result above the cached FMA probe is stated as the
//! probe trailing, never as a share above 100%.

mod common;
use common::flopcost;
use serde_json::Value;

#[test]
fn a_result_above_the_cached_probe_says_the_probe_trails() {
    let cache = std::env::temp_dir().join(format!("flopcost-share-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    flopcost()
        .env("FLOPCOST_CACHE_DIR", &cache)
        .args(["--backend", "vulkan", "peak", "--min-time", "0"])
        .assert()
        .success();
    // Make the cached ceiling absurdly low, as a probe slowed by other load could be.
    let file = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("peak-")
        })
        .expect("peak cached beside the tuning cache");
    let mut peak: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for probe in peak["probes"].as_array_mut().unwrap() {
        if probe["probe"] == "fma-f32" {
            probe["value"] = Value::from(1e-6);
        }
    }
    std::fs::write(&file, serde_json::to_string(&peak).unwrap()).unwrap();

    let out = flopcost()
        .env("FLOPCOST_CACHE_DIR", &cache)
        .args([
            "--backend",
            "vulkan",
            "bench",
            "--size",
            "32",
            "--kernel",
            "tiled",
            "--runs",
            "2",
            "--min-time",
            "0",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("above its FMA probe"), "{text}");
    let row = text.lines().find(|l| l.starts_with("tiled ")).unwrap();
    assert!(!row.contains('%'), "no share printed: {row}");
}
