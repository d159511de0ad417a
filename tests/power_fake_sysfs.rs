//! Power on a CPU adapter comes from RAPL's energy counter; here a fake sysfs tree stands in for
//! it (FLOPCOST_SYSFS_ROOT), so the path from counter to JSON to `estimate --from` is tested
//! on any machine. The NVML path is exercised on a GPU machine by bench/gpu-check.sh.

mod common;
use common::flopcost;
use serde_json::Value;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn fake_root(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("flopcost-sysfs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    root
}

fn bench_json(root: &Path, save: Option<&Path>) -> Value {
    let mut cmd = flopcost();
    cmd.env("FLOPCOST_SYSFS_ROOT", root).args([
        "--backend",
        "vulkan",
        "bench",
        "--size",
        "64",
        "--kernel",
        "tiled",
        "--runs",
        "5",
        "--min-time",
        "0.3",
        "--json",
    ]);
    if let Some(path) = save {
        cmd.arg("--save").arg(path);
    }
    let out = cmd.assert().success().get_output().clone();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn is_software_vulkan(report: &Value) -> bool {
    report["software_adapter"] == true && report["adapter"]["backend"] == "vulkan"
}

#[test]
fn without_a_power_reader_the_json_says_not_available_and_why() {
    let root = fake_root("empty");
    let report = bench_json(&root, None);
    let power = &report["results"][0]["power"];
    assert!(power["average_w"].is_null(), "{power}");
    let why = power["not_available"].as_str().unwrap();
    if is_software_vulkan(&report) {
        assert!(why.contains("RAPL"), "{why}");
    }
}

#[test]
fn a_rapl_counter_gives_watts_and_gflops_per_joule_and_estimate_uses_them() {
    let root = fake_root("rapl");
    let package = root.join("class/powercap/intel-rapl:0");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(package.join("name"), "package-0\n").unwrap();
    std::fs::write(package.join("max_energy_range_uj"), "262143328850\n").unwrap();
    let energy = package.join("energy_uj");
    std::fs::write(&energy, "1000000\n").unwrap();

    // The counter a 40 W package would show, written from the clock so load cannot skew it.
    let done = AtomicBool::new(false);
    let saved = root.join("result.json");
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            let start = Instant::now();
            while !done.load(Ordering::Relaxed) {
                let uj = 1_000_000.0 + 40e6 * start.elapsed().as_secs_f64();
                let tmp = energy.with_extension("tmp");
                std::fs::write(&tmp, format!("{uj:.0}\n")).unwrap();
                std::fs::rename(&tmp, &energy).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let report = bench_json(&root, Some(&saved));
        done.store(true, Ordering::Relaxed);
        report
    });
    if !is_software_vulkan(&report) {
        eprintln!("skipped: the adapter is not a CPU software adapter, so RAPL is not its meter");
        return;
    }
    let result = &report["results"][0];
    let power = &result["power"];
    let watts = power["average_w"]
        .as_f64()
        .unwrap_or_else(|| panic!("{power}"));
    assert!(
        (30.0..50.0).contains(&watts),
        "{watts} W from a 40 W counter"
    );
    assert!(power["measured_by"].as_str().unwrap().contains("RAPL"));
    let per_joule = power["gflops_per_joule"].as_f64().unwrap();
    let gflops = result["gflops"].as_f64().unwrap();
    assert!((per_joule - gflops / watts).abs() < 1e-9 * gflops.max(1.0));

    // estimate --from takes those watts for the energy, and says where they came from.
    let out = flopcost()
        .args(["estimate", "--params", "7B", "--tokens", "1T", "--from"])
        .arg(&saved)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("measured during that result's timed runs"),
        "{text}"
    );
}
