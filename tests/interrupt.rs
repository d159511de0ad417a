//! Ctrl-C during a sweep: the sizes measured before it stay in the results file, the run says
//! where they are, and the exit code is 130.
#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn ctrl_c_keeps_the_finished_sizes_and_exits_130() {
    let dir = std::env::temp_dir().join(format!("flopcost-interrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("partial.json");
    let child = Command::new(env!("CARGO_BIN_EXE_flopcost"))
        .env("FLOPCOST_CACHE_DIR", &dir)
        .env_remove("WGPU_ADAPTER_NAME")
        .env_remove("WGPU_BACKEND")
        .args([
            "sweep",
            "--sizes",
            "16,32,48,64",
            "--kernel",
            "naive",
            "--min-time",
            "1.5",
            "--budget",
            "300",
            "--export-json",
        ])
        .arg(&json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The file appears once the first size is done.
    let start = Instant::now();
    while !json.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the first size never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped by Ctrl-C"), "{stderr}");
    assert!(stderr.contains(&json.display().to_string()), "{stderr}");

    let report = flopcost::model::load_report(&json).unwrap();
    let sizes: Vec<u32> = report.results.iter().map(|r| r.m).collect();
    assert!(sizes.contains(&16), "{sizes:?}");
    assert!(
        !sizes.contains(&64),
        "the sweep went on after Ctrl-C: {sizes:?}"
    );
    std::fs::remove_dir_all(dir).ok();
}
