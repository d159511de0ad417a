//! Power drawn while the timed runs ran, where the platform tells: NVIDIA GPUs through NVML,
//! AMD GPUs through amdgpu's hwmon files, and the CPU (for a CPU software adapter) through RAPL.
//! Where nothing can be read, the reason is reported instead of a guess.

mod average;
mod hwmon;
mod meter;
mod nvml;
mod rapl;

pub use average::{average_watts, Reading};
pub use meter::PowerMeter;

use std::path::PathBuf;

use crate::model::AdapterDescription;

/// Something that reads power or energy, again and again while a run is timed.
pub trait Meter: Send {
    /// What is measured, for the report: "NVML, NVIDIA H200 (power usage)".
    fn describe(&self) -> String;
    fn read(&mut self) -> Result<Reading, String>;
}

const NVIDIA: u32 = 0x10de;
const AMD: u32 = 0x1002;

/// `FLOPCOST_SYSFS_ROOT`, else `/sys`: tests point it at a fake tree.
pub fn sysfs_root() -> PathBuf {
    std::env::var_os("FLOPCOST_SYSFS_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/sys"))
}

/// The meter for `adapter`, or why there is none.
pub fn meter_for(adapter: &AdapterDescription) -> Result<Box<dyn Meter>, String> {
    if adapter.is_software() {
        // A software adapter's work is the CPU's: its package power is the figure.
        return rapl::open(&sysfs_root()).map(|m| Box::new(m) as Box<dyn Meter>);
    }
    match adapter.vendor_id {
        NVIDIA => nvml::open(adapter).map(|m| Box::new(m) as Box<dyn Meter>),
        AMD => hwmon::open(&sysfs_root(), adapter.device_id).map(|m| Box::new(m) as Box<dyn Meter>),
        other => Err(format!(
            "no power reader for this adapter's vendor (0x{other:04x}); flopcost reads NVIDIA \
             GPUs through NVML, AMD GPUs through amdgpu hwmon and CPUs through RAPL"
        )),
    }
}
