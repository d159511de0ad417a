//! CPUs: the kernel's RAPL energy counters, /sys/class/powercap/intel-rapl:N/energy_uj (one per
//! package; AMD CPUs appear under the same name). Each counter wraps at max_energy_range_uj.

use std::path::{Path, PathBuf};

use super::{Meter, Reading};

struct Package {
    energy_file: PathBuf,
    wraps_at_uj: f64,
    last_uj: Option<f64>,
}

pub struct RaplMeter {
    packages: Vec<Package>,
    /// Joules counted so far, wrap-arounds included, summed over the packages.
    total_j: f64,
}

/// Every package domain (`intel-rapl:N`, not its sub-zones `intel-rapl:N:M`) under `root`.
pub fn open(root: &Path) -> Result<RaplMeter, String> {
    let powercap = root.join("class/powercap");
    let entries = std::fs::read_dir(&powercap)
        .map_err(|e| format!("no RAPL: cannot list {}: {e}", powercap.display()))?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.starts_with("intel-rapl:") && name.matches(':').count() == 1
        })
        .map(|e| e.path())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(format!(
            "no RAPL package domain under {}",
            powercap.display()
        ));
    }
    let mut packages = Vec::new();
    for dir in dirs {
        let energy_file = dir.join("energy_uj");
        // Since 2020 kernels let only root read the counters (a side channel otherwise).
        std::fs::read_to_string(&energy_file)
            .map_err(|e| format!("cannot read {} ({e})", energy_file.display()))?;
        let wraps_at_uj = std::fs::read_to_string(dir.join("max_energy_range_uj"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(f64::INFINITY);
        packages.push(Package {
            energy_file,
            wraps_at_uj,
            last_uj: None,
        });
    }
    Ok(RaplMeter {
        packages,
        total_j: 0.0,
    })
}

impl Meter for RaplMeter {
    fn describe(&self) -> String {
        format!(
            "RAPL, {} CPU package{} (energy counter)",
            self.packages.len(),
            if self.packages.len() == 1 { "" } else { "s" }
        )
    }

    fn read(&mut self) -> Result<Reading, String> {
        for p in &mut self.packages {
            let text = std::fs::read_to_string(&p.energy_file)
                .map_err(|e| format!("cannot read {}: {e}", p.energy_file.display()))?;
            let now: f64 = text.trim().parse().map_err(|_| {
                format!(
                    "{}: not a number: {:?}",
                    p.energy_file.display(),
                    text.trim()
                )
            })?;
            if let Some(last) = p.last_uj {
                let delta = if now >= last {
                    now - last
                } else {
                    // The counter wrapped once since the last reading (they are milliseconds
                    // apart; a wrap takes minutes at any real power).
                    p.wraps_at_uj - last + now
                };
                if delta.is_finite() {
                    self.total_j += delta / 1e6;
                }
            }
            p.last_uj = Some(now);
        }
        Ok(Reading::Joules(self.total_j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(root: &Path, name: &str, uj: &str, max: &str) -> PathBuf {
        let dir = root.join("class/powercap").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("energy_uj"), format!("{uj}\n")).unwrap();
        std::fs::write(dir.join("max_energy_range_uj"), format!("{max}\n")).unwrap();
        dir.join("energy_uj")
    }

    #[test]
    fn packages_are_summed_and_a_wrap_is_counted_once() {
        let root = std::env::temp_dir().join(format!("flopcost-rapl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let p0 = package(&root, "intel-rapl:0", "999000000", "1000000000");
        let p1 = package(&root, "intel-rapl:1", "5000000", "1000000000");
        // A sub-zone (core, dram) is part of its package: not counted again.
        package(&root, "intel-rapl:0:0", "1", "1000000000");
        let mut m = open(&root).unwrap();
        assert!(m.describe().contains("2 CPU packages"), "{}", m.describe());
        assert_eq!(m.read(), Ok(Reading::Joules(0.0)));
        std::fs::write(&p0, "2000000\n").unwrap(); // wrapped: +3 J
        std::fs::write(&p1, "9000000\n").unwrap(); // +4 J
        assert_eq!(m.read(), Ok(Reading::Joules(7.0)));
    }

    #[test]
    fn no_powercap_or_no_package_says_why() {
        let root = std::env::temp_dir().join(format!("flopcost-rapl-none-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        assert!(open(&root).err().unwrap().contains("no RAPL"));
        std::fs::create_dir_all(root.join("class/powercap/intel-rapl")).unwrap();
        assert!(open(&root)
            .err()
            .unwrap()
            .contains("no RAPL package domain"));
    }
}
