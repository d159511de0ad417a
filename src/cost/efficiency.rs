//! The arithmetic of efficiency: a run's sustained rate, its utilisation of a peak, and the
//! compute counted from its figures. The calibration built on them is in `calibration`.

use super::units::SECONDS_PER_HOUR;
use crate::catalog::{Catalog, Run};

/// Sustained FLOP/s per device: total FLOPs spread over the device-hours.
pub fn sustained_per_device(flops: f64, device_hours: f64) -> f64 {
    flops / (device_hours * SECONDS_PER_HOUR)
}

/// Utilisation: sustained rate over a ceiling (both FLOP/s). Against the datasheet peak this is
/// MFU; against the maximum achievable matmul it is matmul utilisation.
pub fn mfu(sustained: f64, peak: f64) -> f64 {
    sustained / peak
}

/// A run's compute counted from operations: the reported figure, else 6·N·D from its model's
/// activated parameters and its tokens. None when neither is known.
pub fn counted_flops(run: &Run, catalog: &Catalog) -> Option<(f64, String)> {
    if let Some(f) = &run.flops {
        return Some((f.value, format!("reported ({})", f.source)));
    }
    let tokens = run.tokens.as_ref()?;
    let model = catalog.model(&run.model).ok()?;
    let n = model.flop_params().value;
    Some((
        6.0 * n * tokens.value,
        format!("6·N·D = 6 × {n:.3e} × {:.3e} (derived)", tokens.value),
    ))
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
