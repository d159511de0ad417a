//! AMD GPUs: amdgpu's hwmon files under /sys/class/drm/cardN/device/hwmon/hwmonM/.
//! `power1_average` (older kernels and GPUs) or `power1_input` (newer), in microwatts.

use std::path::{Path, PathBuf};

use super::{Meter, Reading, AMD};

#[derive(Debug)]
pub struct HwmonMeter {
    file: PathBuf,
    card: String,
}

/// The power file of the amdgpu card whose PCI device id is `device_id` (the only AMD card, when
/// the adapter gave no id).
pub fn open(root: &Path, device_id: u32) -> Result<HwmonMeter, String> {
    let drm = root.join("class/drm");
    let entries =
        std::fs::read_dir(&drm).map_err(|e| format!("cannot list {}: {e}", drm.display()))?;
    let mut amd_cards: Vec<(String, PathBuf, Option<u32>)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        // card0, card1...: not the connectors (card0-DP-1) or render nodes.
        if !name.starts_with("card") || name.contains('-') {
            continue;
        }
        let device = entry.path().join("device");
        if read_hex(&device.join("vendor")) != Some(AMD) {
            continue;
        }
        amd_cards.push((name, device.clone(), read_hex(&device.join("device"))));
    }
    amd_cards.sort();
    let card = match amd_cards.iter().find(|(_, _, id)| *id == Some(device_id)) {
        Some(card) => card,
        None if amd_cards.len() == 1 => &amd_cards[0],
        None if amd_cards.is_empty() => {
            return Err(format!("no AMD card under {}", drm.display()));
        }
        None => {
            return Err(format!(
                "none of the AMD cards under {} has device id 0x{device_id:04x}",
                drm.display()
            ))
        }
    };
    let hwmon = card.1.join("hwmon");
    let dirs =
        std::fs::read_dir(&hwmon).map_err(|e| format!("{} has no hwmon folder ({e})", card.0))?;
    let mut candidates: Vec<PathBuf> = dirs.flatten().map(|d| d.path()).collect();
    candidates.sort();
    for dir in candidates {
        for name in ["power1_average", "power1_input"] {
            let file = dir.join(name);
            if file.exists() {
                return Ok(HwmonMeter {
                    file,
                    card: card.0.clone(),
                });
            }
        }
    }
    Err(format!(
        "{}'s hwmon has neither power1_average nor power1_input",
        card.0
    ))
}

fn read_hex(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    u32::from_str_radix(text.trim().trim_start_matches("0x"), 16).ok()
}

impl Meter for HwmonMeter {
    fn describe(&self) -> String {
        format!(
            "amdgpu hwmon, {} ({})",
            self.card,
            self.file.file_name().unwrap_or_default().to_string_lossy()
        )
    }

    fn read(&mut self) -> Result<Reading, String> {
        let text = std::fs::read_to_string(&self.file)
            .map_err(|e| format!("cannot read {}: {e}", self.file.display()))?;
        let microwatts: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("{}: not a number: {:?}", self.file.display(), text.trim()))?;
        Ok(Reading::Watts(microwatts / 1e6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_card(root: &Path, card: &str, vendor: &str, device: &str, file: &str, uw: &str) {
        let dev = root.join("class/drm").join(card).join("device");
        std::fs::create_dir_all(dev.join("hwmon/hwmon3")).unwrap();
        std::fs::write(dev.join("vendor"), format!("{vendor}\n")).unwrap();
        std::fs::write(dev.join("device"), format!("{device}\n")).unwrap();
        std::fs::write(dev.join("hwmon/hwmon3").join(file), format!("{uw}\n")).unwrap();
    }

    fn temp_root(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("flopcost-hwmon-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        root
    }

    #[test]
    fn the_card_with_the_adapters_device_id_is_read_in_watts() {
        let root = temp_root("match");
        fake_card(
            &root,
            "card0",
            "0x8086",
            "0x56a0",
            "power1_average",
            "9000000",
        );
        fake_card(
            &root,
            "card1",
            "0x1002",
            "0x744c",
            "power1_average",
            "241000000",
        );
        fake_card(
            &root,
            "card2",
            "0x1002",
            "0x73bf",
            "power1_input",
            "150500000",
        );
        std::fs::create_dir_all(root.join("class/drm/card1-DP-1")).unwrap();
        let mut m = open(&root, 0x744c).unwrap();
        assert_eq!(m.read(), Ok(Reading::Watts(241.0)));
        assert!(m.describe().contains("card1"), "{}", m.describe());
        let mut m = open(&root, 0x73bf).unwrap();
        assert_eq!(m.read(), Ok(Reading::Watts(150.5)));
        assert!(m.describe().contains("power1_input"));
    }

    #[test]
    fn no_amd_card_or_no_power_file_says_why() {
        let root = temp_root("none");
        fake_card(&root, "card0", "0x10de", "0x2335", "power1_average", "1");
        assert!(open(&root, 0x744c).unwrap_err().contains("no AMD card"));
        let dev = root.join("class/drm/card1/device");
        std::fs::create_dir_all(dev.join("hwmon/hwmon0")).unwrap();
        std::fs::write(dev.join("vendor"), "0x1002\n").unwrap();
        std::fs::write(dev.join("device"), "0x744c\n").unwrap();
        let why = open(&root, 0x744c).unwrap_err();
        assert!(
            why.contains("neither power1_average nor power1_input"),
            "{why}"
        );
        assert!(open(&temp_root("absent"), 1)
            .unwrap_err()
            .contains("cannot list"));
    }
}
