//! The compute of a reported run, by the best method its figures allow:
//! 1. counted as the calibration counts it (`work::of_run`): reported FLOPs, else the model's
//!    sourced FLOPs per token or 6·N·D over the run's tokens, so that a run re-priced at its
//!    own MFU on its own accelerator returns its reported GPU-hours;
//! 2. from hardware: GPU-hours × 3600 × dense BF16 peak × MFU (Epoch AI's second method),
//!    with the run's reported MFU, else the calibrated MFU of its accelerator's family. Used
//!    for runs that publish GPU-hours but no tokens (DeepSeek-R1's RL stages). Such work is
//!    its hours in other units: re-priced on its own accelerator it returns them by
//!    construction, with no interval to speak of.

use super::calibration::Calibration;
use super::units::{SECONDS_PER_HOUR, TERA};
use super::work::{of_run, Work};
use crate::catalog::{Catalog, Precision, Run};

/// Starts every method line of work derived from a run's own hours.
pub const FROM_HARDWARE: &str = "from hardware";

pub fn run_work(
    run: &Run,
    catalog: &Catalog,
    calibration: &Calibration,
    recompute: bool,
) -> Option<Work> {
    if let Some(work) = of_run(run, catalog, recompute) {
        return Some(work);
    }
    let hours = run.device_hours()?;
    let accel = catalog.accelerator(&run.accelerator).ok()?;
    let peak = accel.peak_tflops.get(Precision::Bf16)?;
    let params = catalog
        .model(&run.model)
        .ok()
        .map(|m| m.flop_params().value);
    let (mfu, mfu_source) = match &run.mfu {
        Some(m) => (m.value, format!("the run's reported MFU ({})", m.source)),
        None => {
            let e = calibration.mfu_for(Some(accel), params);
            (e.value, format!("the calibrated MFU: {}", e.describe()))
        }
    };
    Some(Work {
        description: format!("run '{}' ({}, {})", run.id, run.model, run.stage),
        total_flops: hours.value * SECONDS_PER_HOUR * peak.value * TERA * mfu,
        method: format!(
            "{FROM_HARDWARE} (no tokens published): {:.0} GPU-hours × 3600 s × {} TFLOP/s {} \
             BF16 peak × {:.2}% MFU ({mfu_source}); GPU-hours: {}",
            hours.value,
            peak.value,
            accel.id,
            mfu * 100.0,
            hours.source
        ),
        breakdown: None,
        params,
    })
}
