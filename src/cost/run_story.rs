//! The default run's figures beside the catalog: the fastest passed result of each precision
//! with every reported run redone at its rate, and both ways of pricing the story's run where
//! the adapter is a catalog accelerator.

use crate::catalog::Catalog;
use crate::model::{
    BenchReport, BenchResult, PrecisionStory, ResultStatus, TrainingStory, TwoPaths,
};

use super::calibration::Calibration;
use super::compare::versus_runs;
use super::estimate::price_for;
use super::trained::TrainedStep;
use super::two_paths::for_story;
use super::units::{fmt_count, SECONDS_PER_HOUR};
use super::work::run_flops;

/// The reported run the training sentence prices.
const HEADLINE_RUN: &str = "deepseek-v3-pretraining";

/// The fastest passed result of each precision, with every catalog run redone at its rate.
pub fn precision_stories(
    report: &BenchReport,
    catalog: &Catalog,
    calibration: &Calibration,
    price: f64,
) -> Vec<PrecisionStory> {
    let mut best: Vec<&BenchResult> = Vec::new();
    for r in &report.results {
        let Some(m) = &r.measurement else { continue };
        if r.status != ResultStatus::Passed {
            continue;
        }
        match best
            .iter_mut()
            .find(|b| b.precision_label() == r.precision_label())
        {
            Some(b)
                if b.measurement
                    .as_ref()
                    .is_some_and(|bm| bm.gflops < m.gflops) =>
            {
                *b = r
            }
            Some(_) => {}
            None => best.push(r),
        }
    }
    best.into_iter()
        .map(|r| {
            let gflops = r.measurement.as_ref().map_or(0.0, |m| m.gflops);
            PrecisionStory {
                precision: r.precision_label(),
                kernel: r.kernel.clone(),
                gflops,
                share_of_peak: report
                    .peak
                    .as_ref()
                    .and_then(|p| p.compute_gflops_for(r.accumulator))
                    .map(|peak| gflops / peak),
                runs: versus_runs(
                    catalog,
                    calibration,
                    gflops,
                    1.0,
                    price_for(
                        report.software_adapter || report.adapter.is_software(),
                        Some(price),
                        None,
                    )
                    .map(|p| p.value),
                ),
            }
        })
        .collect()
}

/// The story's run priced from the datasheet and from the measured rate, when `adapter` is a
/// catalog accelerator: at the fastest precision measured.
pub fn catalog_paths(
    adapter: &str,
    precisions: &[PrecisionStory],
    catalog: &Catalog,
    calibration: &Calibration,
) -> Option<TwoPaths> {
    let accel = catalog.accelerator_for_adapters(&[adapter.to_string()])?;
    let best = precisions
        .iter()
        .max_by(|a, b| a.gflops.total_cmp(&b.gflops))?;
    for_story(
        calibration,
        accel,
        best.gflops / 1000.0,
        &best.precision,
        &format!("kernel {}", best.kernel),
    )
}

/// The training step's line, and the reported clusters priced from it: the measured
/// single-device factor × the scale-out factor calibrated for `adapter`'s family (all
/// families' for a device the catalog does not know), applied to the best matmul rate the
/// run measured (`best_gflops`).
pub fn training_story(
    step: &TrainedStep,
    adapter: &str,
    best_gflops: f64,
    catalog: &Catalog,
    calibration: &Calibration,
) -> TrainingStory {
    let accel = catalog.accelerator_for_adapters(&[adapter.to_string()]);
    let headline = catalog.run(HEADLINE_RUN).ok();
    let params = headline
        .and_then(|r| catalog.model(&r.model).ok())
        .map(|m| m.flop_params().value);
    let e = calibration.matmul_utilisation_measured(accel, params, step.factor.clone());
    let scale_out = e.split.as_ref().map_or(1.0, |s| s.scale_out);
    let priced = headline
        .and_then(|r| run_flops(r, catalog))
        .map(|(flops, _)| {
            format!(
                "; DeepSeek-V3's pre-training would take {} device-hours on it",
                fmt_count(flops / (best_gflops * 1e9 * e.value) / SECONDS_PER_HOUR)
            )
        });
    TrainingStory {
        line: step.sentence(),
        single_device: step.factor.value,
        scale_out,
        scale_out_fitted_on: e.group.clone(),
        utilisation: e.value,
        pricing: format!(
            "Priced from that: a reported cluster keeps {:.1}% of one device's training \
             efficiency (the scale-out factor, calibrated on {}), so their runs would sustain \
             {:.1}% × {:.1}% = {:.1}% of your best measured matmul rate{}.",
            scale_out * 100.0,
            e.group,
            step.factor.value * 100.0,
            scale_out * 100.0,
            e.value * 100.0,
            priced.unwrap_or_default()
        ),
    }
}
