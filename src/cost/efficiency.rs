//! Efficiency calibrated from the catalog's reported runs.
//!
//! DECISION: an efficiency is always relative to the throughput it multiplies. For a catalog
//! accelerator that is its datasheet dense peak at the named precision; for a measured result
//! it is the measured matmul rate. The default is the median MFU of the catalog runs whose
//! compute and GPU-hours are both known, where a run's MFU is its sustained per-device rate
//! (FLOPs / GPU-hours / 3600, counting only the 6·N·D model FLOPs, or the reported total)
//! divided by its accelerator's dense BF16 datasheet peak (the denominator DeepSeek and Meta
//! use). The low-high range every estimate prints is the min and max of those runs' MFUs,
//! derived and, where the source publishes one, reported (DeepSeek-V3 38.94%, Llama 3.1 38%):
//! the derived figures are reproducible from the catalog alone, the reported ones show how far
//! the sources' own accounting differs.

use serde::Serialize;

use super::units::{SECONDS_PER_HOUR, TERA};
use crate::catalog::{Catalog, Precision, Run};

/// Used only when no catalog run can be calibrated (a user catalog without runs):
/// Epoch AI's 30-40% utilisation default for LLM runs.
pub const FALLBACK: (f64, f64, f64) = (0.35, 0.30, 0.40);

/// Sustained FLOP/s per device: total FLOPs spread over the device-hours.
pub fn sustained_per_device(flops: f64, device_hours: f64) -> f64 {
    flops / (device_hours * SECONDS_PER_HOUR)
}

/// Model FLOPs utilisation: sustained rate over peak (both FLOP/s).
pub fn mfu(sustained: f64, peak: f64) -> f64 {
    sustained / peak
}

/// Median of a non-empty list (mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationSample {
    pub run: String,
    pub accelerator: String,
    pub flops: f64,
    pub flops_method: String,
    pub gpu_hours: f64,
    pub sustained_tflops: f64,
    pub peak_bf16_tflops: f64,
    pub mfu: f64,
    /// The MFU the source itself published, for comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_mfu: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub samples: Vec<CalibrationSample>,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    /// How the figures were obtained, for the output.
    pub method: String,
}

impl Calibration {
    pub fn from_catalog(catalog: &Catalog) -> Calibration {
        let samples: Vec<CalibrationSample> = catalog
            .runs
            .iter()
            // A run made of stages would count its stages twice.
            .filter(|run| catalog.stages_of(&run.id).next().is_none())
            .filter_map(|run| sample(run, catalog))
            .collect();
        if samples.is_empty() {
            let (median, low, high) = FALLBACK;
            return Calibration {
                samples,
                median,
                low,
                high,
                method: "no catalog run has both compute and GPU-hours: Epoch AI's 30-40% \
                         utilisation default"
                    .to_string(),
            };
        }
        let mfus: Vec<f64> = samples.iter().map(|s| s.mfu).collect();
        let all: Vec<f64> = mfus
            .iter()
            .copied()
            .chain(samples.iter().filter_map(|s| s.reported_mfu))
            .collect();
        Calibration {
            median: median(&mfus),
            low: all.iter().copied().fold(f64::INFINITY, f64::min),
            high: all.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            method: format!(
                "median of {} catalog runs' MFU = FLOPs / GPU-hours / 3600 / dense BF16 \
                 datasheet peak; range: min-max of those and of the MFUs the sources report",
                samples.len()
            ),
            samples,
        }
    }
}

fn sample(run: &Run, catalog: &Catalog) -> Option<CalibrationSample> {
    let (flops, flops_method) = counted_flops(run, catalog)?;
    let gpu_hours = run.device_hours()?.value;
    let accel = catalog.accelerator(&run.accelerator).ok()?;
    let peak = accel.peak_tflops.get(Precision::Bf16)?.value;
    let sustained = sustained_per_device(flops, gpu_hours);
    Some(CalibrationSample {
        run: run.id.clone(),
        accelerator: accel.id.clone(),
        flops,
        flops_method,
        gpu_hours,
        sustained_tflops: sustained / TERA,
        peak_bf16_tflops: peak,
        mfu: mfu(sustained, peak * TERA),
        reported_mfu: run.mfu.as_ref().map(|m| m.value),
    })
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

    #[test]
    fn median_of_odd_and_even_lists() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn built_in_calibration_uses_leaf_runs_with_known_compute() {
        let catalog = Catalog::built_in().unwrap();
        let cal = Calibration::from_catalog(&catalog);
        let runs: Vec<&str> = cal.samples.iter().map(|s| s.run.as_str()).collect();
        // deepseek-v3 (a total of stages) and GPT-3 (no GPU-hours) are left out.
        assert_eq!(runs, ["deepseek-v3-pretraining", "llama-3.1-405b"]);
        // Llama: 3.8e25 / (30.84M × 3600) = 342.3 TFLOP/s = 34.6% of 989.4.
        let llama = &cal.samples[1];
        assert!((llama.sustained_tflops - 342.27).abs() < 0.05);
        assert!((cal.median - 0.346).abs() < 0.002, "{}", cal.median);
        // Range: lowest derived (Llama 34.59%) to highest reported (DeepSeek 38.94%).
        assert!((cal.low - llama.mfu).abs() < 1e-12);
        assert_eq!(cal.high, 0.3894);
    }
}
