//! A start with no display prints no `error:` line unless something failed: a library's noise
//! about display servers is not flopcost's to show.

mod common;
use common::flopcost;

/// The lines of `stderr` that start like an error.
fn error_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.trim_start().starts_with("error:"))
        .map(str::to_string)
        .collect()
}

/// As on a server or in CI: no display, no session directory, no device-select variable.
fn without_display(args: &[&str]) -> assert_cmd::assert::Assert {
    flopcost()
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .env_remove("NODEVICE_SELECT")
        .env_remove("MESA_VK_DEVICE_SELECT")
        .args(args)
        .assert()
}

#[test]
fn devices_prints_no_error_line_without_a_display() {
    let out = without_display(&["devices"]).success();
    let errors = error_lines(&out.get_output().stderr);
    assert!(errors.is_empty(), "stderr had {errors:?}");
}

#[test]
fn peak_on_vulkan_prints_no_error_line_without_a_display() {
    let out = without_display(&["--backend", "vulkan", "peak", "--min-time", "0"]);
    let output = out.get_output();
    if !output.status.success() {
        // No Vulkan driver here: that failure is a real error, and must say so.
        assert!(!error_lines(&output.stderr).is_empty());
        eprintln!("skipped: no Vulkan adapter on this machine");
        return;
    }
    let errors = error_lines(&output.stderr);
    assert!(errors.is_empty(), "stderr had {errors:?}");
}

#[test]
fn a_real_failure_is_still_one_error_line() {
    let out = without_display(&["--adapter", "no-such-adapter-anywhere", "peak"]).failure();
    let errors = error_lines(&out.get_output().stderr);
    assert_eq!(errors.len(), 1, "stderr had {errors:?}");
    assert!(errors[0].contains("--adapter"), "{errors:?}");
}
