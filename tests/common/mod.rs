//! What every end-to-end test shares: the binary, isolated from the user's environment.

use assert_cmd::Command;

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
