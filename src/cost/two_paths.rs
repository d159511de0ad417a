//! When a measured adapter is a catalog accelerator, the two ways to the same training run
//! side by side: from the measured matmul rate at matmul utilisation, and from the catalog's
//! datasheet peak at the clusters' precision at MFU. They differ when the measurement did not
//! reach the tensor cores the clusters trained on.

use super::calibration::Calibration;
use super::units::{SECONDS_PER_HOUR, TERA};
use crate::catalog::{Accelerator, Precision};
use crate::model::{PathEstimate, TwoPaths};

/// `measured_tflops` at `measured_precision` ("f32", "f16"), measured with `kernel`; `flops` of
/// work. None when the accelerator has no BF16 peak (no catalog path to compare).
pub fn two_paths(
    flops: f64,
    measured_tflops: f64,
    measured_precision: &str,
    kernel: &str,
    accel: &Accelerator,
    params: Option<f64>,
    calibration: &Calibration,
) -> Option<TwoPaths> {
    let peak = accel.peak_tflops.get(Precision::Bf16)?.value;
    let util = calibration.matmul_utilisation_for(Some(accel), params);
    let mfu = calibration.mfu_for(Some(accel), params);
    let hours = |tflops: f64, eff: f64| flops / (tflops * TERA * eff) / SECONDS_PER_HOUR;
    let ratio = peak / measured_tflops;
    Some(TwoPaths {
        accelerator: accel.id.clone(),
        work: format!("{flops:.3e} FLOP"),
        from_measured: PathEstimate {
            tflops_per_device: measured_tflops,
            rate: format!("{measured_precision} measured ({kernel})"),
            efficiency: util.value,
            efficiency_basis: util.basis.clone(),
            device_hours: hours(measured_tflops, util.value),
        },
        from_catalog: PathEstimate {
            tflops_per_device: peak,
            rate: "bf16 datasheet peak (the clusters' precision)".into(),
            efficiency: mfu.value,
            efficiency_basis: mfu.basis,
            device_hours: hours(peak, mfu.value),
        },
        why: format!(
            "your {measured_precision} matmul through WGSL reaches tensor cores only through \
             cooperative matrices; the clusters trained in BF16/FP8 on tensor cores, whose \
             datasheet peak is {ratio:.1}x your measured rate"
        ),
    })
}

/// The run the default run's story prices both ways: DeepSeek-V3's pre-training.
pub const STORY_RUN: &str = "deepseek-v3-pretraining";

/// Both paths for the story's run, when the measured adapter is a catalog accelerator and the
/// calibration holds that run.
pub fn for_story(
    calibration: &Calibration,
    accel: &Accelerator,
    measured_tflops: f64,
    measured_precision: &str,
    kernel: &str,
) -> Option<TwoPaths> {
    let run = calibration.runs.iter().find(|r| r.run == STORY_RUN)?;
    let mut paths = two_paths(
        run.flops,
        measured_tflops,
        measured_precision,
        kernel,
        accel,
        run.active_params,
        calibration,
    )?;
    paths.work = format!("{} ({:.3e} FLOP)", run.run, run.flops);
    Some(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn measured_at_the_achievable_matmul_the_two_paths_agree() {
        let catalog = Catalog::built_in().unwrap();
        let cal = Calibration::from_catalog(&catalog);
        let h100 = catalog.accelerator("h100-sxm").unwrap();
        let p = two_paths(1e24, 794.5, "bf16", "test", h100, None, &cal).unwrap();
        let (a, b) = (p.from_measured.device_hours, p.from_catalog.device_hours);
        assert!((a / b - 1.0).abs() < 1e-9, "{a} vs {b}");
        // An f32 rate 20x below the peak: 20x the hours... at the same utilisation.
        let f32 = two_paths(1e24, 49.475, "f32", "tiled", h100, None, &cal).unwrap();
        assert!((f32.from_measured.device_hours / a - 794.5 / 49.475).abs() < 1e-6);
        assert!(f32.why.contains("20.0x"));
    }

    #[test]
    fn the_story_prices_deepseek_v3_both_ways_only_for_a_catalog_run() {
        let catalog = Catalog::built_in().unwrap();
        let cal = Calibration::from_catalog(&catalog);
        let a100 = catalog.accelerator("a100-80gb").unwrap();
        let p = for_story(&cal, a100, 19.0, "f32", "kernel tiled").unwrap();
        assert!(p.work.starts_with(STORY_RUN));
        assert!(p.from_measured.device_hours > p.from_catalog.device_hours);
        let empty = Calibration::from_runs(vec![], vec![]);
        assert!(for_story(&empty, a100, 19.0, "f32", "kernel tiled").is_none());
    }
}
