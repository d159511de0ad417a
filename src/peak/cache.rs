//! The last `peak` result for each adapter, kept beside the tuning cache so `bench` and `sweep`
//! can state their figures against the device's measured ceilings without re-measuring them.

use std::path::PathBuf;

use crate::cache_dir::cache_dir;
use crate::model::{load_cache, save_json, AdapterDescription, PeakReport, PEAK_SCHEMA_VERSION};

fn path_for(adapter: &AdapterDescription) -> PathBuf {
    // One file per adapter and driver; names are reduced to safe characters.
    let name: String = format!(
        "{}-{}-{}",
        adapter.name, adapter.backend, adapter.driver_info
    )
    .chars()
    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
    .collect();
    cache_dir().join(format!("peak-{name}.json"))
}

/// The cached peak of this adapter and driver, if one was saved by this version of flopcost.
pub fn load_cached_peak(adapter: &AdapterDescription) -> Option<PeakReport> {
    let report: PeakReport =
        load_cache(&path_for(adapter), "schema_version", PEAK_SCHEMA_VERSION).ok()?;
    (report.flopcost_version == env!("CARGO_PKG_VERSION")
        && report.adapter.name == adapter.name
        && report.adapter.driver_info == adapter.driver_info)
        .then_some(report)
}

pub fn save_cached_peak(report: &PeakReport) -> anyhow::Result<PathBuf> {
    let path = path_for(&report.adapter);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    save_json(&path, report, "peak cache")?;
    Ok(path)
}
