//! The default run's figures beside the catalog: the fastest passed result of each precision
//! with every reported run redone at its rate, and both ways of pricing the story's run where
//! the adapter is a catalog accelerator.

use crate::catalog::Catalog;
use crate::model::{BenchReport, BenchResult, PrecisionStory, ResultStatus, TwoPaths};

use super::calibration::Calibration;
use super::compare::versus_runs;
use super::estimate::price_for;
use super::two_paths::for_story;

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
