//! The arithmetic of efficiency: a run's sustained rate and its utilisation of a peak. The
//! work is counted in `work`; the calibration built on them is in `calibration`.

use super::units::SECONDS_PER_HOUR;

/// Sustained FLOP/s per device: total FLOPs spread over the device-hours.
pub fn sustained_per_device(flops: f64, device_hours: f64) -> f64 {
    flops / (device_hours * SECONDS_PER_HOUR)
}

/// Utilisation: sustained rate over a ceiling (both FLOP/s). Against the datasheet peak this is
/// MFU; against the maximum achievable matmul it is matmul utilisation.
pub fn mfu(sustained: f64, peak: f64) -> f64 {
    sustained / peak
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deepseek_v3_sustained_rate_and_mfu() {
        // 6 × 37e9 × 14.8e12 = 3.2856e24 FLOP over 2.664M H800-hours.
        let s = sustained_per_device(3.2856e24, 2.664e6);
        assert!((s / 1e12 - 342.6).abs() < 0.1, "{s}");
        let m = mfu(s, 989.5e12);
        assert!((m - 0.3462).abs() < 1e-3, "{m}");
    }
}
