//! Facts about the host that make a result reproducible and comparable later, read through
//! `sysinfo` so that Linux, macOS and Windows all report them.

use sysinfo::{CpuRefreshKind, RefreshKind, System};

use crate::model::SystemInfo;

/// The wgpu version flopcost was built against (kept in step with Cargo.toml by a test).
pub const WGPU_VERSION: &str = "30";

impl SystemInfo {
    pub fn collect() -> Self {
        SystemInfo {
            // "Linux (Debian GNU/Linux 12)", "macOS 15.1 Sequoia", "Windows 11 Pro"...
            os: System::long_os_version().unwrap_or_else(|| std::env::consts::OS.to_string()),
            arch: std::env::consts::ARCH.to_string(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".to_string()),
            // The cores this process may use (affinity, cgroups), not the machine's count.
            cpu_cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            wgpu_version: WGPU_VERSION.to_string(),
        }
    }
}

fn cpu_model() -> Option<String> {
    let system =
        System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing()));
    let brand = system.cpus().first()?.brand().trim().to_string();
    (!brand.is_empty()).then_some(brand)
}

/// Memory the host can give this process now without swapping, in bytes; `None` where the OS
/// does not say (sysinfo then reports 0).
pub fn available_memory() -> Option<u64> {
    let mut system = System::new();
    system.refresh_memory();
    Some(system.available_memory()).filter(|&bytes| bytes > 0)
}

/// CPU seconds this process has spent so far, all its threads together (user and system);
/// `None` where the OS does not say. On a CPU software adapter the kernels run on this
/// process's threads, so the difference across a submission counts their work whatever else
/// loads the host, where the wall clock also counts the share of the host the process got.
#[cfg(unix)]
pub fn process_cpu_s() -> Option<f64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes a `rusage` through the pointer, which is valid for one.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: zero-initialised, then filled by a call that succeeded.
    let usage = unsafe { usage.assume_init() };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

#[cfg(not(unix))]
pub fn process_cpu_s() -> Option<f64> {
    None
}

/// The host's one-minute load average and its CPU count, where the OS reports a load average.
pub fn load_average() -> Option<(f64, usize)> {
    let one = System::load_average().one;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (one > 0.0).then_some((one, cpus))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_described() {
        let info = SystemInfo::collect();
        assert!(!info.os.is_empty() && !info.arch.is_empty());
        assert!(info.cpu_cores >= 1);
        // Every OS this crate builds for reports its memory.
        assert!(available_memory().is_some_and(|b| b > 0));
    }

    #[test]
    fn the_process_cpu_time_counts_work_done() {
        let Some(before) = process_cpu_s() else {
            return;
        };
        let mut x = 0u64;
        while process_cpu_s().unwrap() - before < 0.02 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        assert!(x > 0);
    }

    #[test]
    fn the_wgpu_version_is_the_one_built_against() {
        let manifest = include_str!("../Cargo.toml");
        assert!(manifest.contains(&format!("wgpu = {{ version = \"{WGPU_VERSION}\"")));
    }
}
