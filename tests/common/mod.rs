//! What every test shares: the binary isolated from the user's environment, the device the
//! in-process tests run kernels on, scratch folders and fixtures.
// Each test file uses some of these; the rest would warn as unused there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use flopcost::gpu::GpuContext;
use flopcost::model::AdapterRequest;

/// The flopcost binary with wgpu's adapter variables cleared, a tuning cache of its own (so no
/// test reads another's winners or the user's), and tuning off unless a test turns it on.
pub fn flopcost() -> Command {
    let mut cmd = Command::cargo_bin("flopcost").unwrap();
    let cache = std::env::temp_dir().join(format!("flopcost-test-cache-{}", std::process::id()));
    cmd.env_remove("WGPU_ADAPTER_NAME")
        .env_remove("WGPU_BACKEND")
        .env("FLOPCOST_CACHE_DIR", cache)
        .env("FLOPCOST_TUNE_BUDGET", "0");
    cmd
}

/// The adapter in-process tests run kernels on (`WGPU_ADAPTER_NAME`, else the most capable),
/// opened as the binary opens it: Mesa's device-select layer switched off first, so listing
/// adapters prints no display-server `error:` line. Once, before any test of this binary
/// reaches the device, since setting a variable races with threads reading the environment.
pub fn device() -> GpuContext {
    static PREPARED: std::sync::Once = std::sync::Once::new();
    PREPARED.call_once(flopcost::session::prepare_process);
    GpuContext::open(None, &AdapterRequest::from_flag_and_env(None))
        .expect("tests need an adapter: install mesa-vulkan-drivers")
}

/// A file of `tests/fixtures`, as a path string (what command lines take).
pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// An empty folder for one test, under Cargo's folder for test files and named after the test
/// binary too, so no two tests share one.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", env!("CARGO_CRATE_NAME")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Each tensor's gradient L2 norm, summed in f64, from its (name, offset, length) in `grads`:
/// what the step tests compare with the reference and with each other.
pub fn grad_norms(
    slots: impl IntoIterator<Item = (&'static str, usize, usize)>,
    grads: &[f32],
) -> Vec<(&'static str, f64)> {
    slots
        .into_iter()
        .map(|(name, offset, len)| {
            let sum: f64 = grads[offset..offset + len]
                .iter()
                .map(|&g| g as f64 * g as f64)
                .sum();
            (name, sum.sqrt())
        })
        .collect()
}

/// |a − b| relative to b (b = 0 compares against the smallest positive f64, so any a ≠ 0 is
/// far off).
pub fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}
