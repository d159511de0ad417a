//! NVIDIA GPUs: NVML, from the driver's libnvidia-ml.so.1, loaded when a meter is opened, so
//! flopcost runs (and says why there is no power figure) where the library is absent.

use nvml_wrapper::Nvml;

use crate::model::AdapterDescription;

use super::{Meter, Reading};

pub struct NvmlMeter {
    nvml: Nvml,
    index: u32,
    name: String,
    /// The total-energy counter (Volta and later), else sampled power usage.
    energy: bool,
}

/// The NVML device matching `adapter`'s PCI device id (the only one, when there is one).
pub fn open(adapter: &AdapterDescription) -> Result<NvmlMeter, String> {
    let nvml = Nvml::init().map_err(|e| format!("NVML could not be loaded ({e})"))?;
    let count = nvml
        .device_count()
        .map_err(|e| format!("NVML lists no devices ({e})"))?;
    let mut chosen = None;
    for index in 0..count {
        let Ok(device) = nvml.device_by_index(index) else {
            continue;
        };
        // NVML's pci_device_id holds the device id in its high 16 bits, the vendor in the low.
        let id = device.pci_info().map(|p| p.pci_device_id >> 16).ok();
        if id == Some(adapter.device_id) || count == 1 {
            chosen = Some((index, device.name().unwrap_or_else(|_| "GPU".into())));
            break;
        }
    }
    let (index, name) = chosen.ok_or_else(|| {
        format!(
            "none of NVML's {count} devices has PCI device id 0x{:04x}",
            adapter.device_id
        )
    })?;
    let energy = nvml
        .device_by_index(index)
        .and_then(|d| d.total_energy_consumption())
        .is_ok();
    Ok(NvmlMeter {
        nvml,
        index,
        name,
        energy,
    })
}

impl Meter for NvmlMeter {
    fn describe(&self) -> String {
        format!(
            "NVML, GPU {} {} ({})",
            self.index,
            self.name,
            if self.energy {
                "total energy counter"
            } else {
                "power usage"
            }
        )
    }

    fn read(&mut self) -> Result<Reading, String> {
        let device = self
            .nvml
            .device_by_index(self.index)
            .map_err(|e| format!("NVML: {e}"))?;
        if self.energy {
            let millijoules = device
                .total_energy_consumption()
                .map_err(|e| format!("NVML: {e}"))?;
            Ok(Reading::Joules(millijoules as f64 / 1e3))
        } else {
            let milliwatts = device.power_usage().map_err(|e| format!("NVML: {e}"))?;
            Ok(Reading::Watts(milliwatts as f64 / 1e3))
        }
    }
}
