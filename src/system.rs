//! Facts about the host that make a result reproducible and comparable later.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemInfo {
    pub os: String,
    pub arch: String,
    pub cpu_model: String,
    pub cpu_cores: usize,
    pub wgpu_version: String,
}

/// The wgpu version flopcost was built against (kept in step with Cargo.toml by a test).
pub const WGPU_VERSION: &str = "30";

impl SystemInfo {
    pub fn collect() -> Self {
        SystemInfo {
            os: os_name(),
            arch: std::env::consts::ARCH.to_string(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".to_string()),
            cpu_cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            wgpu_version: WGPU_VERSION.to_string(),
        }
    }
}

fn os_name() -> String {
    // /etc/os-release names the distribution; fall back to the bare OS family elsewhere.
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}
