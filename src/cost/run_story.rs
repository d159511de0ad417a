//! The default run's figures beside the catalog: the fastest passed result of each precision
//! with every reported run redone at its rate, and both ways of pricing the story's run where
//! the adapter is a catalog accelerator.

use crate::catalog::Catalog;
use crate::model::{
    BenchReport, BenchResult, PrecisionStory, ResultStatus, TrainingStory, TwoPaths,
};

use super::calibration::Calibration;
use super::compare::{versus_runs_priced, Pricing};
use super::estimate::price_for;
use super::trained::TrainedStep;
use super::two_paths::for_story;
use super::units::{fmt_count, SECONDS_PER_HOUR};
use super::work::run_flops;

/// The reported run the training sentence prices.
const HEADLINE_RUN: &str = "deepseek-v3-pretraining";

/// The fastest passed result of each precision, with every catalog run redone at its rate:
/// at each run's own utilisation, or, when a training step was measured here (`step`), at its
/// single-device factor × the calibrated scale-out factor.
pub fn precision_stories(
    report: &BenchReport,
    catalog: &Catalog,
    calibration: &Calibration,
    price: f64,
    step: Option<&TrainedStep>,
) -> Vec<PrecisionStory> {
    let pricing = match step {
        Some(step) => Pricing::Measured {
            single_device: &step.factor,
            accelerator: catalog
                .accelerator_for_adapters(std::slice::from_ref(&report.adapter.name)),
        },
        None => Pricing::RunOwn,
    };
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
                runs: versus_runs_priced(
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
                    pricing,
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

/// The training step's line, and the sentence saying how the reported clusters were priced
/// from it: the measured single-device factor × the scale-out factor calibrated for
/// `adapter`'s family (all families' for a device the catalog does not know), at each run's
/// model size (`precisions`, priced by `precision_stories` from the same step), applied to the
/// best matmul rate the run measured (`best_gflops`).
pub fn training_story(
    step: &TrainedStep,
    adapter: &str,
    best_gflops: f64,
    precisions: &[PrecisionStory],
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
    let factors: Vec<f64> = precisions
        .iter()
        .flat_map(|p| &p.runs)
        .filter_map(|r| r.measured_pricing.as_ref().map(|m| m.scale_out))
        .collect();
    let range = match (
        factors.iter().copied().reduce(f64::min),
        factors.iter().copied().reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) if hi - lo >= 0.0005 => format!(
            ", {:.1}-{:.1}% across the runs' model sizes",
            lo * 100.0,
            hi * 100.0
        ),
        _ => String::new(),
    };
    TrainingStory {
        line: step.sentence(),
        single_device: step.factor.value,
        scale_out,
        scale_out_fitted_on: e.group.clone(),
        utilisation: e.value,
        pricing: format!(
            "The clusters below are priced from that, not from each run's own utilisation: \
             your measured training efficiency ({:.1}% of your matmul rate, from this run's \
             training step) × the scale-out factor, what a reported cluster keeps of one \
             device's training efficiency ({:.1}% at DeepSeek-V3's size{range}; calibrated on \
             {} reported runs, {}), so a run like DeepSeek-V3's would sustain {:.1}% of your \
             best measured matmul rate{}.",
            step.factor.value * 100.0,
            scale_out * 100.0,
            e.runs.len(),
            e.group,
            e.value * 100.0,
            priced.unwrap_or_default()
        ),
        sizing: None,
    }
}
